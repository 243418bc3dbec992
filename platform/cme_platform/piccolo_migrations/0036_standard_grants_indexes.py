"""Standard grants: one per client key of a granting account; an institution's, newest first."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-12-07T10:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "standard grant indexes"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS credits_standard_grant_key"
    " ON credits_standard_grant (tenant, granted_by, key)",
    "CREATE INDEX IF NOT EXISTS credits_standard_grant_institution"
    " ON credits_standard_grant (tenant, institution, id)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, INDEXES)
