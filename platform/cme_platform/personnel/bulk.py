"""Bulk writes of an import, inside the caller's transaction: ids, inserts and updates by the thousand.

PostgreSQL: ids come from the table's sequence in one ``nextval`` query, new rows go in with asyncpg's
``COPY`` (``copy_records_to_table`` on the transaction's connection) and updates through a temporary
table (``UPDATE … FROM``). SQLite: ids follow ``MAX(id)`` (the transaction already holds the write lock,
see :func:`allocate_ids`), rows go in and change with ``executemany``.

Column values are the database values (foreign keys as ids); every insert names every column, with the
table's defaults taken once from a fresh instance (:func:`row_defaults`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from piccolo.columns import JSON
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from cme_platform.tenancy.scope import current_tenant

_temp_names = itertools.count(1)


def _engine(table: type[Table]) -> Any:
    return table._meta.db


def _connection(table: type[Table]) -> Any:
    transaction = _engine(table).current_transaction.get()
    if transaction is None:
        raise RuntimeError("bulk writes must run inside a transaction")
    return transaction.connection


def is_postgres(table: type[Table]) -> bool:
    """Whether ``table`` lives in PostgreSQL (else SQLite)."""
    return isinstance(_engine(table), PostgresEngine)


def row_defaults(table: type[Table], **overrides: Any) -> dict[str, Any]:
    """Every column's default value (without ``id``) as stored, for the active tenant."""
    instance = table(**overrides)
    values: dict[str, Any] = {}
    for column in table._meta.columns:
        name = column._meta.db_column_name
        if name == "id":
            continue
        value = getattr(instance, column._meta.name)
        if isinstance(column, JSON) and not isinstance(value, str):
            value = json.dumps(value)
        values[name] = value
    return values


async def allocate_ids(table: type[Table], count: int) -> list[int]:
    """``count`` fresh primary keys of ``table``.

    On SQLite the caller's transaction must already hold the write lock (it has written something, e.g.
    reserved person numbers), so no other writer can take the same ids.
    """
    if count <= 0:
        return []
    name = table._meta.tablename
    connection = _connection(table)
    if is_postgres(table):
        rows = await connection.fetch(
            f"SELECT nextval(pg_get_serial_sequence('{name}', 'id')) AS id FROM generate_series(1, $1)",
            count,
        )
        return [int(row["id"]) for row in rows]
    cursor = await connection.execute(f"SELECT COALESCE(MAX(id), 0) AS last FROM {name}")
    last = int((await cursor.fetchone())["last"])  # Piccolo's connections return rows as dicts
    return list(range(last + 1, last + 1 + count))


async def insert_rows(table: type[Table], columns: Sequence[str], records: list[tuple[Any, ...]]) -> None:
    """Insert ``records`` (tuples in the order of ``columns``) into ``table``."""
    if not records:
        return
    name = table._meta.tablename
    connection = _connection(table)
    if is_postgres(table):
        await connection.copy_records_to_table(name, records=records, columns=list(columns))
        return
    marks = ", ".join("?" for _ in columns)
    await connection.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", records)


async def update_rows(
    table: type[Table], keys: Sequence[str], columns: Sequence[str], records: list[tuple[Any, ...]]
) -> None:
    """Set ``columns`` of the active tenant's rows found by ``keys``; records are ``(*keys, *columns)``."""
    if not records:
        return
    name = table._meta.tablename
    connection = _connection(table)
    tenant_id = current_tenant().id
    if is_postgres(table):
        temp = f"_bulk_update_{next(_temp_names)}"
        await connection.execute(
            f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS "
            f"SELECT {', '.join([*keys, *columns])} FROM {name} WITH NO DATA"
        )
        await connection.copy_records_to_table(temp, records=records, columns=[*keys, *columns])
        assignments = ", ".join(f"{c} = u.{c}" for c in columns)
        matches = " AND ".join(f"t.{k} = u.{k}" for k in keys)
        await connection.execute(
            f"UPDATE {name} AS t SET {assignments} FROM {temp} AS u WHERE {matches} AND t.tenant = $1",
            tenant_id,
        )
        await connection.execute(f"DROP TABLE {temp}")
        return
    assignments = ", ".join(f"{c} = ?" for c in columns)
    matches = " AND ".join(f"{k} = ?" for k in keys)
    await connection.executemany(
        f"UPDATE {name} SET {assignments} WHERE {matches} AND tenant = ?",
        [(*record[len(keys) :], *record[: len(keys)], tenant_id) for record in records],
    )
