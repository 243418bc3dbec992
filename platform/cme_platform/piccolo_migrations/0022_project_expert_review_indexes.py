"""An expert reviews one submission of a declaration once; his list reads by expert."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-12-03T22:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "expert review indexes"

COMMON = (
    "CREATE UNIQUE INDEX IF NOT EXISTS projects_expert_review_tenant_approval_expert"
    " ON projects_expert_review (tenant, approval, expert)",
    "CREATE INDEX IF NOT EXISTS projects_expert_review_tenant_expert"
    " ON projects_expert_review (tenant, expert, submitted_at)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, COMMON)
