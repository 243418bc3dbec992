"""Fill the bench tenant with a province-sized personnel registry and its credits; write the import file.

    CME_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cme_bench .venv/bin/python bench/generate.py

Creates regions, institutions (with departments) and people with their learner accounts, role grants
and year rows, then ``--credits-per-person`` credit records of every person for ``--credit-year``, in
the tenant ``--tenant`` (default ``bench``), which must exist (``cme tenants sync``) and hold no
institutions yet. The credit categories are those the tenant's plugin gives for the year. ID numbers
are sealed and hashed through :mod:`cme_platform.pii`, person numbers come from the tenant's counter;
rows are written with PostgreSQL COPY (the credit records streamed in batches of ``--credit-batch``
people, so memory does not grow with them). This is only the data set: the import that is measured
is the real importer, run by ``bench/run.py`` on ``--xlsx``, a file of ``--import-rows`` new people
(valid rows, in the import template's columns).
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
from cme_platform import clock, pii
from cme_platform.credits.policy import OTHER_CATEGORY
from cme_platform.personnel import account_link
from cme_platform.personnel.excel_template import COLUMNS, SHEET_NAME
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.validation import LABELS
from cme_platform.plugins.manager import get_plugin_manager, tenant_hooks
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
    "credits_record",
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
    years: Sequence[int],
) -> list[tuple[int, int, int | None]]:
    """People with their learner accounts, learner grants and a year row for each of ``years``.

    Returns (person, institution, department) ids of every person, in the order of ``rows``.
    """
    account_ids = await allocate_ids(conn, "identity_account", len(rows))
    person_ids = await allocate_ids(conn, "personnel_person", len(rows))
    accounts: list[tuple[Any, ...]] = []
    grants: list[tuple[Any, ...]] = []
    people: list[tuple[Any, ...]] = []
    year_rows: list[tuple[Any, ...]] = []
    placed: list[tuple[int, int, int | None]] = []
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
        placed.append((person_id, institution, department))
        history = (row["title"], row["title_level"], row["title_evaluated_on"], row["status"], institution)
        year_rows.extend((tenant_id, person_id, year, *history, "", now, now) for year in years)
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
        year_rows,
    )
    return placed


async def drop_secondary_indexes(conn: asyncpg.Connection, table: str) -> list[str]:
    """Drop the indexes of ``table`` that back no constraint; their definitions, to create them again.

    PostgreSQL's advice for a bulk load ("Populating a Database"): building an index once over the
    loaded rows is much faster than updating it row by row.
    """
    rows = await conn.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition "
        "FROM pg_index i WHERE i.indrelid = $1::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        table,
    )
    for row in rows:
        await conn.execute(f"DROP INDEX {row['name']}")
    return [row["definition"] for row in rows]


def credit_categories(tenant: TenantContext, year: int) -> list[synth.CreditCategoryMix]:
    """The categories the tenant's plugin gives for ``year`` (two made-up ones if it gives none), weighted."""
    hooks = tenant_hooks(get_plugin_manager(), tenant.plugin)
    categories = hooks.cme_credit_categories(tenant=tenant, year=year) or []
    listed = [(c.name, tuple(c.subcategories)) for c in categories]
    return synth.category_mix(listed or [("I类学分", ()), ("II类学分", ())], OTHER_CATEGORY)


async def write_credits(
    conn: asyncpg.Connection,
    tenant_id: int,
    maker: synth.CreditMaker,
    placed: list[tuple[int, int, int | None]],
    per_person: int,
    batch: int,
    step: Step,
) -> int:
    """``per_person`` credit records of every placed person, one COPY per ``batch`` people; the count.

    The records are drawn while COPY sends them, so no more than one buffer of them is ever held.
    """
    written = 0
    for start in range(0, len(placed), batch):
        chunk = placed[start : start + batch]
        records = (
            record
            for person, institution, department in chunk
            for record in maker.records(tenant_id, person, institution, department, per_person)
        )
        await conn.copy_records_to_table(
            "credits_record", records=records, columns=list(synth.CREDIT_COLUMNS)
        )
        written += len(chunk) * per_person
        step.done(f"{written:,} credit records written")
    return written


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
        today = clock.today()
        years = sorted({today.year - 1, today.year, args.credit_year})
        async with conn.transaction():
            inst_ids, departments = await write_organisation(conn, tenant.id, org, now)
            step.done(f"{len(inst_ids):,} institutions, {sum(map(len, departments)):,} departments written")
            placed = await write_people(conn, tenant.id, rows, numbers, inst_ids, departments, now, years)
            step.done(f"{len(rows):,} people, accounts, grants and year rows ({years}) written")
        if args.credits_per_person:
            issuers = [inst.name for inst in org.institutions if inst.staff >= 250] or [
                inst.name for inst in org.institutions
            ]
            maker = synth.CreditMaker(
                random.Random(args.seed + 1),
                args.credit_year,
                today,
                credit_categories(tenant, args.credit_year),
                issuers,
                now,
            )
            async with conn.transaction():
                if await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
                    # The generated references are right by construction: skip the four foreign-key
                    # checks per record, which would triple the load time (superusers only).
                    await conn.execute("SET LOCAL session_replication_role = replica")
                indexes = await drop_secondary_indexes(conn, "credits_record")
                count = await write_credits(
                    conn, tenant.id, maker, placed, args.credits_per_person, args.credit_batch, step
                )
                await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for definition in indexes:
                    await conn.execute(definition)
                step.done(f"{len(indexes)} indexes of the credit records built again")
            step.done(f"{count:,} credit records of {args.credit_year} committed")
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
    parser.add_argument("--credits-per-person", type=int, default=30, help="credit records per person")
    parser.add_argument(
        "--credit-year", type=int, default=clock.today().year, help="year of the credit records"
    )
    parser.add_argument(
        "--credit-batch", type=int, default=10_000, help="people whose credit records one COPY writes"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(generate(args))
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
