"""Composite unique indexes with the tenant as the leading column.

Piccolo declares only single-column indexes, so these are raw SQL; the statements are the same on
SQLite and PostgreSQL, which keeps one migration history for both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-11-22T05:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant-leading unique indexes for codes, names and usernames"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS org_region_tenant_code ON org_region (tenant, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS org_institution_tenant_code ON org_institution (tenant, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS org_department_tenant_institution_name "
    "ON org_department (tenant, institution, name)",
    "CREATE UNIQUE INDEX IF NOT EXISTS identity_account_tenant_username "
    "ON identity_account (tenant, username)",
    "CREATE INDEX IF NOT EXISTS identity_role_grant_tenant_role ON identity_role_grant (tenant, role)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, INDEXES)
