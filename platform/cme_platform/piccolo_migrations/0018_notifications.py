"""站内消息: a message for one account, with when it was read."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-03T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notifications: messages for accounts"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Account(Table, tablename="identity_account", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


def _params(**overrides: object) -> dict[str, object]:
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


def _reference(table: type[Table]) -> dict[str, object]:
    return _params(
        references=table,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        target_column=None,
        index=True,
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    manager.add_table(class_name="Notification", tablename="notifications_message", schema=None, columns=None)
    for name, column_class, params in (
        ("tenant", ForeignKey, {**_reference(Tenant), "on_delete": OnDelete.restrict}),
        ("account", ForeignKey, _reference(Account)),
        ("kind", Varchar, _params(length=48, default="")),
        ("title", Varchar, _params(length=200, default="")),
        ("body", Varchar, _params(length=500, default="")),
        ("path", Varchar, _params(length=300, default="")),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ("read_at", Timestamptz, _params(null=True, default=None)),
    ):
        manager.add_column(
            table_class_name="Notification",
            tablename="notifications_message",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
