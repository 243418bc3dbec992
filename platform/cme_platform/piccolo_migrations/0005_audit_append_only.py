"""Append-only audit logs: triggers refusing UPDATE, DELETE (and TRUNCATE on PostgreSQL) on both logs."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-22T08:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit logs are append-only (database triggers)"


async def forwards() -> MigrationManager:
    from cme_platform.audit.append_only import install_triggers, remove_triggers

    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    manager.add_raw(install_triggers)
    manager.add_raw_backwards(remove_triggers)
    return manager
