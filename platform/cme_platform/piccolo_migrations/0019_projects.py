"""CME projects: projects, their runs (期数) with hosting applications, sessions and materials."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-03T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "projects: projects, number counters, runs, sessions, hosting materials"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Institution(Table, tablename="org_institution", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Department(Table, tablename="org_department", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Account(Table, tablename="identity_account", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class ApprovalRequest(Table, tablename="approvals_request", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class StoredFile(Table, tablename="files_file", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Project(Table, tablename="projects_project", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class ProjectRun(Table, tablename="projects_run", schema=None):
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


def _reference(
    table: type[Table], on_delete: OnDelete, *, null: bool = False, index: bool = False
) -> dict[str, object]:
    return _params(
        references=table,
        on_delete=on_delete,
        on_update=OnUpdate.cascade,
        target_column=None,
        null=null,
        index=index,
    )


def _text(length: int, default: str = "") -> dict[str, object]:
    return _params(length=length, default=default)


TENANT = ("tenant", ForeignKey, _reference(Tenant, OnDelete.restrict, index=True))

TABLES: tuple[tuple[str, str, tuple[tuple[str, type, dict[str, object]], ...]], ...] = (
    (
        "Project",
        "projects_project",
        (
            TENANT,
            ("year", Integer, _params(default=0)),
            ("number", Varchar, _params(length=40, null=True, default=None)),
            ("name", Varchar, _text(200)),
            ("level", Varchar, _text(32)),
            ("nature", Varchar, _text(32)),
            ("discipline", Varchar, _text(64)),
            ("subdiscipline", Varchar, _text(64)),
            ("institution", ForeignKey, _reference(Institution, OnDelete.restrict, index=True)),
            ("department", ForeignKey, _reference(Department, OnDelete.restrict, null=True)),
            ("owner", ForeignKey, _reference(Account, OnDelete.set_null, null=True)),
            ("delegate", ForeignKey, _reference(Department, OnDelete.restrict, null=True)),
            ("leader", Varchar, _text(50)),
            ("credits", Integer, _params(default=0)),
            ("hours", Integer, _params(default=0)),
            ("hosting_form", Varchar, _text(32)),
            ("assessment", Varchar, _text(32)),
            ("description", Varchar, _text(2000)),
            ("source", Varchar, _text(12, "entered")),
            ("status", Varchar, _text(12, "published")),
            ("approval", ForeignKey, _reference(ApprovalRequest, OnDelete.set_null, null=True)),
            ("review_comment", Varchar, _text(500)),
            ("created_at", Timestamptz, _params(default=TimestamptzNow())),
            ("updated_at", Timestamptz, _params(default=TimestamptzNow())),
        ),
    ),
    (
        "ProjectNumberCounter",
        "projects_number_counter",
        (
            TENANT,
            ("year", Integer, _params(default=0)),
            ("level", Varchar, _text(32)),
            ("last_value", Integer, _params(default=0)),
        ),
    ),
    (
        "ProjectRun",
        "projects_run",
        (
            TENANT,
            ("project", ForeignKey, _reference(Project, OnDelete.restrict, index=True)),
            ("seq", Integer, _params(default=0)),
            ("venue", Varchar, _text(200)),
            ("starts_on", Date, _params(default=DateNow())),
            ("ends_on", Date, _params(default=DateNow())),
            ("note", Varchar, _text(500)),
            ("status", Varchar, _text(12, "draft")),
            ("approval", ForeignKey, _reference(ApprovalRequest, OnDelete.set_null, null=True)),
            ("review_comment", Varchar, _text(500)),
            ("submitted_at", Timestamptz, _params(null=True, default=None)),
            ("decided_at", Timestamptz, _params(null=True, default=None)),
            ("created_at", Timestamptz, _params(default=TimestamptzNow())),
        ),
    ),
    (
        "ProjectSession",
        "projects_session",
        (
            TENANT,
            ("run", ForeignKey, _reference(ProjectRun, OnDelete.restrict, index=True)),
            ("title", Varchar, _text(200)),
            ("speakers", Varchar, _text(200)),
            ("starts_at", Timestamptz, _params(default=TimestamptzNow())),
            ("ends_at", Timestamptz, _params(default=TimestamptzNow())),
            ("hours", Integer, _params(default=0)),
        ),
    ),
    (
        "RunMaterial",
        "projects_run_material",
        (
            TENANT,
            ("run", ForeignKey, _reference(ProjectRun, OnDelete.restrict, index=True)),
            ("kind", Varchar, _text(32)),
            ("file", ForeignKey, _reference(StoredFile, OnDelete.restrict)),
            ("uploaded_by", ForeignKey, _reference(Account, OnDelete.set_null, null=True)),
            ("uploaded_at", Timestamptz, _params(default=TimestamptzNow())),
        ),
    ),
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    for class_name, tablename, columns in TABLES:
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
