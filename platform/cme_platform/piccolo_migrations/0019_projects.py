"""CME projects: projects, their runs (期数) with hosting applications, sessions and materials."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import Date, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.db.table_migrations import TableSpec, params, reference, table_migration, text

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


TENANT = ("tenant", ForeignKey, reference(Tenant, OnDelete.restrict, index=True))

TABLES: tuple[TableSpec, ...] = (
    (
        "Project",
        "projects_project",
        (
            TENANT,
            ("year", Integer, params(default=0)),
            ("number", Varchar, params(length=40, null=True, default=None)),
            ("name", Varchar, text(200)),
            ("level", Varchar, text(32)),
            ("nature", Varchar, text(32)),
            ("discipline", Varchar, text(64)),
            ("subdiscipline", Varchar, text(64)),
            ("institution", ForeignKey, reference(Institution, OnDelete.restrict, index=True)),
            ("department", ForeignKey, reference(Department, OnDelete.restrict, null=True)),
            ("owner", ForeignKey, reference(Account, OnDelete.set_null, null=True)),
            ("delegate", ForeignKey, reference(Department, OnDelete.restrict, null=True)),
            ("leader", Varchar, text(50)),
            ("credits", Integer, params(default=0)),
            ("hours", Integer, params(default=0)),
            ("hosting_form", Varchar, text(32)),
            ("assessment", Varchar, text(32)),
            ("description", Varchar, text(2000)),
            ("source", Varchar, text(12, "entered")),
            ("status", Varchar, text(12, "published")),
            ("approval", ForeignKey, reference(ApprovalRequest, OnDelete.set_null, null=True)),
            ("review_comment", Varchar, text(500)),
            ("created_at", Timestamptz, params(default=TimestamptzNow())),
            ("updated_at", Timestamptz, params(default=TimestamptzNow())),
        ),
    ),
    (
        "ProjectNumberCounter",
        "projects_number_counter",
        (
            TENANT,
            ("year", Integer, params(default=0)),
            ("level", Varchar, text(32)),
            ("last_value", Integer, params(default=0)),
        ),
    ),
    (
        "ProjectRun",
        "projects_run",
        (
            TENANT,
            ("project", ForeignKey, reference(Project, OnDelete.restrict, index=True)),
            ("seq", Integer, params(default=0)),
            ("venue", Varchar, text(200)),
            ("starts_on", Date, params(default=DateNow())),
            ("ends_on", Date, params(default=DateNow())),
            ("note", Varchar, text(500)),
            ("status", Varchar, text(12, "draft")),
            ("approval", ForeignKey, reference(ApprovalRequest, OnDelete.set_null, null=True)),
            ("review_comment", Varchar, text(500)),
            ("submitted_at", Timestamptz, params(null=True, default=None)),
            ("decided_at", Timestamptz, params(null=True, default=None)),
            ("created_at", Timestamptz, params(default=TimestamptzNow())),
        ),
    ),
    (
        "ProjectSession",
        "projects_session",
        (
            TENANT,
            ("run", ForeignKey, reference(ProjectRun, OnDelete.restrict, index=True)),
            ("title", Varchar, text(200)),
            ("speakers", Varchar, text(200)),
            ("starts_at", Timestamptz, params(default=TimestamptzNow())),
            ("ends_at", Timestamptz, params(default=TimestamptzNow())),
            ("hours", Integer, params(default=0)),
        ),
    ),
    (
        "RunMaterial",
        "projects_run_material",
        (
            TENANT,
            ("run", ForeignKey, reference(ProjectRun, OnDelete.restrict, index=True)),
            ("kind", Varchar, text(32)),
            ("file", ForeignKey, reference(StoredFile, OnDelete.restrict)),
            ("uploaded_by", ForeignKey, reference(Account, OnDelete.set_null, null=True)),
            ("uploaded_at", Timestamptz, params(default=TimestamptzNow())),
        ),
    ),
)


async def forwards() -> MigrationManager:
    return table_migration(ID, DESCRIPTION, TABLES)
