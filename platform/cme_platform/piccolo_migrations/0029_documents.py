"""Documents made in the background (导出文件): progress, outcome and the stored PDF."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.db.table_migrations import params, reference, table_migration, text

ID = "2026-12-06T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "documents"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Account(Table, tablename="identity_account", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class StoredFile(Table, tablename="files_file", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


EXPORT = (
    ("tenant", ForeignKey, reference(Tenant, OnDelete.restrict, index=True)),
    ("kind", Varchar, text(64)),
    ("title", Varchar, text(200)),
    ("status", Varchar, text(16, "queued")),
    ("done", Integer, params(default=0)),
    ("total", Integer, params(default=0)),
    ("job_key", Varchar, text(96)),
    ("message", Varchar, text(500)),
    ("file", ForeignKey, reference(StoredFile, OnDelete.set_null, null=True)),
    ("created_by", ForeignKey, reference(Account, OnDelete.set_null, null=True)),
    ("created_at", Timestamptz, params(default=TimestamptzNow())),
    ("finished_at", Timestamptz, params(null=True, default=None)),
    ("expires_at", Timestamptz, params(null=True, default=None)),
)


async def forwards() -> MigrationManager:
    return table_migration(ID, DESCRIPTION, [("DocumentExport", "documents_export", EXPORT)])
