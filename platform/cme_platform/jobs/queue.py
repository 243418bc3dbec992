"""The platform's job queue: opened once per process, used to enqueue and cancel, told when SAQ gives up.

On PostgreSQL it is SAQ's own PostgreSQL queue (tables ``saq_jobs`` and ``saq_stats`` in the platform's
database, its own small psycopg pool, LISTEN/NOTIFY to wake workers); on the embedded SQLite default it
is :class:`~cme_platform.jobs.sqlite_queue.SqliteQueue`. Both get :class:`GiveUpHandling`: whenever a
job ends failed or aborted, in whichever process that happens (the worker that ran it, the worker that
swept it after its own died, the app that cancelled it), the kind's ``given_up`` marks its record.

A domain starts a job with :func:`enqueue` *after* its record has committed (the PostgreSQL queue writes
through its own connection, so a job enqueued inside a transaction could run before its record exists).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pluggy
from saq.job import Job, Status
from saq.queue.base import Queue
from saq.queue.postgres import PostgresQueue

from cme_platform.audit.context import Actor, acting_as, current_actor
from cme_platform.jobs.kinds import GiveUp, JobKind
from cme_platform.plugins.manager import startup_hooks, using_plugin_manager
from cme_platform.settings import Settings
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.registry import load_tenants
from cme_platform.tenancy.scope import current_tenant, scope

log = logging.getLogger("cme.jobs")

CANCELLED = "cancelled by a user"
"""The abort error of a job cancelled through :func:`cancel`."""
SWEPT = "swept: its worker stopped answering"
"""The abort error of a job whose worker died (past its heartbeat or timeout) and that has no attempt left."""


def job_kinds(pm: pluggy.PluginManager) -> dict[str, JobKind]:
    """Every kind contributed through ``cme_job_kinds``, by name (a name given twice is an error)."""
    kinds: dict[str, JobKind] = {}
    for contributed in startup_hooks(pm, "cme_job_kinds")():
        for kind in contributed:
            if kind.name in kinds:
                raise ValueError(f"job kind {kind.name} is contributed twice")
            kinds[kind.name] = kind
    return kinds


def why_given_up(kind: JobKind, status: Status, error: str | None) -> GiveUp:
    """The reason a record shows for a job that ended ``status`` with SAQ's ``error``."""
    if status == Status.ABORTED and error == CANCELLED:
        return GiveUp(cancelled=True, reason="已取消")
    if status == Status.ABORTED:
        return GiveUp(cancelled=False, reason="执行任务的进程中断，且已没有重试机会")
    if error and "TimeoutError" in error:
        return GiveUp(cancelled=False, reason=f"执行超时（超过 {max(1, kind.timeout // 60)} 分钟）")
    return GiveUp(cancelled=False, reason="执行时发生内部错误")


class GiveUpHandling:
    """Queue behaviour: after a job ends failed or aborted, its kind's ``given_up`` runs in its tenant."""

    kinds: dict[str, JobKind]
    plugin_manager: pluggy.PluginManager

    async def finish(
        self, job: Job, status: Status, *, result: Any = None, error: str | None = None, **kwargs: Any
    ) -> None:
        """The kind's ``given_up`` for a failed or aborted job, then SAQ's finish.

        In this order, a job the queue shows as ended has its record marked already; a process that dies
        in between leaves the job active, so it is swept and given up again (``given_up`` is idempotent).
        """
        if status in (Status.FAILED, Status.ABORTED):
            await self._given_up(job, status, error)
        await super().finish(job, status, result=result, error=error, **kwargs)  # type: ignore[misc]

    async def _given_up(self, job: Job, status: Status, error: str | None) -> None:
        kind = self.kinds.get(job.function)
        if kind is None or kind.given_up is None or not job.kwargs or "tenant" not in job.kwargs:
            return
        try:
            tenant = await tenant_named(job.kwargs["tenant"])
            if tenant is None:
                return
            actor = Actor(**job.kwargs.get("actor", {}))
            with scope(tenant), acting_as(actor), using_plugin_manager(self.plugin_manager):
                await kind.given_up(job.kwargs.get("args", {}), why_given_up(kind, status, error))
        except Exception:
            log.exception("job %s: marking its record failed did not work", job.key)


