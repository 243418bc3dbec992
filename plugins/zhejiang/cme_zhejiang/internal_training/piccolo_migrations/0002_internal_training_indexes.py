"""Internal training: a person is scored once per write-off; trainings are listed by institution and year."""

from cme_platform.db.raw_indexes import index_migration
from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T16:25:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "internal training indexes"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS zhejiang_training_score_person "
    "ON zhejiang_training_score (tenant, write_off, person)",
    "CREATE INDEX IF NOT EXISTS zhejiang_training_tenant_institution_year "
    "ON zhejiang_training (tenant, institution, year)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, INDEXES, app_name="cme_zhejiang")
