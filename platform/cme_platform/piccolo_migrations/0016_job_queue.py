"""The job queue: imports and recomputations remember their queue job's key; per-tenant scheduled jobs
remember the last day they covered (``jobs_schedule_mark``, unique per tenant and job kind). SAQ creates
its own tables when the queue first connects."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Serial, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-03T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job queue: job keys on imports and recomputations; schedule marks"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


def _params(**overrides: object) -> dict[str, object]:
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


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    for class_name, tablename in (("PersonImport", "personnel_import"), ("ComplianceRun", "compliance_run")):
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name="job_key",
            db_column_name="job_key",
            column_class_name="Varchar",
            column_class=Varchar,
            params=_params(length=96, default=""),
            schema=None,
        )
    manager.add_table(class_name="ScheduleMark", tablename="jobs_schedule_mark", schema=None, columns=None)
    for name, column_class, params in (
        (
            "tenant",
            ForeignKey,
            _params(
                references=Tenant,
                on_delete=OnDelete.restrict,
                on_update=OnUpdate.cascade,
                target_column=None,
                index=True,
            ),
        ),
        ("name", Varchar, _params(length=64, default="")),
        ("day", Date, _params(default=DateNow())),
    ):
        manager.add_column(
            table_class_name="ScheduleMark",
            tablename="jobs_schedule_mark",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
