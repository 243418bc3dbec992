"""A job's own record (an import, a recomputation, a document): updated only while it has not finished."""

from __future__ import annotations

from typing import Any

from piccolo.table import Table

from cme_platform.db.transactions import write_transaction
from cme_platform.jobs.kinds import UNFINISHED_STATUSES


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
