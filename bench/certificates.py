"""Certificates (issue "Electronic credit certificates"): issue them with a grant, render their PDFs, answer
their verification page, against PostgreSQL, in one process (one core).

    .venv/bin/python bench/certificates.py          # or: make bench-certificates

Steps, each printed with its time:

1. a throwaway database (``--db``, default ``cme_bench_certificates``, dropped and created again on
   ``--server``), ``cme migrate`` and ``cme tenants sync`` with ``CME_TENANTS_DIR=bench/tenants`` (the
   ``bench`` tenant, Jiangsu);
2. ``bench/attendance_setup.py``: a registry of ``--registry`` people, ``--people`` of them at an approved
   run and signed in on their phones;
3. the grant's credits: one approved credit record per attendee for that run, written with ``COPY`` (the
   ledger's own speed is not what is measured here);
4. **issue**: ``certificates.service.issue_for_credits`` for all of them in one transaction, as the
   commission's approval of the attendee list does (snapshot, random number, Ed25519 seal, insert);
5. in this process, the application of ``create_app()`` with its lifespan (the connection pool, as in a
   server worker), through httpx's ``ASGITransport`` (no HTTP server, no network):

   - **verify**: ``GET /t/bench/v/<seal>`` (the page a QR code opens) for ``--verifications`` different
     certificates one after another, from addresses that change every 100 requests (the page allows 120
     per address per 10 minutes); and ``GET /api/public/certificates/verify/<seal>``;
   - **single PDF**: ``GET /t/bench/certificates/<id>/pdf`` by its holder (his session cookie), for
     ``--downloads`` certificates, after one warm-up download;
   - **bulk rendering**: ``--render`` certificates rendered one after another in this process (the
     tenant's template, the QR code, WeasyPrint), each as its own PDF and all as one: certificates per
     second on one core; and ``--job`` certificates as the background job 批量打印证书 lays them out
     (batches of ``RENDER_BATCH`` pages, joined into one PDF).

Prints a table and writes ``--out`` (``bench/certificates_results.json``). Nothing here asserts a target:
the figures are recorded with the targets beside them (``bench/README.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from attendance import ROOT, Step, code_state, percentile, prepare_conference, report_header

TARGETS = {"render_per_s_per_core": 20.0, "single_pdf_ms": 300.0, "verify_median_ms": 100.0}
"""What the issue asks: bulk rendering, one certificate's PDF, the verification page."""


async def write_credits(dsn: str, clients: dict[str, Any]) -> list[int]:
    """One approved credit record per attendee for the bench run; returns their ids."""
    import asyncpg
    from cme_platform.credits.tables import CreditRecord
    from cme_platform.personnel.bulk import row_defaults
    from cme_platform.tenancy.context import TenantContext
    from cme_platform.tenancy.scope import scope

    conn = await asyncpg.connect(dsn)
    try:
        run_id = clients["sessions"]["run"]
        run = await conn.fetchrow(
            "SELECT r.ends_on, r.seq, p.name, p.number, i.name AS issuer, p.institution"
            " FROM projects_run r JOIN projects_project p ON r.project = p.id"
            " JOIN org_institution i ON p.institution = i.id WHERE r.id = $1",
            run_id,
        )
        people = {
            r["id"]: r
            for r in await conn.fetch(
                "SELECT id, institution, department FROM personnel_person WHERE id = ANY($1::int[])",
                [learner["person"] for learner in clients["learners"]],
            )
        }
        tenant = TenantContext(id=clients["tenant_id"], slug=clients["tenant"], name="", plugin="jiangsu")
        now = datetime.now(UTC)
        with scope(tenant):
            template = row_defaults(CreditRecord, person=0, institution=0)
        columns = list(template)
        records = []
        for person_id, person in people.items():
            values = {
                **template,
                "person": person_id,
                "institution": person["institution"],
                "department": person["department"],
                "year": run["ends_on"].year,
                "activity_date": run["ends_on"],
                "activity_name": f"{run['name']} 第{run['seq']}期",
                "activity_number": run["number"] or "",
                "source": "project",
                "source_type": "project_run",
                "source_id": run_id,
                "idempotency_key": f"project-grant:run-{run_id}:person-{person_id}",
                "category": "I类学分",
                "credits": 1000,
                "hours": 600,
                "issuer": run["issuer"],
                "status": "approved",
                "effective_on": run["ends_on"],
                "created_at": now,
                "updated_at": now,
            }
            records.append(tuple(values[c] for c in columns))
        await conn.copy_records_to_table("credits_record", records=records, columns=columns)
        await conn.execute("VACUUM ANALYZE credits_record")
        return [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM credits_record WHERE source_id = $1 ORDER BY id", run_id
            )
        ]
    finally:
        await conn.close()


