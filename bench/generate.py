"""Fill the bench tenant with a province-sized personnel registry and write the import file to measure.

    CME_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cme_bench .venv/bin/python bench/generate.py

Creates regions, institutions (with departments) and people with their learner accounts, role grants
and year rows in the tenant ``--tenant`` (default ``bench``), which must exist (``cme tenants sync``)
and hold no institutions yet. ID numbers are sealed and hashed through :mod:`cme_platform.pii`, person
numbers come from the tenant's counter; rows are written with PostgreSQL COPY. This is only the data
set: the import that is measured is the real importer, run by ``bench/run.py`` on ``--xlsx``, a file
of ``--import-rows`` new people (valid rows, in the import template's columns).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import synth
from cme_platform import pii
from cme_platform.personnel import account_link
from cme_platform.personnel.excel_template import COLUMNS, SHEET_NAME
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.validation import LABELS
from cme_platform.settings import get_settings
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.registry import load_tenants
from cme_platform.tenancy.scope import scope
from openpyxl import Workbook

LOADED_TABLES = (
    "org_region",
    "org_institution",
    "org_department",
    "identity_account",
    "identity_role_grant",
    "personnel_person",
    "personnel_person_year",
)
"""Tables vacuumed and analyzed after the load, as autovacuum would soon do on a live system."""
PERSON_COLUMNS = (
    "id",
    "tenant",
    "id_type",
    "id_sealed",
    "id_hash",
    "id_masked",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "political_status",
    "phone",
    "office_phone",
    "email",
    "person_number",
    "ic_card",
    "institution",
    "department",
    "title",
    "title_level",
    "specialty",
    "title_evaluated_on",
    "title_appointed_year",
    "establishment",
    "status",
    "transfer_status",
    "position",
    "education",
    "degree",
    "account",
    "created_at",
    "updated_at",
)


class Step:
    """Prints how long each step of the generator took."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def done(self, what: str) -> None:
        """Print ``what`` with the seconds since the previous step."""
        now = time.perf_counter()
        print(f"  {what}: {now - self.started:.1f} s", flush=True)
        self.started = now


async def allocate_ids(conn: asyncpg.Connection, table: str, count: int) -> list[int]:
    """``count`` fresh primary keys of ``table`` from its sequence (so COPY can write them directly)."""
    rows = await conn.fetch(
        "SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2)", table, count
    )
    return [row["id"] for row in rows]


async def copy(
    conn: asyncpg.Connection, table: str, columns: Sequence[str], records: Iterable[tuple]
) -> None:
    """Write ``records`` into ``table`` with COPY."""
    await conn.copy_records_to_table(table, records=list(records), columns=list(columns))


async def bench_tenant(slug: str) -> TenantContext:
    """The tenant named ``slug``; exits with a message when it has not been synced."""
    for tenant in await load_tenants():
        if tenant.slug == slug:
            return tenant
    sys.exit(f"tenant {slug!r} does not exist: run `cme tenants sync` with bench/tenants first")


async def write_organisation(
    conn: asyncpg.Connection, tenant_id: int, org: synth.Organisation, now: datetime
) -> tuple[list[int], list[dict[str, int]]]:
    """Regions, institutions and departments; the institution ids and each one's department ids by name."""
    region_ids = await allocate_ids(conn, "org_region", len(synth.CITIES))
    await copy(
        conn,
        "org_region",
        ("id", "tenant", "name", "code", "kind", "active", "created_at", "updated_at"),
        (
            (rid, tenant_id, name, code, "市", True, now, now)
            for rid, (code, name) in zip(region_ids, synth.CITIES, strict=True)
        ),
    )
    inst_ids = await allocate_ids(conn, "org_institution", len(org.institutions))
    await copy(
        conn,
        "org_institution",
        ("id", "tenant", "region", "name", "code", "level", "category", "staff_count", "active"),
        (
            (iid, tenant_id, region_ids[i.region], i.name, i.code, i.level, "综合", i.staff, True)
            for iid, i in zip(inst_ids, org.institutions, strict=True)
        ),
    )
    pairs = [
        (iid, name) for iid, inst in zip(inst_ids, org.institutions, strict=True) for name in inst.departments
    ]
    dept_ids = await allocate_ids(conn, "org_department", len(pairs))
    await copy(
        conn,
        "org_department",
        ("id", "tenant", "institution", "name", "code", "active"),
        (
            (did, tenant_id, iid, name, f"D{did}", True)
            for did, (iid, name) in zip(dept_ids, pairs, strict=True)
        ),
    )
    by_inst: dict[int, dict[str, int]] = {iid: {} for iid in inst_ids}
    for did, (iid, name) in zip(dept_ids, pairs, strict=True):
        by_inst[iid][name] = did
    return inst_ids, [by_inst[iid] for iid in inst_ids]


