"""Atomic counters: the ``rate_limit`` table of :mod:`cme_platform.ratelimit`, the operators' sign-in
lock-out table, and sign-in counters restarted under keyed-hash keys (no clear login names)."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import Column
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T02:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "atomic rate-limit counters; platform operators' sign-in lock-out; hashed sign-in throttle keys"

_Columns = tuple[tuple[str, type[Column], dict[str, Any]], ...]


def _params(**overrides: Any) -> dict[str, Any]:
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **overrides,
    }


TABLES: dict[tuple[str, str], _Columns] = {
    ("RateCounter", "rate_limit"): (
        ("bucket", Varchar, _params(length=64, default="")),
        ("key", Varchar, _params(length=64, default="", unique=True)),
        ("hits", Integer, _params(default=0)),
        ("window_ends", Timestamptz, _params(default=TimestamptzNow(), index=True)),
    ),
    ("PlatformLoginThrottle", "platform_login_throttle"): (
        ("kind", Varchar, _params(length=16, default="")),
        ("key", Varchar, _params(length=64, default="", unique=True)),
        ("failures", Integer, _params(default=0)),
        ("last_failure_at", Timestamptz, _params(default=None, null=True)),
        ("locked_until", Timestamptz, _params(default=None, null=True)),
    ),
}


async def _forget_clear_keys() -> None:
    """Old counters were keyed by the login name in clear (possibly an ID number): drop them."""
    from cme_platform.tenancy.tables import Tenant

    await Tenant.raw("DELETE FROM identity_login_throttle")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    manager.add_raw(_forget_clear_keys)
    for (class_name, tablename), columns in TABLES.items():
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        for name, column_class, params in columns:
            manager.add_column(
                table_class_name=class_name,
                tablename=tablename,
                column_name=name,
                db_column_name=name,
                column_class_name=column_class.__name__,
                column_class=column_class,
                params=params,
                schema=None,
            )
    return manager
