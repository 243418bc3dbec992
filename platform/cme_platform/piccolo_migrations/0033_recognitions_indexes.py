"""Recognitions: one per certificate (issuer and number) in a tenant; a person's own, newest first."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-12-06T10:00:04:000000"
VERSION = "1.38.0"
DESCRIPTION = "recognition indexes"

COMMON = (
    "CREATE UNIQUE INDEX IF NOT EXISTS certificates_recognition_certificate"
    " ON certificates_recognition (tenant, issuer, number)",
    "CREATE INDEX IF NOT EXISTS certificates_recognition_person"
    " ON certificates_recognition (tenant, person, id)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, COMMON)
