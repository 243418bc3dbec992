"""按标准授分: grants of one standard's credits to several people at once."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import (
    JSON,
    BigInt,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.db.table_migrations import params, reference, table_migration, text

ID = "2026-12-07T10:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "standard grants"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Account(Table, tablename="identity_account", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Institution(Table, tablename="org_institution", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


STANDARD_GRANT = (
    ("tenant", ForeignKey, reference(Tenant, OnDelete.restrict, index=True)),
    ("key", Varchar, text(64)),
    ("digest", Varchar, text(64)),
    ("standard_code", Varchar, text(32)),
    ("standard_name", Varchar, text(200)),
    ("category", Varchar, text(64)),
    ("activity_name", Varchar, text(200)),
    ("activity_date", Date, params()),
    ("started_on", Date, params(null=True, default=None)),
    ("ended_on", Date, params(null=True, default=None)),
    ("form", Varchar, text(32)),
    ("discipline", Varchar, text(64)),
    ("subdiscipline", Varchar, text(64)),
    ("content", Text, params(default="")),
    ("inputs", JSON, params(default="{}")),
    ("evidence", JSON, params(default="[]")),
    ("people", Integer, params(default=0)),
    ("credits", BigInt, params(default=0)),
    ("institution", ForeignKey, reference(Institution, OnDelete.restrict, null=True)),
    ("granted_by", ForeignKey, reference(Account, OnDelete.set_null, null=True)),
    ("created_at", Timestamptz, params(default=TimestamptzNow())),
)


async def forwards() -> MigrationManager:
    return table_migration(ID, DESCRIPTION, [("StandardGrant", "credits_standard_grant", STANDARD_GRANT)])
