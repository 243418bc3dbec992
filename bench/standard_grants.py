"""按标准授分: how long one grant of a standard's credits to many people takes, against PostgreSQL, in one
process (one core), through the service the page and the API call.

    .venv/bin/python bench/standard_grants.py          # or: make bench-standard-grants

Steps, each printed with its time:

1. a throwaway database (``--db``, default ``cme_bench_grants``, dropped and created again on ``--server``)
   and ``cme migrate``;
2. in this process, a Beijing tenant ``bench-bj`` (the province whose policy grants standards this way)
   with two hospitals, their administrators, and ``--registry`` people in the first hospital;
3. **grant**: ``credits.standard_grants.grant`` as the hospital's administrator, 进修学习不满3个月 (30 hours
   over 5 days: 5 credits each) with one attachment, for each size of ``--sizes`` people, ``--repeat``
   times (different people each time): every person checked within reach, one ledger posting, audit
   entry and evidence link per person, all in one transaction.

Prints a table and writes ``--out`` (``bench/standard_grants_results.json``). Nothing here asserts a
target: the figures are recorded in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from attendance import ROOT, Step, code_state, migrated_here, report_header


async def _account(tenant: Any, username: str, grants: list[tuple[Any, dict[str, int]]]) -> int:
    from cme_platform.identity.tables import Account, RoleGrant
    from cme_platform.tenancy.scope import scope

    with scope(tenant):
        account = Account(username=username, display_name=username, password_hash="-")
        await account.save()
        for role, units in grants:
            await RoleGrant(account=account.id, role=str(role), **units).save()  # type: ignore[arg-type]
        return int(account.id)


async def setup(registry: int) -> tuple[Any, int, list[int], int]:
    """The tenant, its hospital administrator's account, the registry's person ids and a file id."""
    from cme_platform.files.tables import StoredFile
    from cme_platform.personnel.numbers import reserve_person_numbers
    from cme_platform.personnel.service import document_columns
    from cme_platform.personnel.tables import Person
    from cme_platform.tenancy.registry import tenant_from_row, tenants_changed
    from cme_platform.tenancy.scope import scope
    from cme_platform.tenancy.tables import Tenant
    from cme_platform.testkit.world import build_world

    row = Tenant(slug="bench-bj", name="基准测试北京", plugin="beijing")
    await row.save()
    tenants_changed()
    tenant = tenant_from_row((await Tenant.select().where(Tenant.id == row.id))[0])
    world = await build_world(tenant, _account, "B")
    with scope(tenant):
        numbers = await reserve_person_numbers(registry)
        for start in range(0, registry, 1000):
            await Person.insert(
                *[
                    Person(
                        name=f"基准{start + i}",
                        gender="男",
                        person_number=number,
                        institution=world.institution_id,
                        department=world.department_id,
                        **document_columns(f"E{uuid.uuid4().int % 10**8:08d}"),
                    )
                    for i, number in enumerate(numbers[start : start + 1000])
                ]
            )
        people = [int(r["id"]) for r in await Person.select(Person.id).order_by(Person.id)]
        file = StoredFile(
            key=f"bench/{uuid.uuid4().hex}",
            purpose="evidence",
            original_name="进修通知.pdf",
            content_type="application/pdf",
            extension="pdf",
            size=1024,
            sha256="0" * 64,
            uploaded_by=world.accounts["institution"],
        )
        await file.save()
    return tenant, world.accounts["institution"], people, int(file.id)


async def measure(args: argparse.Namespace, step: Step) -> list[dict[str, Any]]:
    """Each size's grants, timed one after another."""
    from cme_platform.credits import standard_grants
    from cme_platform.credits.schemas import GuidedInputs
    from cme_platform.identity.principal import load_principal_by_id
    from cme_platform.plugins.manager import get_plugin_manager
    from cme_platform.tenancy.scope import scope
    from cme_platform.tenancy.tables import Tenant

    engine: Any = Tenant._meta.db
    await engine.start_connection_pool(min_size=1, max_size=4)  # as a server worker holds its connections
    try:
        tenant, account, people, file_id = await setup(args.registry)
        step.done(f"tenant, {len(people)} people")
        pm = get_plugin_manager()
        results: list[dict[str, Any]] = []
        offset = 0
        with scope(tenant):
            principal = await load_principal_by_id(account)
            for size in args.sizes:
                seconds: list[float] = []
                for _ in range(args.repeat):
                    chosen = people[offset : offset + size]
                    offset += size
                    data = standard_grants.StandardGrantIn(
                        standard_code="bj-07",
                        person_ids=chosen,
                        activity_name="基准进修",
                        activity_date=date.today() - timedelta(days=5),
                        inputs=GuidedInputs(hours=Decimal(30), days=5),
                        evidence_ids=[file_id],
                    )
                    started = time.perf_counter()
                    made = await standard_grants.grant(pm, principal, data)
                    seconds.append(time.perf_counter() - started)
                    assert made.people == size
                median = statistics.median(seconds)
                results.append(
                    {
                        "people": size,
                        "grants": len(seconds),
                        "median_s": round(median, 3),
                        "ms_per_person": round(median * 1000 / size, 2),
                        "all_s": [round(s, 3) for s in seconds],
                    }
                )
                step.done(f"{size} people: median {median:.2f} s")
        return results
    finally:
        await engine.close_connection_pool()


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server")
    parser.add_argument("--db", default="cme_bench_grants", help="the throwaway database (recreated)")
    parser.add_argument("--registry", type=int, default=5_000, help="people in the hospital")
    parser.add_argument(
        "--sizes", type=lambda text: [int(v) for v in text.split(",")], default=[50, 200, 500]
    )
    parser.add_argument("--repeat", type=int, default=3, help="grants of each size")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "standard_grants_results.json")
    args = parser.parse_args()
    if sum(args.sizes) * args.repeat > args.registry:
        parser.error("--registry must hold every grant's people (sizes × repeat)")

    step = Step()
    started_at = datetime.now(UTC)
    load_before = os.getloadavg()
    migrated_here(args.server, args.db, "grants", step)
    results = asyncio.run(measure(args, step))
    print(f"\n{'people':>8} {'median s':>10} {'ms/person':>10}")
    for r in results:
        print(f"{r['people']:>8} {r['median_s']:>10.2f} {r['ms_per_person']:>10.2f}")
    report = {**report_header(args, started_at, load_before), "code": code_state("credits", ())}
    report["results"] = results
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten to {args.out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