async def write_people(
    conn: asyncpg.Connection,
    tenant_id: int,
    rows: list[dict[str, Any]],
    numbers: list[str],
    inst_ids: list[int],
    departments: list[dict[str, int]],
    now: datetime,
) -> None:
    """People with their learner accounts, learner grants and year rows (last year and this year)."""
    account_ids = await allocate_ids(conn, "identity_account", len(rows))
    person_ids = await allocate_ids(conn, "personnel_person", len(rows))
    accounts: list[tuple[Any, ...]] = []
    grants: list[tuple[Any, ...]] = []
    people: list[tuple[Any, ...]] = []
    years: list[tuple[Any, ...]] = []
    recent = (date.today().year - 1, date.today().year)
    for row, number, account_id, person_id in zip(rows, numbers, account_ids, person_ids, strict=True):
        institution = inst_ids[row["institution"]]
        department = departments[row["institution"]][row["department"]] if row["department"] else None
        account = account_link.account_values(number, row["name"], row["phone"])
        accounts.append((account_id, tenant_id, *account.values(), True, now))
        grant = account_link.grant_values(account_id, institution, department)
        grants.append((tenant_id, grant["account"], grant["role"], grant["institution"], grant["department"]))
        values = {
            **row,
            "id": person_id,
            "tenant": tenant_id,
            "id_sealed": pii.seal(row["id_number"]),
            "id_hash": pii.lookup_hash(row["id_number"]),
            "id_masked": pii.mask_document(row["id_number"]),
            "person_number": number,
            "institution": institution,
            "department": department,
            "account": account_id,
            "created_at": now,
            "updated_at": now,
        }
        people.append(tuple(values[column] for column in PERSON_COLUMNS))
        history = (row["title"], row["title_level"], row["title_evaluated_on"], row["status"], institution)
        years.extend((tenant_id, person_id, year, *history, "", now, now) for year in recent)
    account_columns = ("id", "tenant", *account_link.account_values("", "", ""), "active", "created_at")
    await copy(conn, "identity_account", account_columns, accounts)
    await copy(
        conn, "identity_role_grant", ("tenant", "account", "role", "institution", "department"), grants
    )
    await copy(conn, "personnel_person", PERSON_COLUMNS, people)
    year_columns = ("tenant", "person", "year", "title", "title_level", "title_evaluated_on", "status")
    await copy(
        conn,
        "personnel_person_year",
        (*year_columns, "institution", "note", "created_at", "updated_at"),
        years,
    )


def write_import_file(path: Path, org: synth.Organisation, rows: Iterable[dict[str, Any]]) -> int:
    """Write the rows as an import workbook (the template's sheet and columns); the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_NAME)
    sheet.append(list(COLUMNS))
    count = 0
    for row in rows:
        cells: list[Any] = [org.institutions[row["institution"]].code, row["department"] or ""]
        for name in LABELS:
            value = row[name]
            cells.append(value.isoformat() if isinstance(value, date) else ("" if value is None else value))
        sheet.append(cells)
        count += 1
    book.save(path)
    return count


async def generate(args: argparse.Namespace) -> None:
    """Create the data set in the tenant and write the import file."""
    settings = get_settings()
    if not settings.is_postgres:
        sys.exit("the benchmark needs PostgreSQL: set CME_DATABASE_URL=postgresql://…")
    tenant = await bench_tenant(args.tenant)
    rng = random.Random(args.seed)
    step = Step()
    org = synth.organisation(rng, args.institutions, args.people)
    ids = synth.IdNumbers(rng)
    rows = list(synth.people(rng, org, ids))
    step.done(f"{len(rows):,} people made up")
    conn = await asyncpg.connect(settings.database_url)
    try:
        if await conn.fetchval("SELECT count(*) FROM org_institution WHERE tenant = $1", tenant.id):
            sys.exit(
                f"tenant {tenant.slug!r} already has institutions: start from an empty database (make bench)"
            )
        with scope(tenant):
            numbers = await reserve_person_numbers(len(rows))
        now = datetime.now(UTC)
        async with conn.transaction():
            inst_ids, departments = await write_organisation(conn, tenant.id, org, now)
            step.done(f"{len(inst_ids):,} institutions, {sum(map(len, departments)):,} departments written")
            await write_people(conn, tenant.id, rows, numbers, inst_ids, departments, now)
            step.done(f"{len(rows):,} people, accounts, grants and year rows written")
        for table in LOADED_TABLES:
            await conn.execute(f"VACUUM ANALYZE {table}")
        step.done("vacuumed and analyzed")
    finally:
        await conn.close()
    import_org = synth.hires(rng, org, args.import_rows)
    count = write_import_file(args.xlsx, import_org, synth.people(rng, import_org, ids, new_only=True))
    step.done(f"{count:,} new people written to {args.xlsx}")


def main() -> None:
    """Parse the command line and generate."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenant", default="bench", help="slug of the (empty) bench tenant")
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--institutions", type=int, default=2_000)
    parser.add_argument("--import-rows", type=int, default=50_000, help="rows of the import file")
    parser.add_argument("--xlsx", type=Path, default=Path("bench/data/import.xlsx"))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(generate(args))
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
