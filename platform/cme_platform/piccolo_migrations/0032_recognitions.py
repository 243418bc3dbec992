"""外省学分认可: certificates of other issuers submitted for recognition, and their credit records."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import JSON, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.db.table_migrations import params, reference, table_migration, text

ID = "2026-12-06T10:00:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "recognitions"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Account(Table, tablename="identity_account", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Person(Table, tablename="personnel_person", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class CreditRecord(Table, tablename="credits_record", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


RECOGNITION = (
    ("tenant", ForeignKey, reference(Tenant, OnDelete.restrict, index=True)),
    ("person", ForeignKey, reference(Person, OnDelete.restrict)),
    ("issuer", Varchar, text(63)),
    ("issuer_name", Varchar, text(100)),
    ("number", Varchar, text(40)),
    ("seal", Text, params(default="")),
    ("facts", JSON, params(default="{}")),
    ("category", Varchar, text(64)),
    ("credit", ForeignKey, reference(CreditRecord, OnDelete.set_null, null=True)),
    ("created_by", ForeignKey, reference(Account, OnDelete.set_null, null=True)),
    ("created_at", Timestamptz, params(default=TimestamptzNow())),
)


async def forwards() -> MigrationManager:
    return table_migration(ID, DESCRIPTION, [("Recognition", "certificates_recognition", RECOGNITION)])
