"""Recomputation jobs: a :class:`ComplianceRun` row and the tenant-year's results rewritten in the background.

``POST /api/compliance/runs`` creates a ``queued`` run and queues a job of kind :data:`RECOMPUTE`; a
worker calls :func:`cme_platform.compliance.service.store` (one set-based statement) and saves the
outcome. Progress is saved in short transactions of its own so the page can poll it. A worker that dies
mid-run leaves the data transaction rolled back (the previous results are intact); the queue retries the
job once on another worker, or the run is marked failed with the reason. The CLI ``cme compliance
recompute`` runs the same :func:`run` in the foreground.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pluggy

from cme_platform.audit.context import Actor, acting_as
from cme_platform.audit.service import record
from cme_platform.compliance import schemas as s
from cme_platform.compliance.service import YearRules, store, year_rules
from cme_platform.compliance.tables import ComplianceRun
from cme_platform.errors import Conflict, NotFound
from cme_platform.jobs import queue
from cme_platform.jobs.kinds import UNFINISHED_STATUSES, GiveUp, JobKind, RunningJob
from cme_platform.jobs.records import enqueue_for, save_unfinished
from cme_platform.notifications.service import tell_job_starter
from cme_platform.settings import Settings
from cme_platform.tenancy.scope import current_tenant, scope

log = logging.getLogger("cme.compliance")

STATUS_LABELS = {
    "queued": "排队中",
    "running": "计算中",
    "done": "已完成",
    "failed": "失败",
    "cancelled": "已取消",
}
INTERNAL_ERROR = "重算时发生内部错误，原有结果未改变"
KIND = "compliance.recompute"


async def create_run(year: int, account_id: int | None, job_key: str = "") -> int:
    """A new ``queued`` run of the active tenant; returns its id."""
    run_row = ComplianceRun(year=year, created_by=account_id, job_key=job_key)
    await run_row.save()
    return int(run_row.id)


async def start_run(year: int, account_id: int | None, settings: Settings) -> int:
    """Create a run of ``year`` and queue its job; returns the run's id."""
    key = queue.new_key(KIND)
    run_id = await create_run(year, account_id, key)
    await enqueue_for(ComplianceRun, run_id, KIND, key, {"run_id": run_id}, settings=settings)
    return run_id


async def _perform(job: RunningJob, run_id: int) -> dict[str, Any] | None:
    """The job: recompute the run's year, unless the run is not this job's (or no longer waits)."""
    row = (
        await ComplianceRun.select(ComplianceRun.year, ComplianceRun.job_key, ComplianceRun.status)
        .where(ComplianceRun.id == run_id)
        .first()
    )
    if row is None or row["job_key"] != job.key or row["status"] not in UNFINISHED_STATUSES:
        return None
    ok = await run(run_id, year_rules(job.plugin_manager, current_tenant(), row["year"]))
    await _tell_starter(run_id)
    return {"ok": ok}


async def _tell_starter(run_id: int) -> None:
    """Leave the account that started the run a message saying how it ended."""

    def title(row: dict[str, Any]) -> str:
        return f"{row['year']} 年度达标重算{STATUS_LABELS.get(row['status'], row['status'])}"

    await tell_job_starter(ComplianceRun, run_id, kind=KIND, path="/compliance/runs", title=title)


async def _given_up(args: Any, why: GiveUp) -> None:
    """Mark the run cancelled or failed (the data transaction was rolled back: results are intact); the
    account that started it is told of a failure (once: the queue may give a job up twice)."""
    run_id = int(args["run_id"])
    finished = await save_unfinished(
        ComplianceRun,
        run_id,
        status="cancelled" if why.cancelled else "failed",
        message=why.reason if why.cancelled else f"{why.reason}，本次重算未完成，原有结果未改变，请重新发起",
        finished_at=datetime.now(UTC),
    )
    if finished and not why.cancelled:
        await _tell_starter(run_id)


RECOMPUTE = JobKind(name=KIND, label="达标重算", run=_perform, given_up=_given_up, timeout=30 * 60, retries=2)
"""Recompute a tenant-year; retried once after a worker died (the results are rewritten in one
transaction, so an attempt that broke off changed nothing)."""


async def cancel_run(run_id: int) -> s.RunOut:
    """Cancel a run that has not finished (409 when it has)."""
    row = (
        await ComplianceRun.select(ComplianceRun.job_key, ComplianceRun.status)
        .where(ComplianceRun.id == run_id)
        .first()
    )
    if row is None:
        raise NotFound("重算记录不存在")
    if row["status"] not in UNFINISHED_STATUSES or not await queue.cancel(row["job_key"]):
        raise Conflict("这次重算已经结束，无法取消")
    await save_unfinished(
        ComplianceRun, run_id, status="cancelled", message="已取消", finished_at=datetime.now(UTC)
    )
    return await get_run(run_id)


async def run(run_id: int, rules: YearRules) -> bool:
    """Recompute the run's year (inside the tenant's scope); saves the outcome, True when it succeeded."""
    await save_unfinished(ComplianceRun, run_id, status="running", message="正在计算")
    started = time.monotonic()
    try:
        people, met = await store(rules)
    except Exception:
        log.exception("compliance run %s failed", run_id)
        await save_unfinished(
            ComplianceRun, run_id, status="failed", message=INTERNAL_ERROR, finished_at=datetime.now(UTC)
        )
        return False
    seconds = round(time.monotonic() - started)
    message = f"已完成：{people} 人，达标 {met} 人"
    await save_unfinished(
        ComplianceRun,
        run_id,
        status="done",
        people=people,
        met=met,
        seconds=seconds,
        message=message,
        finished_at=datetime.now(UTC),
    )
    await record(
        "compliance.recompute",
        object_type="compliance_run",
        object_id=run_id,
        summary=f"{rules.year}年度达标重算：{people} 人，达标 {met} 人",
        after={"year": rules.year, "people": people, "met": met, "seconds": seconds},
    )
    return True


def run_out(row: dict[str, Any]) -> s.RunOut:
    """The API shape of a run row."""
    return s.RunOut(
        id=row["id"],
        year=row["year"],
        status=row["status"],
        status_label=STATUS_LABELS.get(row["status"], row["status"]),
        people=row["people"],
        met=row["met"],
        seconds=row["seconds"],
        message=row["message"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


async def list_runs(*, page: int = 1, page_size: int = 20) -> s.RunPage:
    """A page of the tenant's runs, newest first."""
    rows = await (
        ComplianceRun.select()
        .order_by(ComplianceRun.id, ascending=False)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return s.RunPage(
        items=[run_out(r) for r in rows], total=await ComplianceRun.count(), page=page, page_size=page_size
    )


async def get_run(run_id: int) -> s.RunOut:
    """One run of the tenant (404 otherwise)."""
    row = await ComplianceRun.select().where(ComplianceRun.id == run_id).first()
    if row is None:
        raise NotFound("重算记录不存在")
    return run_out(row)


async def run_cli(pm: pluggy.PluginManager, slug: str, year: int, echo: Callable[..., Any]) -> int:
    """``cme compliance recompute``: recompute a tenant-year in the foreground; the exit status.

    0 when done, 1 when the run failed, 2 for an unknown tenant.
    """
    tenant = await queue.tenant_named(slug)
    if tenant is None:
        echo(f"tenant {slug} does not exist", err=True)
        return 2
    with scope(tenant), acting_as(Actor(kind="system", name="cme compliance recompute")):
        rules = year_rules(pm, tenant, year)
        run_id = await create_run(year, None)
        ok = await run(run_id, rules)
        outcome = await get_run(run_id)
    echo(outcome.message)
    return 0 if ok else 1
