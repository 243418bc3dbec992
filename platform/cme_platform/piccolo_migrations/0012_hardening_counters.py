"""Atomic counters: the ``rate_limit`` table of :mod:`cme_platform.ratelimit`, the operators' sign-in
lock-out table, and sign-in counters restarted under keyed-hash keys (no clear login names)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from cme_platform.db.table_migrations import TableSpec, create_tables, params

ID = "2026-12-03T02:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "atomic rate-limit counters; platform operators' sign-in lock-out; hashed sign-in throttle keys"

TABLES: tuple[TableSpec, ...] = (
    (
        "RateCounter",
        "rate_limit",
        (
            ("bucket", Varchar, params(length=64, default="")),
            ("key", Varchar, params(length=64, default="", unique=True)),
            ("hits", Integer, params(default=0)),
            ("window_ends", Timestamptz, params(default=TimestamptzNow(), index=True)),
        ),
    ),
    (
        "PlatformLoginThrottle",
        "platform_login_throttle",
        (
            ("kind", Varchar, params(length=16, default="")),
            ("key", Varchar, params(length=64, default="", unique=True)),
            ("failures", Integer, params(default=0)),
            ("last_failure_at", Timestamptz, params(default=None, null=True)),
            ("locked_until", Timestamptz, params(default=None, null=True)),
        ),
    ),
)


async def _forget_clear_keys() -> None:
    """Old counters were keyed by the login name in clear (possibly an ID number): drop them."""
    from cme_platform.tenancy.tables import Tenant

    await Tenant.raw("DELETE FROM identity_login_throttle")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    manager.add_raw(_forget_clear_keys)
    create_tables(manager, TABLES)
    return manager
