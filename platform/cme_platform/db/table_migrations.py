"""Migrations that create tables, written as plain column lists instead of Piccolo's generated calls.

A migration lists its tables as ``(class name, table name, columns)`` with each column a ``(name, column
class, params)`` triple built by :func:`params`, :func:`text` and :func:`reference`;
:func:`table_migration` turns them into the manager Piccolo runs (:func:`create_tables` and
:func:`add_columns` add them to a manager that does more). The params are those Piccolo's
auto-migrations record, so the tables are exactly what the generated code would create.
"""

from __future__ import annotations

from collections.abc import Sequence

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

Column = tuple[str, type, dict[str, object]]
"""A column: its name, its Piccolo column class and its params."""

TableSpec = tuple[str, str, Sequence[Column]]
"""A table: its class name, its table name and its columns."""


def params(**overrides: object) -> dict[str, object]:
    """A column's params: not null, no index, unless ``overrides`` say otherwise."""
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **overrides,
    }


def reference(
    table: type[Table], on_delete: OnDelete, *, null: bool = False, index: bool = False
) -> dict[str, object]:
    """A foreign key's params (``table``: a stub with the referenced table's name and ``id``)."""
    return params(
        references=table,
        on_delete=on_delete,
        on_update=OnUpdate.cascade,
        target_column=None,
        null=null,
        index=index,
    )


def text(length: int, default: str = "") -> dict[str, object]:
    """A ``Varchar(length)`` column's params, not null with ``default``."""
    return params(length=length, default=default)


def add_columns(
    manager: MigrationManager, class_name: str, tablename: str, columns: Sequence[Column]
) -> None:
    """Add ``columns`` to the table ``tablename`` (new in this migration or existing) in ``manager``."""
    for name, column_class, column_params in columns:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=column_params,
            schema=None,
        )


def create_tables(manager: MigrationManager, tables: Sequence[TableSpec]) -> None:
    """Create ``tables`` with their columns in ``manager``."""
    for class_name, tablename, columns in tables:
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        add_columns(manager, class_name, tablename, columns)


def table_migration(migration_id: str, description: str, tables: Sequence[TableSpec]) -> MigrationManager:
    """The manager of a migration that creates ``tables`` (and does nothing else)."""
    manager = MigrationManager(migration_id=migration_id, app_name="cme_platform", description=description)
    create_tables(manager, tables)
    return manager
