"""The job queue: imports and recomputations remember their queue job's key; per-tenant scheduled jobs
remember the last day they covered (``jobs_schedule_mark``, unique per tenant and job kind). SAQ creates
its own tables when the queue first connects."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import Date, ForeignKey, Serial, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.table import Table

from cme_platform.db.table_migrations import add_columns, create_tables, params, reference, text

ID = "2026-12-03T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job queue: job keys on imports and recomputations; schedule marks"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    for class_name, tablename in (("PersonImport", "personnel_import"), ("ComplianceRun", "compliance_run")):
        add_columns(manager, class_name, tablename, [("job_key", Varchar, text(96))])
    marks = (
        ("tenant", ForeignKey, reference(Tenant, OnDelete.restrict, index=True)),
        ("name", Varchar, text(64)),
        ("day", Date, params(default=DateNow())),
    )
    create_tables(manager, [("ScheduleMark", "jobs_schedule_mark", marks)])
    return manager
