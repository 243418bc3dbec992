"""Uniqueness and list indexes of the personnel registry (raw SQL, identical on both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-11-27T12:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "personnel uniqueness and list indexes"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS personnel_person_tenant_id_hash ON personnel_person (tenant, id_hash)",
    "CREATE UNIQUE INDEX IF NOT EXISTS personnel_person_tenant_number "
    "ON personnel_person (tenant, person_number)",
    "CREATE INDEX IF NOT EXISTS personnel_person_tenant_institution "
    "ON personnel_person (tenant, institution, status, person_number)",
    "CREATE INDEX IF NOT EXISTS personnel_person_tenant_department "
    "ON personnel_person (tenant, department, status, person_number)",
    "CREATE INDEX IF NOT EXISTS personnel_person_tenant_name ON personnel_person (tenant, name)",
    "CREATE INDEX IF NOT EXISTS personnel_person_tenant_account ON personnel_person (tenant, account)",
    "CREATE UNIQUE INDEX IF NOT EXISTS personnel_person_year_person_year "
    "ON personnel_person_year (tenant, person, year)",
    "CREATE UNIQUE INDEX IF NOT EXISTS personnel_number_counter_unique_tenant "
    "ON personnel_number_counter (tenant)",
    "CREATE INDEX IF NOT EXISTS personnel_import_tenant_created ON personnel_import (tenant, created_at)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, INDEXES)
