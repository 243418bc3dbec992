"""The worker: runs queued and scheduled jobs, in ``cme worker`` or inside the application's process.

Every worker registers every kind (the same functions on every machine). A tenant job runs in its
tenant's scope and as the actor who started it, with a ticker that touches it every quarter heartbeat:
a worker that dies stops touching its jobs, and after the heartbeat another worker's sweep retries them
(or gives them up when no attempt is left). A worker that stops cleanly (a deploy, Ctrl-C) puts its
running jobs back in the queue for the next worker; it never marks another process's job failed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pluggy
from saq.job import CronJob
from saq.queue.base import Queue
from saq.types import Context
from saq.worker import Worker

from cme_platform.audit.context import Actor, acting_as
from cme_platform.clock import CHINA
from cme_platform.jobs.kinds import JobKind, RunningJob, beat
from cme_platform.jobs.queue import tenant_named
from cme_platform.pdf import Templates
from cme_platform.plugins.manager import using_plugin_manager
from cme_platform.settings import Settings
from cme_platform.tenancy.scope import scope

log = logging.getLogger("cme.jobs")

IN_PROCESS_CONCURRENCY = 2
"""Jobs an application process runs at the same time beside its requests."""


def perform(
    kind: JobKind, pm: pluggy.PluginManager, settings: Settings, templates: Templates | None = None
) -> Any:
    """The function SAQ calls for ``kind``: the kind's ``run`` in its tenant, kept alive by a ticker."""

    async def run(ctx: Context, **kwargs: Any) -> Any:
        job = ctx["job"]
        running = RunningJob(job=job, plugin_manager=pm, settings=settings, page_templates=templates)
        ticker = asyncio.create_task(beat(job, max(1.0, settings.job_heartbeat_seconds / 4)))
        try:
            with using_plugin_manager(pm):
                if kind.cron:
                    return await kind.run(running)
                tenant = await tenant_named(kwargs["tenant"])
                if tenant is None:
                    log.warning("job %s: tenant %s no longer exists", job.key, kwargs["tenant"])
                    return None
                with scope(tenant), acting_as(Actor(**kwargs.get("actor", {}))):
                    return await kind.run(running, **kwargs.get("args", {}))
        finally:
            ticker.cancel()

    run.__qualname__ = run.__name__ = kind.name
    return run


class PlatformWorker(Worker):
    """SAQ's worker; ``own_signals`` False leaves SIGINT/SIGTERM to the server it runs inside."""

    def __init__(self, *args: Any, own_signals: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not own_signals:
            self.SIGNALS = []


def build_worker(
    queue: Queue,
    pm: pluggy.PluginManager,
    settings: Settings,
    *,
    concurrency: int = 4,
    own_signals: bool = True,
    templates: Templates | None = None,
) -> PlatformWorker:
    """A worker for ``queue`` that knows every job kind of ``pm`` and runs the scheduled ones on time;
    its jobs render documents from ``templates``."""
    kinds: dict[str, JobKind] = queue.kinds  # type: ignore[attr-defined]
    functions = [perform(kind, pm, settings, templates) for kind in kinds.values() if not kind.cron]
    cron_jobs = [
        CronJob(
            perform(kind, pm, settings),
            cron=kind.cron,
            timeout=kind.timeout,
            retries=kind.retries,
            heartbeat=settings.job_heartbeat_seconds,
        )
        for kind in kinds.values()
        if kind.cron
    ]
    return PlatformWorker(
        queue,
        functions,
        cron_jobs=cron_jobs,
        cron_tz=CHINA,
        concurrency=concurrency,
        # SAQ's schedule tick enqueues the cron jobs and, on PostgreSQL, picks up jobs that became due
        # (a retry sends no NOTIFY); SQLite workers poll for due jobs anyway.
        timers={"sweep": settings.job_sweep_seconds, "schedule": 1 if settings.is_postgres else 10},
        poll_interval=0.0 if settings.is_postgres else settings.job_poll_seconds,
        own_signals=own_signals,
    )


async def run_worker(
    pm: pluggy.PluginManager, settings: Settings, templates: Templates, *, concurrency: int
) -> None:
    """``cme worker``: connect, work until SIGINT or SIGTERM, put running jobs back, disconnect."""
    from cme_platform.jobs.queue import build_queue, close_queue, open_queue

    queue = build_queue(settings, pm, concurrency=concurrency)
    await queue.connect()
    open_queue(queue)
    worker = build_worker(queue, pm, settings, concurrency=concurrency, templates=templates)
    log.info("worker %s started (%d at a time)", worker.id, concurrency)
    try:
        await worker.start()
    finally:
        close_queue(queue)
        await queue.disconnect()


class InProcessJobs:
    """The queue of an application process and, unless ``CME_JOBS_IN_PROCESS=0``, a worker beside it."""

    def __init__(self, pm: pluggy.PluginManager, settings: Settings, templates: Templates) -> None:
        self._pm = pm
        self._settings = settings
        self._templates = templates
        self._queue: Queue | None = None
        self._worker: PlatformWorker | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect the queue (the app enqueues through it) and start the in-process worker."""
        from cme_platform.jobs.queue import build_queue, open_queue

        self._queue = build_queue(self._settings, self._pm, concurrency=IN_PROCESS_CONCURRENCY)
        await self._queue.connect()
        open_queue(self._queue)
        if self._settings.jobs_in_process:
            self._worker = build_worker(
                self._queue,
                self._pm,
                self._settings,
                concurrency=IN_PROCESS_CONCURRENCY,
                own_signals=False,
                templates=self._templates,
            )
            self._task = asyncio.get_running_loop().create_task(self._worker.start(), name="cme-jobs-worker")

    async def stop(self) -> None:
        """Stop the worker (its running jobs go back to the queue) and disconnect."""
        from cme_platform.jobs.queue import close_queue

        if self._worker is not None and self._task is not None:
            await self._worker.stop()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._queue is not None:
            close_queue(self._queue)
            await self._queue.disconnect()
