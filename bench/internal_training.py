"""Zhejiang's internal training (内部培训) at province scale, against PostgreSQL, in one process (one core),
through the services the pages and the API call.

    .venv/bin/python bench/internal_training.py          # or: make bench-internal-training

Steps, each printed with its time:

1. a throwaway database (``--db``, default ``cme_bench_training``, dropped and created again on
   ``--server``) and ``cme migrate``;
2. in this process, a Zhejiang tenant ``bench-zj`` with ``--institutions`` hospitals of three departments
   each, ``--people`` people per hospital, and ``--per-department`` trainings a year per department (one
   two-hour session each; every one approved, 90% held, 80% written off) with ``--attendees`` people's
   attendance each: by default 2,000 hospitals, 48,000 trainings and 1.2 million attendance rows, about
   a province's year;
3. **lists**: the first page of 内部培训 with its four tab counts, for the commission (every training of the
   province), an institution, and the commission filtering by name and 待评分;
4. **statistics**: 已举办院内活动查看统计 of the year for the commission and for an institution;
5. **write-off**: an institution scores a held training of ``--write-off`` attendees and writes it off
   itself (its own write-off is posted at once: one ledger posting and audit entry per person).

Prints a table and writes ``--out`` (``bench/internal_training_results.json``). Nothing here asserts a
target: the figures are recorded in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from attendance import ROOT, Step, code_state, migrated_here, report_header

BATCH = 500
"""Rows per insert (a wide table's 500 rows stay under PostgreSQL's 32,767 parameters)."""


async def _insert(table: Any, rows: list[Any]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        made = await table.insert(*rows[start : start + BATCH]).returning(table.id)
        ids.extend(int(r["id"]) for r in made)
    return ids


async def _account(username: str, role: str, **units: int) -> int:
    from cme_platform.identity.tables import Account, RoleGrant

    account = Account(username=username, display_name=username, password_hash="-")
    await account.save()
    await RoleGrant(account=account.id, role=role, **units).save()  # type: ignore[arg-type]
    return int(account.id)


async def setup(args: argparse.Namespace, step: Step) -> dict[str, Any]:
    """The tenant and its trainings; returns the tenant, the accounts and the training to write off."""
    from cme_platform.attendance.tables import Attendance
    from cme_platform.identity.roles import Role
    from cme_platform.orgs.tables import Department, Institution, Region
    from cme_platform.personnel.numbers import reserve_person_numbers
    from cme_platform.personnel.service import document_columns
    from cme_platform.personnel.tables import Person
    from cme_platform.tenancy.registry import tenant_from_row, tenants_changed
    from cme_platform.tenancy.scope import scope
    from cme_platform.tenancy.tables import Tenant
    from cme_zhejiang.internal_training.tables import Training, TrainingSession, TrainingWriteOff

    row = Tenant(slug="bench-zj", name="基准测试浙江", plugin="zhejiang")
    await row.save()
    tenants_changed()
    tenant = tenant_from_row((await Tenant.select().where(Tenant.id == row.id))[0])
    now = datetime.now(UTC)
    year = (now + timedelta(hours=8)).year
    with scope(tenant):
        region = Region(code="330100", name="基准市", kind="市")
        await region.save()
        institutions = await _insert(
            Institution,
            [
                Institution(
                    code=f"B{i:05d}",
                    name=f"基准医院{i}",
                    region=region.id,
                    level="市直属医疗卫生单位",
                    category="综合",
                    staff_count=args.people,
                )
                for i in range(args.institutions)
            ],
        )
        departments = await _insert(
            Department,
            [Department(institution=i, name=name) for i in institutions for name in ("内科", "外科", "护理")],
        )
        numbers = await reserve_person_numbers(args.institutions * args.people)
        people = await _insert(
            Person,
            [
                Person(
                    name=f"基准{n}",
                    gender="女",
                    person_number=number,
                    institution=institutions[n // args.people],
                    department=departments[(n // args.people) * 3 + n % 3],
                    **document_columns(f"E{n:08d}"),
                )
                for n, number in enumerate(numbers)
            ],
        )
        step.done(f"{len(institutions)} institutions, {len(people)} people")
        trainings: list[Any] = []
        for d, department in enumerate(departments):
            for k in range(args.per_department):
                trainings.append(
                    Training(
                        institution=institutions[d // 3],
                        department=department,
                        year=year,
                        name=f"业务学习{d}-{k}",
                        level="科室组织的活动",
                        credits=50,
                        hours=200,
                        form="业务学习",
                        status="approved",
                    )
                )
        starts = []
        for n, training in enumerate(trainings):
            held = n % 10 != 0  # 90% held, the rest next week
            starts.append(now - timedelta(days=1 + n % 200) if held else now + timedelta(days=7))
            training.starts_at, training.ends_at = starts[-1], starts[-1] + timedelta(hours=2)
        training_ids = await _insert(Training, trainings)
        session_ids = await _insert(
            TrainingSession,
            [
                TrainingSession(
                    training=t, title="课程", starts_at=start, ends_at=start + timedelta(hours=2), hours=200
                )
                for t, start in zip(training_ids, starts, strict=True)
            ],
        )
        written = [t for n, t in enumerate(training_ids) if n % 10 not in (0, 9)]  # 80% written off
        await _insert(TrainingWriteOff, [TrainingWriteOff(training=t, status="approved") for t in written])
        attendance: list[Any] = []
        for n, (t, s, start) in enumerate(zip(training_ids, session_ids, starts, strict=True)):
            if start > now:
                continue
            first = (n // (3 * args.per_department)) * args.people  # the hospital's people
            for a in range(args.attendees):
                attendance.append(
                    Attendance(
                        session_kind="training",
                        session_id=s,
                        group_id=t,
                        person=people[first + (n + a) % args.people],
                        checked_in_at=start,
                        checked_out_at=start + timedelta(hours=2),
                    )
                )
            if len(attendance) >= 50_000:
                await _insert(Attendance, attendance)
                attendance = []
        await _insert(Attendance, attendance)
        step.done(f"{len(training_ids)} trainings, their sessions and attendance")
        commission = await _account("bench-commission", Role.COMMISSION_ADMIN.value)
        institution = await _account(
            "bench-institution", Role.INSTITUTION_ADMIN.value, institution=institutions[0]
        )
        # the training the institution writes off: held yesterday by its first department, with
        # ``--write-off`` of its people attending
        big = Training(
            institution=institutions[0],
            department=departments[0],
            year=year,
            name="全院业务学习（写入）",
            level="单位组织的活动",
            credits=50,
            hours=200,
            form="业务学习",
            status="approved",
        )
        start = now - timedelta(hours=5)
        big.starts_at, big.ends_at = start, start + timedelta(hours=2)
        await big.save()
        session = TrainingSession(
            training=big.id, title="课程", starts_at=start, ends_at=start + timedelta(hours=2), hours=200
        )
        await session.save()
        extra = await _insert(
            Person,
            [
                Person(
                    name=f"写入{n}",
                    gender="男",
                    person_number=number,
                    institution=institutions[0],
                    department=departments[0],
                    **document_columns(f"F{n:08d}"),
                )
                for n, number in enumerate(await reserve_person_numbers(args.write_off))
            ],
        )
        await _insert(
            Attendance,
            [
                Attendance(
                    session_kind="training",
                    session_id=session.id,
                    group_id=big.id,
                    person=p,
                    checked_in_at=start,
                    checked_out_at=start + timedelta(hours=2),
                )
                for p in extra
            ],
        )
    return {
        "tenant": tenant,
        "commission": commission,
        "institution": institution,
        "write_off": int(big.id),
        "trainings": len(training_ids),
    }


async def _timed(requests: int, call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    seconds = []
    for _ in range(requests):
        started = time.perf_counter()
        await call()
        seconds.append(time.perf_counter() - started)
    return {"median_ms": round(statistics.median(seconds) * 1000, 1), "max_ms": round(max(seconds) * 1000, 1)}


async def measure(args: argparse.Namespace, step: Step) -> dict[str, Any]:
    """The lists, the statistics and one write-off, timed."""
    from cme_platform.identity.principal import load_principal_by_id
    from cme_platform.plugins.manager import get_plugin_manager
    from cme_platform.tenancy.scope import scope
    from cme_platform.tenancy.tables import Tenant
    from cme_zhejiang.internal_training import scoring, service, statistics

    engine: Any = Tenant._meta.db
    await engine.start_connection_pool(min_size=1, max_size=4)  # as a server worker holds its connections
    try:
        made = await setup(args, step)
        await Tenant.raw("ANALYZE")  # the planner's statistics, as a live database has them
        step.done("analyzed")
        pm = get_plugin_manager()
        results: dict[str, Any] = {"trainings": made["trainings"]}
        with scope(made["tenant"]):
            commission = await load_principal_by_id(made["commission"])
            institution = await load_principal_by_id(made["institution"])
            assert commission is not None and institution is not None
            everything = service.TrainingFilter()
            found = service.TrainingFilter(tab="to_score", name="业务学习12")
            for label, principal, query in (
                ("list, commission", commission, everything),
                ("list, institution", institution, everything),
                ("list, commission, name and 待评分", commission, found),
            ):
                results[label] = await _timed(
                    args.requests, lambda p=principal, q=query: service.list_trainings(p, q)
                )
                step.done(f"{label}: median {results[label]['median_ms']} ms")
            for label, principal in (
                ("statistics, commission", commission),
                ("statistics, institution", institution),
            ):
                results[label] = await _timed(args.requests, lambda p=principal: statistics.statistics(p))
                step.done(f"{label}: median {results[label]['median_ms']} ms")
            sheet = await scoring.score_sheet(pm, institution, made["write_off"])
            data = scoring.ScoresIn(
                scores=[scoring.ScoreIn(person_id=r.person_id, credits=Decimal("0.5")) for r in sheet.rows],
                write_off=True,
            )
            started = time.perf_counter()
            done = await scoring.save_scores(pm, institution, made["write_off"], data)
            seconds = time.perf_counter() - started
            assert done.status == "approved" and len(done.rows) == args.write_off
            results["write-off"] = {
                "people": args.write_off,
                "seconds": round(seconds, 2),
                "ms_per_person": round(seconds * 1000 / args.write_off, 2),
            }
            step.done(f"write-off of {args.write_off} people: {seconds:.2f} s")
        return results
    finally:
        await engine.close_connection_pool()


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server")
    parser.add_argument("--db", default="cme_bench_training", help="the throwaway database (recreated)")
    parser.add_argument("--institutions", type=int, default=2000)
    parser.add_argument("--people", type=int, default=40, help="people per institution")
    parser.add_argument("--per-department", type=int, default=8, help="trainings a year per department")
    parser.add_argument("--attendees", type=int, default=25, help="attendees of a held training")
    parser.add_argument("--write-off", type=int, default=200, help="attendees of the training written off")
    parser.add_argument("--requests", type=int, default=10, help="timed calls of each list and statistics")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "internal_training_results.json")
    args = parser.parse_args()
    if args.attendees > args.people:
        parser.error("--attendees cannot exceed --people")

    step = Step()
    started_at = datetime.now(UTC)
    load_before = os.getloadavg()
    migrated_here(args.server, args.db, "training", step)
    results = asyncio.run(measure(args, step))
    print(f"\n{'measurement':<40} {'median ms':>10} {'max ms':>10}")
    for label, value in results.items():
        if isinstance(value, dict) and "median_ms" in value:
            print(f"{label:<40} {value['median_ms']:>10.1f} {value['max_ms']:>10.1f}")
    print(f"write-off: {results['write-off']}")
    report = {
        **report_header(args, started_at, load_before),
        "code": code_state(
            "internal_training",
            ("attendance/records.py", "credits/ledger.py"),
            folder=ROOT / "plugins" / "zhejiang" / "cme_zhejiang" / "internal_training",
        ),
    }
    report["results"] = results
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten to {args.out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
