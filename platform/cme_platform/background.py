"""Background jobs of the server process: start one inside a tenant's scope, clean up after a restart.

Long work (imports, compliance recomputation) runs as an asyncio task of the server process with a job
row that holds its progress (``status`` ``queued`` → ``running`` → ``done``/``failed``, ``message``,
``finished_at``). A server that stops mid-job leaves rows ``queued`` or ``running``;
:func:`fail_abandoned` marks them failed at start-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from piccolo.table import Table

from cme_platform.audit.context import Actor, acting_as
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.scope import scope, scopes_disabled

ACTIVE_STATUSES = ("queued", "running")
"""Statuses of a job that has not finished."""

_tasks: set[asyncio.Task[Any]] = set()


def spawn(tenant: TenantContext, actor: Actor, work: Coroutine[Any, Any, Any], *, name: str) -> None:
    """Run ``work`` as a task of this process, in ``tenant``'s scope and acting as ``actor``."""

    async def in_scope() -> None:
        with scope(tenant), acting_as(actor):
            await work

    task = asyncio.get_running_loop().create_task(in_scope(), name=name)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def fail_abandoned(table: type[Table], message: str) -> int:
    """Mark every tenant's unfinished jobs of ``table`` failed with ``message``; returns how many."""
    columns: Any = table
    with scopes_disabled():
        rows = await (
            table.update(
                {columns.status: "failed", columns.message: message, columns.finished_at: datetime.now(UTC)}
            )
            .where(columns.status.is_in(list(ACTIVE_STATUSES)))
            .returning(columns.id)
        )
    return len(rows)