def timings(values: list[float]) -> dict[str, float]:
    """Median, 95th percentile and mean of ``values`` (seconds), in milliseconds."""
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "median_ms": statistics.median(ms),
        "p95_ms": percentile(ms, 95),
        "mean_ms": statistics.fmean(ms),
    }


async def measure(args: argparse.Namespace, clients: dict[str, Any], credit_ids: list[int]) -> dict[str, Any]:
    """Issue, verify, download and render, in this process."""
    from cme_platform.app import create_app
    from cme_platform.certificates import service
    from cme_platform.certificates.tables import Certificate
    from cme_platform.pdf import render_pdf
    from cme_platform.qr import qr_svg
    from cme_platform.settings import get_settings
    from cme_platform.tenancy.scope import scope
    from httpx import ASGITransport, AsyncClient

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    app = create_app()
    result: dict[str, Any] = {}
    slug = clients["tenant"]
    async with app.lifespan():  # the connection pool, as in a server worker
        from cme_platform.tenancy.registry import load_tenants

        tenant = next(t for t in await load_tenants() if t.slug == slug)
        pm = app.state.plugin_manager
        with scope(tenant):
            started = time.perf_counter()
            issued = await service.issue_for_credits(pm, get_settings().secret_key, credit_ids)
            seconds = time.perf_counter() - started
            rows = await Certificate.select(Certificate.id, Certificate.seal, Certificate.person).order_by(
                Certificate.id
            )
        result["issue"] = {"certificates": len(issued), "seconds": seconds, "per_s": len(issued) / seconds}
        print(f"  issued {len(issued)} certificates in {seconds:.2f} s", flush=True)
        base = "http://bench.local"
        seals = [r["seal"] for r in rows][: args.verifications]
        pages = (
            ("verify_page", "/t/{slug}/v/{seal}"),
            ("verify_api", "/t/{slug}/api/public/certificates/verify/{seal}"),
        )
        for kind, (label, path) in enumerate(pages):
            spent: list[float] = []
            for start in range(0, len(seals), 100):  # a new address every 100 requests
                transport = ASGITransport(
                    app=cast(Any, app),
                    client=(f"10.{kind}.{start // 100 // 250}.{start // 100 % 250 + 1}", 40000),
                )
                async with AsyncClient(transport=transport, base_url=base) as client:
                    if start == 0:
                        assert (await client.get(path.format(slug=slug, seal=seals[-1]))).status_code == 200
                    for seal in seals[start : start + 100]:
                        begun = time.perf_counter()
                        response = await client.get(path.format(slug=slug, seal=seal))
                        spent.append(time.perf_counter() - begun)
                        assert response.status_code == 200, response.text[:200]
            result[label] = timings(spent)
            print(f"  {label}: median {result[label]['median_ms']:.1f} ms", flush=True)
        holders = {learner["person"]: learner for learner in clients["learners"]}
        downloads: list[float] = []
        for index, row in enumerate(rows[: args.downloads + 1]):
            learner = holders[row["person"]]
            transport = ASGITransport(app=cast(Any, app))
            async with AsyncClient(
                transport=transport, base_url=base, cookies={"cme_session": learner["cookie"]}
            ) as client:
                begun = time.perf_counter()
                response = await client.get(f"/t/{slug}/certificates/{row['id']}/pdf")
                if index:  # the first one loads the fonts
                    downloads.append(time.perf_counter() - begun)
                assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.text[
                    :200
                ]
        result["single_pdf"] = timings(downloads)
        print(f"  single PDF: median {result['single_pdf']['median_ms']:.1f} ms", flush=True)
        template = app.template_engine.get_template("certificates/pdf.html")
        with scope(tenant):
            certificates = [
                await service.certificate_by_number(number) for number in await _numbers(args.render)
            ]
        pages = [(c, qr_svg(f"{base}/t/{slug}{c.verify_path}")) for c in certificates]
        result["render_separately"] = _rendered(
            len(pages), lambda: [render_pdf(template.render(pages=[p])) for p in pages]
        )
        result["render_one_document"] = _rendered(
            len(pages), lambda: render_pdf(template.render(pages=pages))
        )
        print(f"  rendered {len(pages)} certificates twice", flush=True)
        with scope(tenant):
            batch = [await service.certificate_by_number(number) for number in await _numbers(args.job)]
        job_pages = [(c, qr_svg(f"{base}/t/{slug}{c.verify_path}")) for c in batch]
        result["render_job"] = _rendered(len(job_pages), lambda: _as_the_job_does(template, job_pages))
        print(f"  rendered {len(job_pages)} certificates as the job does", flush=True)
    return result


