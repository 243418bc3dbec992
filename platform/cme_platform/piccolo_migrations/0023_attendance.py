"""Attendance: external attendees registered at the venue, one row per attendee and session, every scan,
the questionnaire's anonymous answers, online exams and their attempts, the runs' attendee lists, and
the period a run's codes are valid when its hosting application sets one."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import (
    JSON,
    Boolean,
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

from cme_platform.db.table_migrations import add_columns, params, reference, table_migration, text

ID = "2026-12-04T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "attendance and attendee lists"


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Account(Table, tablename="identity_account", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Person(Table, tablename="personnel_person", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class ApprovalRequest(Table, tablename="approvals_request", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class ProjectRun(Table, tablename="projects_run", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class CreditRecord(Table, tablename="credits_record", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class AttendeeList(Table, tablename="projects_attendee_list", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class ExternalAttendee(Table, tablename="attendance_external", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


class Exam(Table, tablename="attendance_exam", schema=None):
    id = Serial(primary_key=True, db_column_name="id")


TENANT = ("tenant", ForeignKey, reference(Tenant, OnDelete.restrict, index=True))

EXTERNAL = (
    TENANT,
    ("id_sealed", Text, params(default="", secret=True)),
    ("id_hash", Varchar, text(64)),
    ("id_masked", Varchar, text(16)),
    ("name", Varchar, text(50)),
    ("gender", Varchar, text(2)),
    ("phone", Varchar, text(20)),
    ("age", Integer, params(null=True, default=None)),
    ("unit", Varchar, text(100)),
    ("department", Varchar, text(50)),
    ("unit_place", Varchar, text(50)),
    ("grassroots", Boolean, params(null=True, default=None)),
    ("title", Varchar, text(32)),
    ("position", Varchar, text(32)),
    ("education", Varchar, text(16)),
    ("created_at", Timestamptz, params(default=TimestamptzNow())),
    ("updated_at", Timestamptz, params(default=TimestamptzNow())),
)

ATTENDANCE = (
    TENANT,
    ("session_kind", Varchar, text(32)),
    ("session_id", Integer, params()),
    ("group_id", Integer, params()),
    ("person", ForeignKey, reference(Person, OnDelete.restrict, null=True)),
    ("external", ForeignKey, reference(ExternalAttendee, OnDelete.restrict, null=True)),
    ("checked_in_at", Timestamptz, params(default=TimestamptzNow())),
    ("checked_in_via", Varchar, text(8, "qr")),
    ("checked_out_at", Timestamptz, params(null=True, default=None)),
    ("checked_out_via", Varchar, text(8)),
)

SCAN = (
    TENANT,
    ("scanned_at", Timestamptz, params(default=TimestamptzNow())),
    ("session_kind", Varchar, text(32)),
    ("session_id", Integer, params(null=True, default=None)),
    ("action", Varchar, text(12)),
    ("outcome", Varchar, text(10)),
    ("reason", Varchar, text(20)),
    ("account", ForeignKey, reference(Account, OnDelete.set_null, null=True)),
    ("person", ForeignKey, reference(Person, OnDelete.set_null, null=True)),
    ("external", ForeignKey, reference(ExternalAttendee, OnDelete.set_null, null=True)),
)

ATTENDEE_LIST = (
    TENANT,
    ("run", ForeignKey, reference(ProjectRun, OnDelete.restrict)),
    ("status", Varchar, text(12, "submitted")),
    ("approval", ForeignKey, reference(ApprovalRequest, OnDelete.set_null, null=True)),
    ("review_comment", Varchar, text(500)),
    ("deadline", Date, params()),
    ("late", Boolean, params(default=False)),
    ("submitted_by", ForeignKey, reference(Account, OnDelete.set_null, null=True)),
    ("submitted_at", Timestamptz, params(default=TimestamptzNow())),
    ("decided_at", Timestamptz, params(null=True, default=None)),
)

ATTENDEE_ENTRY = (
    TENANT,
    ("attendee_list", ForeignKey, reference(AttendeeList, OnDelete.restrict, index=True)),
    ("person", ForeignKey, reference(Person, OnDelete.restrict, null=True)),
    ("external", ForeignKey, reference(ExternalAttendee, OnDelete.restrict, null=True)),
    ("sessions", Integer, params(default=0)),
    ("first_in", Timestamptz, params()),
    ("last_out", Timestamptz, params(null=True, default=None)),
    ("minutes", Integer, params(default=0)),
    ("hours", Integer, params(default=0)),
    ("qualifies", Boolean, params(default=False)),
    ("selected", Boolean, params(default=False)),
    ("credit", ForeignKey, reference(CreditRecord, OnDelete.set_null, null=True)),
    ("granted_at", Timestamptz, params(null=True, default=None)),
    ("via", Varchar, text(24)),
)


ANSWER = (
    TENANT,
    ("session_kind", Varchar, text(32)),
    ("group_id", Integer, params()),
    ("question", Varchar, text(32)),
    ("option", Varchar, text(100)),
    ("chosen", Integer, params(default=0)),
)

EXAM = (
    TENANT,
    ("session_kind", Varchar, text(32)),
    ("group_id", Integer, params()),
    ("pass_mark", Integer, params(default=60)),
    ("questions", JSON, params(default="[]")),
    ("updated_by", ForeignKey, reference(Account, OnDelete.set_null, null=True)),
    ("updated_at", Timestamptz, params(default=TimestamptzNow())),
)

EXAM_ATTEMPT = (
    TENANT,
    ("exam", ForeignKey, reference(Exam, OnDelete.restrict, index=True)),
    ("person", ForeignKey, reference(Person, OnDelete.restrict)),
    ("attempt", Integer, params(default=1)),
    ("score", Integer, params(default=0)),
    ("passed", Boolean, params(default=False)),
    ("choices", JSON, params(default="[]")),
    ("submitted_at", Timestamptz, params(default=TimestamptzNow())),
)

RUN_CODES = (
    ("codes_from", Timestamptz, params(null=True, default=None)),
    ("codes_until", Timestamptz, params(null=True, default=None)),
)


async def forwards() -> MigrationManager:
    manager = table_migration(
        ID,
        DESCRIPTION,
        [
            ("ExternalAttendee", "attendance_external", EXTERNAL),
            ("Attendance", "attendance_attendance", ATTENDANCE),
            ("ScanRecord", "attendance_scan", SCAN),
            ("Answer", "attendance_answer", ANSWER),
            ("Exam", "attendance_exam", EXAM),
            ("ExamAttempt", "attendance_exam_attempt", EXAM_ATTEMPT),
            ("AttendeeList", "projects_attendee_list", ATTENDEE_LIST),
            ("AttendeeEntry", "projects_attendee_entry", ATTENDEE_ENTRY),
        ],
    )
    add_columns(manager, "ProjectRun", "projects_run", RUN_CODES)
    return manager
