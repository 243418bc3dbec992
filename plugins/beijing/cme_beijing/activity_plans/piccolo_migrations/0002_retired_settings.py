"""Beijing tenants forget two settings that nothing read (``credit_year_start_month``: the credit year is the
calendar year everywhere; ``audit_sample_rate``: the credit audit will set its rate per audit standard), so
that their stored settings still validate before the next ``cme tenants sync``."""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T12:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Beijing: retired settings removed from stored tenant settings"

RETIRED = ("credit_year_start_month", "audit_sample_rate")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_beijing", description=DESCRIPTION)

    async def forget() -> None:
        from cme_platform.tenancy.tables import Tenant

        for row in await Tenant.raw("SELECT id, settings FROM tenant WHERE plugin = 'beijing'"):
            stored = row["settings"]
            settings = json.loads(stored) if isinstance(stored, str) else dict(stored or {})
            if any(key in settings for key in RETIRED):
                kept = {k: v for k, v in settings.items() if k not in RETIRED}
                await Tenant.update({Tenant.settings: kept}).where(Tenant.id == row["id"])

    manager.add_raw(forget)
    return manager
