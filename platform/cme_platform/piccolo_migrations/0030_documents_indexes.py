"""Documents: an account's own, newest first; the expired ones the daily job removes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-12-06T10:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "document indexes"

COMMON = (
    "CREATE INDEX IF NOT EXISTS documents_export_owner ON documents_export (tenant, created_by, id)",
    "CREATE INDEX IF NOT EXISTS documents_export_expiry ON documents_export (status, expires_at)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, COMMON)
