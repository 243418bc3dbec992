"""按标准授分: the record a grant names as its basis (a filed plan: 学分授予需与备案计划核对)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Varchar

from cme_platform.db.table_migrations import add_columns, params, text

ID = "2026-12-07T10:00:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "standard grant basis"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    add_columns(
        manager,
        "StandardGrant",
        "credits_standard_grant",
        (
            ("basis_kind", Varchar, text(40)),
            ("basis_id", Integer, params(null=True, default=None)),
            ("basis_label", Varchar, text(200)),
        ),
    )
    return manager
