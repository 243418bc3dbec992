"""Measure the registry and its credits at province scale: compliance, the lists, the import and the export.

    CME_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cme_bench CME_DATA_DIR=bench/data \\
        .venv/bin/python bench/run.py

Run after ``bench/generate.py``. In this order (the import adds people, so it comes after the rest):

1. compliance: the whole tenant-year (``--year``, default the generator's credit year) recomputed through
   the real recomputation job (one set-based statement stores every person's result): wall time, rows
   stored, and this process's RSS before and its peak during the recomputation (``resource.getrusage``
   after resetting the peak mark), which must not grow with the data;
   jobs: the time ``enqueue`` adds to a request, and the same recomputation through the job queue (the
   page's path), run by the in-process worker of the app this script starts;
2. learner: the learner's compliance page ``/t/<tenant>/my/compliance`` and its API, signed in through
   the sign-in form as a person of the biggest department of the biggest institution; median and p95
   of ``--requests``;
3. statistics: the statistics page ``/t/<tenant>/compliance/statistics`` (by title level) and its API
   as that department's admin, and the page as the biggest institution's admin and the commission admin;
4. list: ``GET /t/<tenant>/api/personnel/people`` through the real ASGI app in this process (lifespan,
   tenant resolution, bearer-token authentication, filters, JSON), as a commission admin and as the
   admin of the biggest institution, each with a filter and with keyword searches; median and p95 of
   ``--requests`` requests after a warm-up;
5. import: the ``--xlsx`` file through the real importer, end to end (read, validate, seal, write people,
   year rows, accounts, grants and audit), as the commission admin;
6. export: an xlsx of about ``--export-rows`` people through the real export function.

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
import resource
import statistics
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import msgspec
from cme_platform import clock, pii
from cme_platform.app import create_app
from cme_platform.audit.context import Actor, acting_as
from cme_platform.compliance.jobs import KIND as RECOMPUTE
from cme_platform.compliance.jobs import create_run, get_run, start_run
from cme_platform.compliance.jobs import run as run_recompute
from cme_platform.compliance.service import refresh_people, year_rules
from cme_platform.credits.tables import CreditRecord
from cme_platform.identity.passwords import hash_password
from cme_platform.identity.principal import Principal, load_principal_by_id
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.identity.tokens import TokenIn, create_token
from cme_platform.jobs import queue as job_queue
from cme_platform.jobs.kinds import UNFINISHED_STATUSES
from cme_platform.orgs.tables import Department, Institution
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.export import export_people
from cme_platform.personnel.jobs import create_job, run_job
from cme_platform.personnel.schemas import PersonFilter
from cme_platform.personnel.service import filter_clause
from cme_platform.personnel.tables import Person
from cme_platform.personnel.vocab import ACTIVE_STATUS, TITLES
from cme_platform.plugins.manager import get_plugin_manager
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
COMPLIANCE_TARGET_S = 60.0
LEARNER_TARGET_MS = 50.0
REFRESH_TARGET_MS = 20.0
ENQUEUE_TARGET_MS = 5.0
ENQUEUES = 200
STATISTICS_TARGET_MS = 300.0
RSS_GROWTH_LIMIT_MB = 64.0
"""Peak-RSS growth allowed during the recomputation: a loaded year would take gigabytes, not megabytes."""
STEPS = ("compliance", "jobs", "refresh", "learner", "statistics", "list", "import", "export")
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


async def admin_principal(
    username: str, display_name: str, role: Role, institution: int | None, department: int | None = None
) -> Principal:
    """The benchmark's admin account with one grant (created on the first run)."""
    row = await Account.select(Account.id).where(Account.username == username).first()
    if row is None:
        account = Account(
            username=username, display_name=display_name, password_hash=hash_password(BENCH_PASSWORD)
        )
        await account.save()
        await RoleGrant(
            account=account.id, role=role.value, institution=institution, department=department
        ).save()
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
    body = (
        response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    )
    return {
        "path": path,
        "params": params,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "max_ms": round(times[-1], 1),
        "requests": count,
        "total": body.get("total") if isinstance(body, dict) else None,
    }


async def sign_in(client: AsyncClient, tenant: TenantContext, username: str) -> None:
    """Sign ``client`` in through the real sign-in form (the page measurements use the session)."""
    response = await submit_login(client, tenant, username, BENCH_PASSWORD)
    if response.status_code != 303:
        sys.exit(f"signing in as {username} failed: {response.status_code}")


