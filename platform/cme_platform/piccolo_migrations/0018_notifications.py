"""站内消息: a message for one account, with when it was read."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.db.table_migrations import params, reference, table_migration, text

ID = "2026-12-03T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notifications: messages for accounts"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Account(Table, tablename="identity_account", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


COLUMNS = (
    ("tenant", ForeignKey, reference(Tenant, OnDelete.restrict, index=True)),
    ("account", ForeignKey, reference(Account, OnDelete.cascade, index=True)),
    ("kind", Varchar, text(48)),
    ("title", Varchar, text(200)),
    ("body", Varchar, text(500)),
    ("path", Varchar, text(300)),
    ("created_at", Timestamptz, params(default=TimestamptzNow())),
    ("read_at", Timestamptz, params(null=True, default=None)),
)


async def forwards() -> MigrationManager:
    return table_migration(ID, DESCRIPTION, [("Notification", "notifications_message", COLUMNS)])
