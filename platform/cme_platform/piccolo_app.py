"""The core's Piccolo app: its tables and its migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.orgs.tables import Department, Institution, Region
from cme_platform.tenancy.tables import Tenant

APP_CONFIG = AppConfig(
    app_name="cme_platform",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Tenant, Region, Institution, Department, Account, RoleGrant],
    migration_dependencies=[],
    commands=[],
)
