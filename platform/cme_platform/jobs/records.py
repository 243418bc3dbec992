"""A job's own record (an import, a recomputation, a document): its job queued once it is saved, and
updated only while it has not finished."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from piccolo.table import Table

from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Unavailable
from cme_platform.jobs import queue
from cme_platform.jobs.kinds import UNFINISHED_STATUSES
from cme_platform.settings import Settings

log = logging.getLogger(__name__)

NOT_QUEUED = "未能进入后台任务队列，请稍后重新发起"
"""What a record says when its job could not be queued."""


async def save_unfinished(table: type[Table], row_id: int, **values: Any) -> bool:
    """Update the record ``row_id`` of ``table`` (a table with a ``status`` column) while it has not
    finished, in a short transaction of its own; True when it had not (this call finished it, if
    ``values`` says so). A job and a cancellation racing each other: the first to finish wins."""
    key, status = table._meta.primary_key, getattr(table, "status")  # noqa: B009 (every record table has one)
    async with write_transaction(table):
        changed = await (
            table.update(dict[Any, Any](values))
            .where((key == row_id) & status.is_in(list(UNFINISHED_STATUSES)))
            .returning(key)
        )
    return bool(changed)


async def enqueue_for(
    table: type[Table], row_id: int, kind: str, key: str, args: dict[str, Any], *, settings: Settings
) -> None:
    """Queue the job ``key`` of the saved record ``row_id`` of ``table``. When the queue refuses it, the
    record is marked failed (so that it neither waits for ever nor counts as being made) and 503 says so."""
    try:
        await queue.enqueue(kind, key, args, settings=settings)
    except Exception as exc:
        log.exception("the job %s could not be queued", key)
        await save_unfinished(
            table, row_id, status="failed", message=NOT_QUEUED, finished_at=datetime.now(UTC)
        )
        raise Unavailable("后台任务队列暂时不可用，请稍后重试") from exc
