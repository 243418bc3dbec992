"""Tables of attendance: one row per person and session, and every scan with its outcome.

An :class:`Attendance` row is made by the first accepted check-in of a person (of the registry, or an
:class:`ExternalAttendee` who registered at the venue) for a session and given its check-out time by
his first accepted check-out; unique indexes on (tenant, session kind, session, person) and (…,
external) make the first one win however many scans arrive at once. A :class:`ScanRecord` is written for
every scan, accepted, repeated or refused, with its reason. :class:`Answer` counts the questionnaire's
answers without their authors; :class:`Exam` and :class:`ExamAttempt` hold a group's online exam and
the learners' attempts.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.identity.tables import Account
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.tables import TenantOwned


class ExternalAttendee(TenantOwned, Table, tablename="attendance_external"):
    """Someone outside the registry who registered at the venue (现场登记, where the province allows it):
    what the walk-in form asked. One per ID number in the tenant (its keyed hash); registering again
    updates the details. The ID number is sealed, as the registry's are."""

    id_sealed = Text(null=False, secret=True)
    id_hash = Varchar(length=64, null=False)
    id_masked = Varchar(length=16, null=False)
    name = Varchar(length=50, null=False)
    gender = Varchar(length=2, null=False, default="")
    phone = Varchar(length=20, null=False, default="")
    age = Integer(null=True, default=None)
    unit = Varchar(length=100, null=False, default="")
    department = Varchar(length=50, null=False, default="")
    unit_place = Varchar(length=50, null=False, default="")
    grassroots = Boolean(null=True, default=None)
    title = Varchar(length=32, null=False, default="")
    position = Varchar(length=32, null=False, default="")
    education = Varchar(length=16, null=False, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Attendance(TenantOwned, Table, tablename="attendance_attendance"):
    """The attendance of one session by a person of the registry or by an external attendee: when he
    checked in and (if he did) checked out."""

    session_kind = Varchar(length=32, null=False)
    session_id = Integer(null=False)
    group_id = Integer(null=False)
    """The run (or activity) of the session, so a group's attendance reads in one query."""
    person = ForeignKey(Person, null=True, on_delete=OnDelete.restrict, default=None)
    external = ForeignKey(ExternalAttendee, null=True, on_delete=OnDelete.restrict, default=None)
    checked_in_at = Timestamptz(null=False, default=TimestamptzNow())
    checked_in_via = Varchar(length=8, null=False, default="qr")
    """``qr`` (a scanned code) or ``card`` (an IC card number typed at the venue)."""
    checked_out_at = Timestamptz(null=True, default=None)
    checked_out_via = Varchar(length=8, null=False, default="")


class ScanRecord(TenantOwned, Table, tablename="attendance_scan"):
    """One scan of a code: who scanned what, when, and what came of it."""

    scanned_at = Timestamptz(default=TimestamptzNow())
    session_kind = Varchar(length=32, null=False, default="")
    session_id = Integer(null=True, default=None)
    action = Varchar(length=12, null=False, default="")
    outcome = Varchar(length=10, null=False)
    """``accepted`` (recorded now), ``repeated`` (recorded before: the original time stands), ``refused``."""
    reason = Varchar(length=20, null=False, default="")
    """Why it was refused or repeated (:class:`~cme_platform.attendance.codes.Refusal`,
    ``already_checked_in``, ``already_checked_out``)."""
    account = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    person = ForeignKey(Person, null=True, on_delete=OnDelete.set_null)
    external = ForeignKey(ExternalAttendee, null=True, on_delete=OnDelete.set_null)


class Answer(TenantOwned, Table, tablename="attendance_answer"):
    """How many chose one option of a question of a group's check-out questionnaire: a counter, raised by
    each learner's first check-out, so nothing ties an answer to the person (or the order) it came from."""

    session_kind = Varchar(length=32, null=False)
    group_id = Integer(null=False)
    question = Varchar(length=32, null=False)
    option = Varchar(length=100, null=False)
    chosen = Integer(null=False, default=0)


class Exam(TenantOwned, Table, tablename="attendance_exam"):
    """The online exam (在线考试) of a group (a run): multiple-choice questions and the pass mark, written by
    its owner; it no longer changes once someone has taken it."""

    session_kind = Varchar(length=32, null=False)
    group_id = Integer(null=False)
    pass_mark = Integer(null=False, default=60)
    """The score (out of 100) that passes."""
    questions = JSON(default=[])
    """``[{"text": …, "options": [...], "answers": [indexes of the right options]}, …]``."""
    updated_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz(default=TimestamptzNow())


class ExamAttempt(TenantOwned, Table, tablename="attendance_exam_attempt"):
    """One attempt of a learner at a group's exam: his choices, score and whether he passed."""

    exam = ForeignKey(Exam, null=False, on_delete=OnDelete.restrict, index=True)
    person = ForeignKey(Person, null=False, on_delete=OnDelete.restrict)
    attempt = Integer(null=False, default=1)
    score = Integer(null=False, default=0)
    passed = Boolean(null=False, default=False)
    choices = JSON(default=[])
    submitted_at = Timestamptz(default=TimestamptzNow())
