"""Expert reviews (专家评审) of project declarations: one per expert and submission."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.db.table_migrations import params, reference, table_migration, text

ID = "2026-12-03T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "projects: expert reviews of declarations"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Account(Table, tablename="identity_account", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class ApprovalRequest(Table, tablename="approvals_request", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Project(Table, tablename="projects_project", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


COLUMNS = (
    ("tenant", ForeignKey, reference(Tenant, OnDelete.restrict, index=True)),
    ("project", ForeignKey, reference(Project, OnDelete.restrict, index=True)),
    ("approval", ForeignKey, reference(ApprovalRequest, OnDelete.restrict)),
    ("expert", ForeignKey, reference(Account, OnDelete.restrict, index=True)),
    ("assigned_by", ForeignKey, reference(Account, OnDelete.set_null, null=True)),
    ("assigned_at", Timestamptz, params(default=TimestamptzNow())),
    ("score", Integer, params(null=True, default=None)),
    ("opinion", Varchar, text(12)),
    ("comment", Varchar, text(1000)),
    ("submitted_at", Timestamptz, params(null=True, default=None)),
)


async def forwards() -> MigrationManager:
    return table_migration(ID, DESCRIPTION, [("ExpertReview", "projects_expert_review", COLUMNS)])