class PlatformPostgresQueue(GiveUpHandling, PostgresQueue):
    """SAQ's PostgreSQL queue with the platform's give-up handling."""


def _sqlite_queue_class() -> Any:
    from cme_platform.jobs.sqlite_queue import SqliteQueue

    class PlatformSqliteQueue(GiveUpHandling, SqliteQueue):
        """The SQLite queue with the platform's give-up handling."""

    return PlatformSqliteQueue


def queue_file(settings: Settings) -> Path:
    """Where the embedded queue lives: beside the SQLite database (``cme.sqlite3``: ``cme.jobs.sqlite3``)."""
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    return database.with_name(f"{database.stem}.jobs{database.suffix or '.sqlite3'}")


UPKEEP_CONNECTIONS = 8
"""PostgreSQL connections a worker needs beside its jobs: SAQ's listener, dequeue, schedule, sweep, abort
check and stats, and the jobs' heartbeats. With fewer, SAQ's upkeep waits for the pool (30 s at most)."""


def build_queue(settings: Settings, pm: pluggy.PluginManager, *, concurrency: int = 1) -> Queue:
    """A (not yet connected) queue for the configured database, knowing ``pm``'s job kinds, for a
    process that runs ``concurrency`` jobs at a time."""
    queue: Any
    if settings.is_postgres:
        pool_size = concurrency + UPKEEP_CONNECTIONS
        queue = PlatformPostgresQueue(url=settings.database_url, min_size=1, max_size=pool_size)
    else:
        queue = _sqlite_queue_class()(queue_file(settings), poll_interval=settings.job_poll_seconds)
    queue.kinds = job_kinds(pm)
    queue.plugin_manager = pm
    built: Queue = queue
    return built


_open: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[Queue]] = weakref.WeakKeyDictionary()
"""The queues opened on each event loop, latest last (an app's lifespan runs on one loop; a test may run
several apps, one inside another's lifespan or on a loop of its own)."""


def open_queue(queue: Queue) -> None:
    """Make ``queue`` the running loop's queue for :func:`enqueue` and :func:`cancel`."""
    _open.setdefault(asyncio.get_running_loop(), []).append(queue)


def close_queue(queue: Queue) -> None:
    """Forget ``queue`` (the loop's previous queue, if any, is current again)."""
    opened = _open.get(asyncio.get_running_loop(), [])
    if queue in opened:
        opened.remove(queue)


def current_queue() -> Queue:
    """The running loop's connected queue (the app and ``cme worker`` open it at start-up)."""
    opened = _open.get(asyncio.get_running_loop())
    if not opened:
        raise RuntimeError("no job queue is open in this process")
    return opened[-1]


async def tenant_named(slug: str) -> TenantContext | None:
    """The tenant with ``slug`` (a job names its tenant by slug), or ``None`` when it no longer exists."""
    return next((t for t in await load_tenants() if t.slug == slug), None)


def new_key(kind: str) -> str:
    """A fresh job key for ``kind``: store it on the job's record, then :func:`enqueue` with it."""
    return f"{kind}:{uuid.uuid4().hex}"


async def enqueue(kind: str, key: str, args: dict[str, Any], *, settings: Settings) -> None:
    """Queue the job ``key`` of ``kind`` for the active tenant, acting as the current actor.

    ``args`` are the kind's keyword arguments (JSON-able). The kind's record holds ``key`` (the job
    checks it to recognise its own record); call after the record has committed.
    """
    queue = current_queue()
    spec = queue.kinds[kind]  # type: ignore[attr-defined]
    job = Job(
        function=kind,
        key=key,
        kwargs={"tenant": current_tenant().slug, "actor": asdict(current_actor()), "args": args},
        timeout=spec.timeout,
        retries=spec.retries,
        heartbeat=settings.job_heartbeat_seconds,
        ttl=7 * 24 * 3600,
    )
    await queue.enqueue(job)


async def cancel(key: str) -> bool:
    """Cancel the job ``key``: a queued job is given up at once, a running one is stopped by its worker
    within about a second. False when the job is unknown or already finished."""
    queue = current_queue()
    job = await queue.job(key)
    if job is None or job.status in (Status.COMPLETE, Status.FAILED, Status.ABORTED):
        return False
    await queue.abort(job, CANCELLED)
    return True
