"""Write transactions that behave the same on both engines and deliver domain events after commit.

SQLite starts a plain transaction as a reader and fails with "database is locked" when two of them both
try to write; an ``IMMEDIATE`` transaction takes the write lock at the start instead. Nested calls reuse
the outer transaction. The outermost one is a unit of work for :mod:`cme_platform.events`: the events
raised inside it are delivered once it has committed, and dropped when it fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from cme_platform import events


@asynccontextmanager
async def write_transaction(table: type[Table]) -> AsyncIterator[None]:
    """A transaction on ``table``'s engine that will write (``IMMEDIATE`` on SQLite when outermost)."""
    db = table._meta.db
    if db.transaction_exists():
        async with db.transaction():
            yield
        return
    sqlite = isinstance(db, SQLiteEngine)
    transaction = db.transaction(transaction_type=TransactionType.immediate) if sqlite else db.transaction()
    token = events.begin()
    try:
        async with transaction:
            yield
    finally:
        unit = events.end(token)
    await events.deliver(unit.events)
