"""Every credit record gets an idempotency key (``record:<id>`` for those posted before keys existed); the
key is unique per tenant, so a retried posting finds its record instead of adding a second credit."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-03T08:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "credit ledger: keys for existing records, unique per tenant"

STATEMENTS = (
    "UPDATE credits_record SET idempotency_key = 'record:' || CAST(id AS TEXT) WHERE idempotency_key = ''",
    "CREATE UNIQUE INDEX IF NOT EXISTS credits_record_tenant_idempotency_key "
    "ON credits_record (tenant, idempotency_key)",
    "CREATE INDEX IF NOT EXISTS credits_record_tenant_source "
    "ON credits_record (tenant, source_type, source_id)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)

    async def keys_and_indexes() -> None:
        from cme_platform.tenancy.tables import Tenant

        for statement in STATEMENTS:
            await Tenant.raw(statement)

    async def drop_indexes() -> None:
        from cme_platform.tenancy.tables import Tenant

        for name in ("credits_record_tenant_idempotency_key", "credits_record_tenant_source"):
            await Tenant.raw(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(keys_and_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
