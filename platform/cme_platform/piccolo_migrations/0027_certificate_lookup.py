"""学员证书查询: a keyed hash of each certificate's project number and holder's name."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from cme_platform.db.table_migrations import add_columns, text

ID = "2026-12-05T10:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "certificate look-up key"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    add_columns(manager, "Certificate", "certificates_certificate", (("lookup_key", Varchar, text(64)),))
    return manager
