"""Measure the personnel registry at province scale: the list API, the Excel import and the export.

    CME_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cme_bench CME_DATA_DIR=bench/data \\
        .venv/bin/python bench/run.py

Run after ``bench/generate.py``. In this order (the import adds people, so the list is measured first):

1. list: ``GET /t/<tenant>/api/personnel/people`` through the real ASGI app in this process (lifespan,
   tenant resolution, bearer-token authentication, filters, JSON), as a commission admin and as the
   admin of the biggest institution, each with a filter and with keyword searches; median and p95 of
   ``--requests`` requests after a warm-up;
2. import: the ``--xlsx`` file through the real importer, end to end (read, validate, seal, write people,
   year rows, accounts, grants and audit), as the commission admin;
3. export: an xlsx of about ``--export-rows`` people through the real export function.

Prints a table and writes ``--out`` (``bench/results.json``). Nothing here asserts a target: the
figures are recorded, the targets shown beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import statistics
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import msgspec
from cme_platform import pii
from cme_platform.app import create_app
from cme_platform.audit.context import Actor, acting_as
from cme_platform.identity.passwords import hash_password
from cme_platform.identity.principal import Principal, load_principal_by_id
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.identity.tokens import TokenIn, create_token
from cme_platform.orgs.tables import Institution
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.export import export_people
from cme_platform.personnel.jobs import create_job, run_job
from cme_platform.personnel.schemas import PersonFilter
from cme_platform.personnel.service import filter_clause
from cme_platform.personnel.tables import Person
from cme_platform.personnel.vocab import TITLES
from cme_platform.settings import get_settings
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.scope import scope
from cme_platform.tenancy.tables import Tenant
from cme_platform.testkit.pytest_plugin import submit_login
from generate import bench_tenant
from httpx import ASGITransport, AsyncClient
from litestar import Litestar

LIST_TARGET_MS = 100.0
IMPORT_TARGET_ROWS_PER_S = 5_000.0
EXPORT_TARGET_S = 20.0
STEPS = ("list", "import", "export")
BENCH_PASSWORD = "Bench@2026pw"
"""The password of the benchmark's admin accounts (a throwaway database only)."""


@dataclass
class Figure:
    """One measured figure, its target and how it was obtained."""

    name: str
    value: float
    unit: str
    target: str
    meets_target: bool
    detail: dict[str, Any]


async def admin_principal(username: str, display_name: str, role: Role, institution: int | None) -> Principal:
    """The benchmark's admin account with one grant (created on the first run)."""
    row = await Account.select(Account.id).where(Account.username == username).first()
    if row is None:
        account = Account(
            username=username, display_name=display_name, password_hash=hash_password(BENCH_PASSWORD)
        )
        await account.save()
        await RoleGrant(account=account.id, role=role.value, institution=institution).save()
        row = {"id": account.id}
    principal = await load_principal_by_id(int(row["id"]))
    if principal is None:
        sys.exit(f"the benchmark account {username!r} is inactive")
    return principal


async def commission_admin() -> Principal:
    """The benchmark's commission admin (the whole tenant)."""
    return await admin_principal("bench_admin", "基准测试管理员", Role.COMMISSION_ADMIN, None)


def acting(principal: Principal) -> AbstractContextManager[Actor]:
    """Bind ``principal`` as the actor of the audit records written in the block."""
    return acting_as(Actor(kind="account", account_id=principal.account_id, name=principal.display_name))


async def bearer(principal: Principal) -> dict[str, str]:
    """Request headers with a fresh one-day API token of ``principal``."""
    roles = sorted({grant.role for grant in principal.grants})
    created = await create_token(
        principal, TokenIn(name="性能基准测试", roles=roles, expires_in_days=1), get_settings().secret_key
    )
    return {"Authorization": f"Bearer {created.token}"}


async def timed_requests(
    client: AsyncClient, path: str, headers: dict[str, str], params: dict[str, str], count: int
) -> dict[str, Any]:
    """Median and p95 (ms) of ``count`` GET requests after three warm-up requests, and the total found."""
    for _ in range(3):
        response = await client.get(path, headers=headers, params=params)
        response.raise_for_status()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path, headers=headers, params=params)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    times.sort()
    is_json = response.headers.get("content-type", "").startswith("application/json")
    return {
        "path": path,
        "params": params,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "max_ms": round(times[-1], 1),
        "requests": count,
        "total": response.json()["total"] if is_json else None,
    }


