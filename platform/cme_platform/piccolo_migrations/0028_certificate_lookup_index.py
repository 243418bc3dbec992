"""学员证书查询 reads certificates by their look-up key, per tenant."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-12-05T10:00:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "certificate look-up index"

COMMON = ("CREATE INDEX IF NOT EXISTS certificates_lookup ON certificates_certificate (tenant, lookup_key)",)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, COMMON)
