"""What a job kind declares, and what a running job of a kind gets.

A kind is a named async function with its limits. Tenant jobs run inside their tenant's scope and as the
actor who started them; scheduled kinds (``cron``) run once per schedule for the whole platform and find
their tenants themselves. The job's own record (an import, a recomputation) is the kind's business: the
function writes its progress and outcome there, and ``given_up`` marks it failed or cancelled when the
queue gives the job up (cancelled, timed out, failed, or its worker died and no retry is left).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pluggy
    from saq.job import Job

    from cme_platform.pdf import Templates
    from cme_platform.settings import Settings

UNFINISHED_STATUSES = ("queued", "running")
"""Statuses of a job's record while its job has not ended (then ``done``, ``failed`` or ``cancelled``)."""

RunFunction = Callable[..., Awaitable[Any]]
"""``async def run(job: RunningJob, **kwargs) -> JSON-able result``."""


@dataclass(frozen=True, kw_only=True)
class GiveUp:
    """Why the queue gave a job up, in words for its record (``reason`` is Simplified Chinese)."""

    cancelled: bool
    reason: str


GiveUpFunction = Callable[[Mapping[str, Any], GiveUp], Awaitable[None]]
"""``async def given_up(kwargs, why)``: mark the kind's record of the job failed or cancelled (runs in
the job's tenant scope; must be idempotent, it may be called for a record that already finished)."""


@dataclass(frozen=True, kw_only=True)
class JobKind:
    """A kind of background job.

    ``name`` is dotted and unique (``personnel.import``); ``timeout`` bounds one attempt in seconds;
    ``retries`` is the number of attempts in all (2: one more after a worker died or the job failed),
    so give more than one only where an attempt that broke off changed nothing. ``cron`` (five fields,
    China time) makes the kind a scheduled one with no tenant and no arguments.
    """

    name: str
    label: str
    run: RunFunction
    given_up: GiveUpFunction | None = None
    timeout: int = 600
    retries: int = 1
    cron: str | None = None


@dataclass
class RunningJob:
    """What a running job's function gets: its queue job, progress reporting, the plugin manager and the
    templates documents are rendered from."""

    job: Job
    plugin_manager: pluggy.PluginManager
    settings: Settings
    page_templates: Templates | None = None

    @property
    def templates(self) -> Templates:
        """The shell's templates (a worker built without them renders no documents)."""
        if self.page_templates is None:
            raise RuntimeError("this worker was built without templates: build it with page_templates()")
        return self.page_templates

    @property
    def key(self) -> str:
        """The job's key in the queue (the kind's record stores it to recognise its own job)."""
        return self.job.key

    async def progress(self, done: int, total: int) -> None:
        """Report progress (also proves the job alive; a silent job is swept after its heartbeat)."""
        await self.job.update(progress=(done / total) if total else 0.0)


async def beat(job: Job, every: float) -> None:
    """Touch ``job`` every ``every`` seconds until cancelled, so the sweeper sees its worker alive."""
    while True:
        await asyncio.sleep(every)
        await job.update()
