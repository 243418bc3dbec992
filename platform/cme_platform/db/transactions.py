"""Write transactions that behave the same on both engines.

SQLite starts a plain transaction as a reader and fails with "database is locked" when two of them both
try to write; an ``IMMEDIATE`` transaction takes the write lock at the start instead. Nested calls reuse
the outer transaction.
"""

from __future__ import annotations

from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table


def write_transaction(table: type[Table]) -> Any:
    """A transaction on ``table``'s engine that will write (``IMMEDIATE`` on SQLite when outermost)."""
    db = table._meta.db
    if isinstance(db, SQLiteEngine) and not db.transaction_exists():
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()
