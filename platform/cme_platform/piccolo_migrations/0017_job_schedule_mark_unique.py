"""One schedule mark per tenant and job kind (a separate migration: raw statements run before tables are
added in the same one)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T12:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job queue: one schedule mark per tenant and kind"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)

    async def unique_marks() -> None:
        from cme_platform.tenancy.tables import Tenant

        await Tenant.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS jobs_schedule_mark_tenant_name "
            "ON jobs_schedule_mark (tenant, name)"
        )

    async def drop_index() -> None:
        from cme_platform.tenancy.tables import Tenant

        await Tenant.raw("DROP INDEX IF EXISTS jobs_schedule_mark_tenant_name")

    manager.add_raw(unique_marks)
    manager.add_raw_backwards(drop_index)
    return manager
