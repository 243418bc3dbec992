"""Migrations that create raw-SQL indexes (Piccolo declares only single-column ones).

Each index migration lists its ``CREATE [UNIQUE] INDEX IF NOT EXISTS <name> ON …`` statements, common to
both engines, plus any for PostgreSQL only; :func:`index_migration` builds the manager that creates them
going forwards and drops them by name going backwards.
"""

from __future__ import annotations

from collections.abc import Sequence

from piccolo.apps.migrations.auto.migration_manager import MigrationManager


def index_name(statement: str) -> str:
    """The index name of a ``CREATE … INDEX IF NOT EXISTS <name> ON …`` statement."""
    return statement.split(" ON ")[0].split()[-1]


def index_migration(
    migration_id: str,
    description: str,
    common: Sequence[str],
    postgres_only: Sequence[str] = (),
    *,
    app_name: str = "cme_platform",
) -> MigrationManager:
    """The manager of a migration of ``app_name`` (the core's, or a plugin's) that creates ``common`` (and,
    on PostgreSQL, ``postgres_only``) indexes."""
    manager = MigrationManager(migration_id=migration_id, app_name=app_name, description=description)

    def statements() -> tuple[str, ...]:
        from cme_platform.tenancy.tables import Tenant

        return (*common, *(postgres_only if Tenant._meta.db.engine_type == "postgres" else ()))

    async def create_indexes() -> None:
        from cme_platform.tenancy.tables import Tenant

        for statement in statements():
            await Tenant.raw(statement)

    async def drop_indexes() -> None:
        from cme_platform.tenancy.tables import Tenant

        for statement in statements():
            await Tenant.raw(f"DROP INDEX IF EXISTS {index_name(statement)}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
