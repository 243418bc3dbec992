"""The database triggers that make both audit logs append-only (used by migration 0005 and the test kit).

PostgreSQL gets one plpgsql function raising an exception, fired BEFORE UPDATE OR DELETE for each row
and BEFORE TRUNCATE for each statement; SQLite gets BEFORE UPDATE / BEFORE DELETE triggers that
``RAISE(ABORT, ...)``. The SQL lives only here.
"""

from __future__ import annotations

AUDIT_TABLES = ("audit_event", "audit_platform_event")
_FUNCTION = "audit_refuse_change"

_POSTGRES_FUNCTION = (
    f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END $$"
)


def create_statements(engine_type: str) -> list[str]:
    """The statements that install the append-only triggers on ``engine_type`` (postgres/sqlite)."""
    if engine_type == "postgres":
        statements = [_POSTGRES_FUNCTION]
        for table in AUDIT_TABLES:
            statements += [
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}()",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()",
            ]
        return statements
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'audit log is append-only: {verb} on {table} refused'); END"
        for table in AUDIT_TABLES
        for verb in ("UPDATE", "DELETE")
    ]


def drop_statements(engine_type: str) -> list[str]:
    """The statements that remove the append-only triggers (migration backwards, test clean-up)."""
    if engine_type == "postgres":
        statements = [
            f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}"
            for table in AUDIT_TABLES
            for name in ("append_only", "no_truncate")
        ]
        return [*statements, f"DROP FUNCTION IF EXISTS {_FUNCTION}()"]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_{verb}" for table in AUDIT_TABLES for verb in ("update", "delete")
    ]


async def install_triggers() -> None:
    """Install the append-only triggers on the configured database."""
    from cme_platform.tenancy.tables import Tenant

    for statement in create_statements(Tenant._meta.db.engine_type):
        await Tenant.raw(statement)


async def remove_triggers() -> None:
    """Remove the append-only triggers (only migrations backwards and the test kit do this)."""
    from cme_platform.tenancy.tables import Tenant

    for statement in drop_statements(Tenant._meta.db.engine_type):
        await Tenant.raw(statement)