def _as_the_job_does(template: Any, pages: list[Any]) -> bytes:
    """One PDF of ``pages`` laid out as :mod:`cme_platform.certificates.bulk` does: in batches, joined."""
    from cme_platform.certificates.bulk import RENDER_BATCH
    from cme_platform.pdf import joined_pdf, render_document

    batches = range(0, len(pages), RENDER_BATCH)
    return joined_pdf([render_document(template.render(pages=pages[i : i + RENDER_BATCH])) for i in batches])


def _rendered(count: int, render: Callable[[], object]) -> dict[str, float]:
    """Wall and CPU time of ``render`` (``count`` certificates), and certificates per second of each."""
    started, cpu = time.perf_counter(), time.process_time()
    render()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "certificates": count,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "per_s": count / seconds,
        "per_cpu_s": count / cpu_seconds,
    }


async def _numbers(count: int) -> list[str]:
    from cme_platform.certificates.tables import Certificate

    return [
        r["number"]
        for r in await Certificate.select(Certificate.number).order_by(Certificate.id).limit(count)
    ]


def print_table(result: dict[str, Any]) -> None:
    """The figures beside the issue's targets."""
    issue = result["issue"]
    count, seconds = issue["certificates"], issue["seconds"]
    print(f"\nissue (with the grant): {count} in {seconds:.2f} s, {issue['per_s']:.0f}/s")
    print("\nmeasurement                 median ms   p95 ms  target")
    for label, target in (("verify_page", "< 100 ms median"), ("verify_api", ""), ("single_pdf", "< 300 ms")):
        t = result[label]
        print(f"{label:<27} {t['median_ms']:>9.1f} {t['p95_ms']:>8.1f}  {target}")
    for label, how in (
        ("render_separately", "a PDF each"),
        ("render_one_document", "one PDF"),
        ("render_job", "the job's batches, one PDF"),
    ):
        r = result[label]
        print(
            f"bulk rendering, {how}: {r['certificates']} in {r['seconds']:.1f} s: {r['per_s']:.1f}/s"
            f" ({r['per_cpu_s']:.1f} per CPU second; target >= 20 per core)"
        )


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server")
    parser.add_argument("--db", default="cme_bench_certificates", help="the throwaway database (recreated)")
    parser.add_argument("--registry", type=int, default=20_000, help="people in the tenant's registry")
    parser.add_argument(
        "--people", type=int, default=2_000, help="attendees granted a credit (and a certificate)"
    )
    parser.add_argument("--verifications", type=int, default=1_000, help="verification requests of each kind")
    parser.add_argument("--downloads", type=int, default=50, help="single PDFs downloaded")
    parser.add_argument("--render", type=int, default=200, help="certificates rendered in a row")
    parser.add_argument("--job", type=int, default=1000, help="certificates rendered as the bulk job does")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "certificates_results.json")
    args = parser.parse_args()

    step = Step()
    started_at = datetime.now(UTC)
    load_before = os.getloadavg()
    dsn, env, clients = prepare_conference(
        args.server,
        args.db,
        step,
        "certificates_clients.json",
        ["--registry", str(args.registry), "--attendees", str(args.people)],
    )
    os.environ.update({k: env[k] for k in ("CME_DATABASE_URL", "CME_DATA_DIR", "CME_TENANTS_DIR")})
    os.environ.pop("CME_CLOCK_OFFSET_DAYS", None)
    os.environ["CME_JOBS_IN_PROCESS"] = "0"  # this process measures; it runs no jobs
    credit_ids = asyncio.run(write_credits(dsn, clients))
    step.done(f"{len(credit_ids)} granted credits written")
    result = asyncio.run(measure(args, clients, credit_ids))
    step.done("measured")
    print_table(result)
    report = {
        **report_header(args, started_at, load_before),
        "code": code_state("certificates", ()),
        "targets": TARGETS,
        "results": result,
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten to {args.out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