async def sign_in(client: AsyncClient, tenant: TenantContext, username: str) -> None:
    """Sign ``client`` in through the real sign-in form (the page measurements use the session)."""
    response = await submit_login(client, tenant, username, BENCH_PASSWORD)
    if response.status_code != 303:
        sys.exit(f"signing in as {username} failed: {response.status_code}")


async def list_figures(app: Litestar, tenant: TenantContext, args: argparse.Namespace) -> list[Figure]:
    """The list API as a commission admin and as the biggest institution's admin, and the list page."""
    with scope(tenant):
        biggest = await (
            Institution.select(Institution.id, Institution.name, Institution.staff_count)
            .order_by(Institution.staff_count, ascending=False)
            .first()
        )
        if biggest is None:
            sys.exit("the bench tenant has no institutions: run bench/generate.py first")
        sample = (
            await Person.select(Person.id_sealed, Person.person_number, Person.name)
            .where(Person.institution == biggest["id"])
            .order_by(Person.id)
            .offset(100)
            .first()
        )
        if sample is None:
            sys.exit("the bench tenant has no people: run bench/generate.py first")
        commission = await bearer(await commission_admin())
        institution = await bearer(
            await admin_principal(
                "bench_inst_admin", "基准测试单位管理员", Role.INSTITUTION_ADMIN, biggest["id"]
            )
        )
    api, page = f"/t/{tenant.slug}/api/personnel/people", f"/t/{tenant.slug}/personnel/"
    filtered = {"status": "正常", "title": "主治医师"}
    id_number, number = pii.unseal(sample["id_sealed"]), sample["person_number"]
    cases: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
        ("API, commission admin, first page", api, commission, {}),
        ("API, commission admin, status+title", api, commission, filtered),
        ("API, commission admin, name keyword", api, commission, {"q": sample["name"][:2]}),
        ("API, commission admin, ID number", api, commission, {"q_field": "id_number", "q": id_number}),
        ("API, commission admin, person number", api, commission, {"q_field": "person_number", "q": number}),
        (
            "API, commission admin, page 500 by name",
            api,
            commission,
            {**filtered, "sort": "name", "page": "500"},
        ),
        ("API, institution admin, status+title", api, institution, filtered),
        ("API, institution admin, name keyword", api, institution, {"q": sample["name"][:1]}),
        ("page, commission admin, status+title", page, {}, filtered),
    ]
    figures = []
    transport = ASGITransport(app=cast(Any, app))
    async with AsyncClient(transport=transport, base_url="http://bench.local") as client:
        await sign_in(client, tenant, "bench_admin")
        for name, path, headers, params in cases:
            detail = await timed_requests(client, path, headers, params, args.requests)
            detail["institution"] = biggest["name"] if headers is institution else ""
            figures.append(
                Figure(
                    f"list {name}",
                    detail["median_ms"],
                    "ms (median)",
                    f"< {LIST_TARGET_MS:.0f} ms",
                    detail["median_ms"] < LIST_TARGET_MS,
                    detail,
                )
            )
            found = "" if detail["total"] is None else f", {detail['total']:,} rows"
            print(f"  {name}: median {detail['median_ms']} ms, p95 {detail['p95_ms']} ms{found}")
    return figures


async def import_figure(tenant: TenantContext, xlsx: Path) -> Figure:
    """The import of ``xlsx`` as the commission admin, end to end: job row, read, validate, write."""
    with scope(tenant):
        principal = await commission_admin()
        before = await Person.count()
        with acting(principal):
            started = time.perf_counter()
            job_id = await create_job(
                file_name=xlsx.name, mode="all", institution_id=None, account_id=principal.account_id
            )
            outcome = await run_job(job_id, xlsx, PersonAccess.of(principal))
            seconds = time.perf_counter() - started
        after = await Person.count()
    if outcome is None or not outcome.written:
        problems = outcome.errors[:5] if outcome else "refused (see the job row)"
        sys.exit(f"the import wrote nothing: {problems}")
    rate = outcome.total / seconds
    detail = {
        "file": str(xlsx),
        "rows": outcome.total,
        "created": outcome.created,
        "updated": outcome.updated,
        "seconds": round(seconds, 2),
        "people_before": before,
        "people_after": after,
    }
    print(f"  {outcome.total:,} rows in {seconds:.1f} s: {rate:,.0f} rows/s, {outcome.created:,} created")
    target = f">= {IMPORT_TARGET_ROWS_PER_S:,.0f} rows/s"
    return Figure("import: xlsx end to end", rate, "rows/s", target, rate >= IMPORT_TARGET_ROWS_PER_S, detail)