async def biggest_institution(tenant: TenantContext) -> dict[str, Any]:
    """The institution with the most staff (id, name, staff_count): its admin is the benchmark's."""
    with scope(tenant):
        biggest = await (
            Institution.select(Institution.id, Institution.name, Institution.staff_count)
            .order_by(Institution.staff_count, ascending=False)
            .order_by(Institution.id)
            .first()
        )
    if biggest is None:
        sys.exit("the bench tenant has no institutions: run bench/generate.py first")
    return biggest


async def list_figures(app: Litestar, tenant: TenantContext, args: argparse.Namespace) -> list[Figure]:
    """The list API as a commission admin and as the biggest institution's admin, and the list page."""
    biggest = await biggest_institution(tenant)
    with scope(tenant):
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


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Reset this process's peak-RSS mark (Linux ``clear_refs``); False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def current_rss_mb() -> float:
    """This process's resident set size now, in MB (``VmRSS``, the measure the peak mark follows)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def compliance_figures(tenant: TenantContext, year: int) -> list[Figure]:
    """The whole tenant-year recomputed through the real job (as ``cme compliance recompute`` runs it).

    Two figures: the wall time, and how far this process's peak RSS during the recomputation rose above
    its RSS before it (the peak mark is reset first where Linux allows; else the growth of the peak since
    start). The statement runs in the database; a year loaded into Python would take gigabytes.
    """
    with scope(tenant):
        principal = await commission_admin()
        people = await Person.count()
        records = await CreditRecord.count().where(CreditRecord.year == year)
        rules = year_rules(get_plugin_manager(), tenant, year)
        peak_before, rss_before = peak_rss_mb(), current_rss_mb()
        reset = reset_peak_rss()
        with acting(principal):
            started = time.perf_counter()
            run_id = await create_run(year, principal.account_id)
            ok = await run_recompute(run_id, rules)
            seconds = time.perf_counter() - started
        peak_during, rss_after = peak_rss_mb(), current_rss_mb()
        outcome = await get_run(run_id)
    if not ok:
        sys.exit(f"the recomputation failed: {outcome.message}")
    growth = peak_during - (rss_before if reset else peak_before)
    detail = {
        "year": year,
        "people": people,
        "credit_records": records,
        "rows_stored": outcome.people,
        "met": outcome.met,
        "met_rate": round(outcome.met / outcome.people, 4) if outcome.people else 0.0,
        "standards": len(rules.standards),
        "seconds": round(seconds, 2),
        "peak_rss_before_mb": round(peak_before, 1),
        "peak_rss_during_mb": round(peak_during, 1),
        "peak_reset": reset,
        "rss_before_mb": round(rss_before, 1),
        "rss_after_mb": round(rss_after, 1),
    }
    print(
        f"  {records:,} records of {year}, {outcome.people:,} results stored ({outcome.met:,} met) "
        f"in {seconds:.1f} s; RSS {rss_before:.0f} MB before, peak {peak_during:.0f} MB during, "
        f"{rss_after:.0f} MB after"
    )
    return recompute_figures("compliance", f"recompute {year}", seconds, growth, detail)


def recompute_figures(
    step: str, name: str, seconds: float, growth: float, detail: dict[str, Any]
) -> list[Figure]:
    """A recomputation's two figures: its wall time and the growth of this process's peak RSS."""
    return [
        Figure(
            f"{step}: {name}",
            seconds,
            "s",
            f"< {COMPLIANCE_TARGET_S:.0f} s",
            seconds < COMPLIANCE_TARGET_S,
            detail,
        ),
        Figure(
            f"{step}: peak RSS growth",
            growth,
            "MB",
            f"< {RSS_GROWTH_LIMIT_MB:.0f} MB",
            growth < RSS_GROWTH_LIMIT_MB,
            detail,
        ),
    ]


async def job_figures(tenant: TenantContext, year: int) -> list[Figure]:
    """The job queue, with this process's in-process worker running as in a server: the time
    ``enqueue`` adds to the request that starts a job (``ENQUEUES`` jobs of a recomputation of no run,
    which the worker skips), and the whole tenant-year recomputed through the queue (the 达标重算
    button's path): from ``start_run`` until the run is done, and this process's RSS meanwhile."""
    settings = get_settings()
    with scope(tenant):
        principal = await commission_admin()
        times: list[float] = []
        with acting(principal):
            for _ in range(ENQUEUES):
                key = job_queue.new_key(RECOMPUTE)
                started = time.perf_counter()
                await job_queue.enqueue(RECOMPUTE, key, {"run_id": 0}, settings=settings)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        enqueue = {
            "jobs": len(times),
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
            "total": None,
        }
        await asyncio.sleep(2)  # let the worker skip them
        rss_before = current_rss_mb()
        reset = reset_peak_rss()
        peak_before = peak_rss_mb()
        with acting(principal):
            started = time.perf_counter()
            run_id = await start_run(year, principal.account_id, settings)
            while (outcome := await get_run(run_id)).status in UNFINISHED_STATUSES:
                await asyncio.sleep(0.1)
            seconds = time.perf_counter() - started
        peak_during = peak_rss_mb()
    if outcome.status != "done":
        sys.exit(f"the recomputation through the queue failed: {outcome.message}")
    growth = peak_during - (rss_before if reset else peak_before)
    detail = {
        "year": year,
        "rows_stored": outcome.people,
        "met": outcome.met,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_during_mb": round(peak_during, 1),
        "peak_reset": reset,
    }
    print(
        f"  recompute through the queue {seconds:.1f} s, {outcome.people:,} stored; "
        f"RSS {rss_before:.0f} MB before, peak {peak_during:.0f} MB"
    )
    return [
        request_figure("jobs: enqueue a job", enqueue, ENQUEUE_TARGET_MS),
        *recompute_figures("jobs", f"recompute {year} through the queue", seconds, growth, detail),
    ]


async def refresh_figures(tenant: TenantContext, year: int, requests: int) -> list[Figure]:
    """One person's stored result re-judged after a change of his credits or title: the work the
    compliance listener does after the change commits (``refresh_people``), for ``requests`` people
    spread over the tenant, after the recomputation stored the year."""
    pm = get_plugin_manager()
    with scope(tenant):
        people = await Person.count()
        step = max(1, people // max(1, requests))
        ids = [r["id"] for r in await Person.select(Person.id).order_by(Person.id) if r["id"] % step == 0][
            :requests
        ]
        times: list[float] = []
        for person_id in ids:
            started = time.perf_counter()
            await refresh_people(pm, [person_id], year)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    detail = {
        "year": year,
        "people_refreshed": len(times),
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "total": None,
    }
    return [request_figure("compliance: refresh one person", detail, REFRESH_TARGET_MS)]


async def biggest_department(tenant: TenantContext) -> dict[str, Any]:
    """The department of the biggest institution with the most people.

    Keys: id, name, institution, institution_name, people.
    """
    institution = await biggest_institution(tenant)
    with scope(tenant):
        rows = await Person.raw(
            "SELECT department, COUNT(*) AS people FROM personnel_person "
            "WHERE tenant = {} AND institution = {} AND department IS NOT NULL "
            "GROUP BY department ORDER BY people DESC, department LIMIT 1",
            tenant.id,
            institution["id"],
        )
        if not rows:
            sys.exit("the biggest institution has no people in departments: run bench/generate.py first")
        department = (
            await Department.select(Department.name).where(Department.id == rows[0]["department"]).first()
        )
    assert department is not None  # referenced by people
    return {
        "id": rows[0]["department"],
        "name": department["name"],
        "institution": institution["id"],
        "institution_name": institution["name"],
        "people": rows[0]["people"],
    }


async def bench_learner(tenant: TenantContext, department: dict[str, Any], year: int) -> dict[str, Any]:
    """An active person of ``department`` whose learner account gets the benchmark password.

    The generated accounts still have their default password (to be changed at the first sign-in); this
    one is set to :data:`BENCH_PASSWORD` with no change pending, in the throwaway database only.
    """
    with scope(tenant):
        person = await (
            Person.select(Person.id, Person.person_number, Person.name, Person.account)
            .where(
                (Person.department == department["id"])
                & (Person.status == ACTIVE_STATUS)
                & Person.account.is_not_null()
            )
            .order_by(Person.id)
            .first()
        )
        if person is None:
            sys.exit(f"department {department['name']} has no active person with an account")
        await Account.update(
            {Account.password_hash: hash_password(BENCH_PASSWORD), Account.must_change_password: False}
        ).where(Account.id == person["account"])
        username = await Account.select(Account.username).where(Account.id == person["account"]).first()
        records = await CreditRecord.count().where(
            (CreditRecord.person == person["id"]) & (CreditRecord.year == year)
        )
    assert username is not None  # the person's own account
    return {**person, "username": username["username"], "records": records}


def request_figure(name: str, detail: dict[str, Any], target_ms: float, **extra: Any) -> Figure:
    """A request-time figure (median) and its printed line."""
    detail.update(extra)
    found = "" if detail["total"] is None else f", {detail['total']:,} rows"
    print(f"  {name}: median {detail['median_ms']} ms, p95 {detail['p95_ms']} ms{found}")
    return Figure(
        name,
        detail["median_ms"],
        "ms (median)",
        f"< {target_ms:.0f} ms",
        detail["median_ms"] < target_ms,
        detail,
    )


async def learner_figures(
    app: Litestar, tenant: TenantContext, department: dict[str, Any], year: int, count: int
) -> list[Figure]:
    """The learner's compliance page and API, signed in through the sign-in form."""
    learner = await bench_learner(tenant, department, year)
    params = {"year": str(year)}
    cases = [
        ("learner page /my/compliance", f"/t/{tenant.slug}/my/compliance"),
        ("learner API /api/my/compliance", f"/t/{tenant.slug}/api/my/compliance"),
    ]
    figures = []
    async with AsyncClient(
        transport=ASGITransport(app=cast(Any, app)), base_url="http://bench.local"
    ) as client:
        await sign_in(client, tenant, learner["username"])
        for name, path in cases:
            detail = await timed_requests(client, path, {}, params, count)
            figures.append(
                request_figure(
                    name,
                    detail,
                    LEARNER_TARGET_MS,
                    person_number=learner["person_number"],
                    records=learner["records"],
                )
            )
    return figures


async def results_analyzed() -> bool:
    """Whether PostgreSQL has statistics on the stored results yet (an ANALYZE or autovacuum has run).

    Without them the planner takes the freshly written table for empty and joins it row by row, which
    makes the commission admin's statistics several times slower until autovacuum comes by.
    """
    rows = await Tenant.raw(
        "SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL AS analyzed "
        "FROM pg_stat_user_tables WHERE relname = 'compliance_result'"
    )
    return bool(rows and rows[0]["analyzed"])


async def statistics_figures(
    app: Litestar, tenant: TenantContext, department: dict[str, Any], year: int, count: int
) -> list[Figure]:
    """The statistics page (by title level) as the biggest department's admin, then wider admins.

    The department's and the institution's are evaluated live from the credit records; the commission
    admin's read the stored results of the recomputation.
    """
    with scope(tenant):
        await admin_principal(
            "bench_dept_admin",
            "基准测试科室管理员",
            Role.DEPARTMENT_ADMIN,
            department["institution"],
            department["id"],
        )
        await admin_principal(
            "bench_inst_admin", "基准测试单位管理员", Role.INSTITUTION_ADMIN, department["institution"]
        )
        await commission_admin()
    params = {"year": str(year), "by": "title_level"}
    page, api = f"/t/{tenant.slug}/compliance/statistics", f"/t/{tenant.slug}/api/compliance/statistics"
    unit = {
        "department": department["name"],
        "department_people": department["people"],
        "institution": department["institution_name"],
    }
    cases = [
        ("statistics page, department admin", "bench_dept_admin", page, unit),
        ("statistics API, department admin", "bench_dept_admin", api, unit),
        (
            "statistics page, institution admin",
            "bench_inst_admin",
            page,
            {"institution": unit["institution"]},
        ),
        ("statistics page, commission admin", "bench_admin", page, {}),
    ]
    analyzed = await results_analyzed()
    figures = []
    transport = ASGITransport(app=cast(Any, app))
    for name, username, path, scope_detail in cases:
        async with AsyncClient(transport=transport, base_url="http://bench.local") as client:
            await sign_in(client, tenant, username)
            detail = await timed_requests(client, path, {}, params, count)
        figures.append(
            request_figure(name, detail, STATISTICS_TARGET_MS, **scope_detail, results_analyzed=analyzed)
        )
    return figures


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
        if "compliance" in args.only:  # first: the RSS before it is the bare application's
            print("compliance:")
            figures += await compliance_figures(tenant, args.year)
        if "jobs" in args.only:
            print("jobs:")
            figures += await job_figures(tenant, args.year)
        if "refresh" in args.only:
            print("refresh:")
            figures += await refresh_figures(tenant, args.year, args.requests)
        if {"learner", "statistics"} & set(args.only):
            department = await biggest_department(tenant)
            print(
                f"biggest department: {department['institution_name']} {department['name']}, "
                f"{department['people']:,} people"
            )
            if "learner" in args.only:
                print("learner:")
                figures += await learner_figures(app, tenant, department, args.year, args.requests)
            if "statistics" in args.only:
                print("statistics:")
                figures += await statistics_figures(app, tenant, department, args.year, args.requests)
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
    parser.add_argument("--requests", type=int, default=50, help="timed requests per case")
    parser.add_argument(
        "--year", type=int, default=clock.today().year, help="credit year to recompute and show"
    )
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
