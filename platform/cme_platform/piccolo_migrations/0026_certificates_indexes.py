"""Certificates: numbers and seals unique per tenant, one valid certificate per certified credit, a
holder's certificates by date."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-12-05T10:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "certificate indexes"

COMMON = (
    "CREATE UNIQUE INDEX IF NOT EXISTS certificates_number ON certificates_certificate (tenant, number)",
    "CREATE UNIQUE INDEX IF NOT EXISTS certificates_seal ON certificates_certificate (tenant, seal)",
    "CREATE UNIQUE INDEX IF NOT EXISTS certificates_valid_source"
    " ON certificates_certificate (tenant, source_type, source_id) WHERE status = 'valid'",
    "CREATE INDEX IF NOT EXISTS certificates_person ON certificates_certificate (tenant, person, issued_at)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, COMMON)
