"""The tenant file's ``[recognition]`` section: the other platforms whose certificates it recognises."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON

from cme_platform.db.table_migrations import add_columns, params

ID = "2026-12-06T10:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant recognition section"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    add_columns(manager, "Tenant", "tenant", (("recognition", JSON, params(default="{}")),))
    return manager
