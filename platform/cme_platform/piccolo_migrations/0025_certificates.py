"""Electronic credit certificates: the snapshot of what each certifies, its number, seal and state."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import JSON, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.db.table_migrations import params, reference, table_migration, text

ID = "2026-12-05T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "certificates"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Account(Table, tablename="identity_account", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Person(Table, tablename="personnel_person", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class ExternalAttendee(Table, tablename="attendance_external", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class CreditRecord(Table, tablename="credits_record", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


CERTIFICATE = (
    ("tenant", ForeignKey, reference(Tenant, OnDelete.restrict, index=True)),
    ("number", Varchar, text(40)),
    ("person", ForeignKey, reference(Person, OnDelete.restrict, null=True)),
    ("external", ForeignKey, reference(ExternalAttendee, OnDelete.restrict, null=True)),
    ("credit", ForeignKey, reference(CreditRecord, OnDelete.restrict, null=True)),
    ("source_type", Varchar, text(32)),
    ("source_id", Integer, params()),
    ("year", Integer, params()),
    ("snapshot", JSON, params(default="{}")),
    ("seal", Text, params(default="")),
    ("issued_on", Date, params()),
    ("issued_at", Timestamptz, params(default=TimestamptzNow())),
    ("status", Varchar, text(12, "valid")),
    ("revoked_at", Timestamptz, params(null=True, default=None)),
    ("revoked_by", ForeignKey, reference(Account, OnDelete.set_null, null=True)),
    ("revoked_reason", Varchar, text(200)),
    ("replaced_by", Varchar, text(40)),
)


async def forwards() -> MigrationManager:
    return table_migration(ID, DESCRIPTION, [("Certificate", "certificates_certificate", CERTIFICATE)])