async def export_filter(access: PersonAccess, wanted: int) -> tuple[PersonFilter, int]:
    """The single-title or title-level filter whose people count is closest to ``wanted``."""
    candidates = [PersonFilter(title=title) for title in TITLES]
    candidates += [PersonFilter(title_level=level) for level in sorted(set(TITLES.values()))]
    counted = []
    for filters in candidates:
        where = filter_clause(access, filters)
        counted.append((filters, await Person.count().where(where)))
    return min(counted, key=lambda pair: abs(pair[1] - wanted))


async def export_figure(tenant: TenantContext, wanted: int, tmp_dir: Path) -> Figure:
    """The export of about ``wanted`` people as the commission admin (full ID numbers: the worst case)."""
    with scope(tenant):
        principal = await commission_admin()
        access = PersonAccess.of(principal)
        filters, _ = await export_filter(access, wanted)
        with acting(principal):
            started = time.perf_counter()
            path, rows = await export_people(access, filters, tmp_dir=tmp_dir)
            seconds = time.perf_counter() - started
    size = path.stat().st_size
    path.unlink()
    detail = {
        "filter": {k: v for k, v in msgspec.structs.asdict(filters).items() if v and k != "q_field"},
        "rows": rows,
        "seconds": round(seconds, 2),
        "file_bytes": size,
        "revealed": access.can_reveal,
    }
    print(f"  {rows:,} rows in {seconds:.1f} s ({size / 1e6:.1f} MB), filter {detail['filter']}")
    target = f"< {EXPORT_TARGET_S:.0f} s"
    return Figure(f"export: {rows:,} rows", seconds, "s", target, seconds < EXPORT_TARGET_S, detail)


def print_table(figures: list[Figure]) -> None:
    """The figures as an aligned text table."""
    width = max(len(f.name) for f in figures)
    print(f"\n{'measurement'.ljust(width)}  {'value':>10}  {'unit':<14}  {'target':<16}  ok")
    for f in figures:
        mark = "yes" if f.meets_target else "NO"
        print(f"{f.name.ljust(width)}  {f.value:>10,.1f}  {f.unit:<14}  {f.target:<16}  {mark}")


async def measure(args: argparse.Namespace) -> tuple[str, list[Figure]]:
    """The PostgreSQL version and every measurement, in order."""
    if not get_settings().is_postgres:
        sys.exit("the benchmark needs PostgreSQL: set CME_DATABASE_URL=postgresql://…")
    tenant = await bench_tenant(args.tenant)
    with scope(tenant):
        people = await Person.count()
    server = (await Tenant.raw("SELECT version() AS v"))[0]["v"].split(" on ")[0]
    print(f"{server}, tenant {tenant.slug}: {people:,} people")
    figures = []
    app = create_app()
    async with app.lifespan():  # the connection pool, as in a server worker
        if "list" in args.only:
            print("list:")
            figures += await list_figures(app, tenant, args)
        if "import" in args.only:
            print("import:")
            figures.append(await import_figure(tenant, args.xlsx))
        if "export" in args.only:
            print("export:")
            figures.append(await export_figure(tenant, args.export_rows, args.tmp))
    return server, figures


def main() -> None:
    """Parse the command line, measure, print and save the figures."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenant", default="bench")
    parser.add_argument("--xlsx", type=Path, default=Path("bench/data/import.xlsx"))
    parser.add_argument("--requests", type=int, default=50, help="timed requests per list case")
    parser.add_argument("--export-rows", type=int, default=50_000)
    parser.add_argument("--only", nargs="+", choices=STEPS, default=list(STEPS), help="steps to run")
    parser.add_argument("--tmp", type=Path, default=Path("bench/data/tmp"), help="export directory")
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    server, figures = asyncio.run(measure(args))
    print_table(figures)
    load = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    print(f"\nload average (1 min) before {load['before']}, after {load['after']} on {os.cpu_count()} CPUs")
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": load,
            "database": server,
        },
        "figures": [asdict(f) for f in figures],
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
