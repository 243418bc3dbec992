"""People found by IC card number (card sign-in, the person picker) and by phone, without a scan of the
tenant's registry."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-12-07T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "person card and phone indexes"

INDEXES = (
    "CREATE INDEX IF NOT EXISTS personnel_person_tenant_ic_card ON personnel_person (tenant, ic_card)",
    "CREATE INDEX IF NOT EXISTS personnel_person_tenant_phone ON personnel_person (tenant, phone)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, INDEXES)
