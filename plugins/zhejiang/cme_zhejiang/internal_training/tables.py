"""Internal training's tables: the training, its sessions and its scored attendees (tenant-owned)."""

from __future__ import annotations

from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.credits.tables import CreditRecord
from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Department, Institution
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.tables import TenantOwned
from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Training(TenantOwned, Table, tablename="zhejiang_training"):
    """An internal training (院内活动) of a department, where its approval and its write-off stand."""

    institution = ForeignKey(Institution, null=False, on_delete=OnDelete.restrict, index=True)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.restrict, index=True)
    year = Integer(null=False)
    name = Varchar(length=100, null=False)
    level = Varchar(length=16, null=False)
    credits = Integer(null=False)
    """Credits (hundredths) a person who attended long enough gets by default."""
    hours = Integer(null=False)
    """学时 (hundredths)."""
    discipline = Varchar(length=64, null=False, default="")
    subdiscipline = Varchar(length=64, null=False, default="")
    form = Varchar(length=16, null=False)
    assessment = Varchar(length=16, null=False, default="")
    other_number = Varchar(length=50, null=False, default="")
    note = Varchar(length=500, null=False, default="")
    status = Varchar(length=12, null=False, default="draft")
    approval = ForeignKey(ApprovalRequest, null=True, on_delete=OnDelete.set_null)
    review_comment = Varchar(length=500, null=False, default="")
    starts_at = Timestamptz(null=True, default=None)
    """Its first session's start (举办开始时间), kept with its sessions."""
    ends_at = Timestamptz(null=True, default=None)
    """Its last session's end, kept with its sessions: the lists tell held trainings by it."""
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)


class TrainingSession(TenantOwned, Table, tablename="zhejiang_training_session"):
    """A session (课程) of a training: what attendance is taken for."""

    training = ForeignKey(Training, null=False, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=100, null=False)
    speaker = Varchar(length=50, null=False, default="")
    starts_at = Timestamptz(null=False)
    ends_at = Timestamptz(null=False)
    venue = Varchar(length=100, null=False, default="")
    hours = Integer(null=False)


class TrainingWriteOff(TenantOwned, Table, tablename="zhejiang_training_write_off"):
    """A training's scored attendees sent for the institution's write-off (核销), one per training."""

    training = ForeignKey(Training, null=False, on_delete=OnDelete.cascade, unique=True)
    status = Varchar(length=12, null=False, default="draft")
    approval = ForeignKey(ApprovalRequest, null=True, on_delete=OnDelete.set_null)
    review_comment = Varchar(length=500, null=False, default="")
    submitted_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)


class TrainingScore(TenantOwned, Table, tablename="zhejiang_training_score"):
    """One attendee's score (授分) in a training's write-off: his hours and the credits he is given."""

    write_off = ForeignKey(TrainingWriteOff, null=False, on_delete=OnDelete.cascade, index=True)
    person = ForeignKey(Person, null=False, on_delete=OnDelete.restrict)
    hours = Integer(null=False, default=0)
    """The hours (hundredths) of the sessions he attended long enough."""
    credits = Integer(null=False, default=0)
    """The credits (hundredths) the department gives him; 0 gives none."""
    credit = ForeignKey(CreditRecord, null=True, on_delete=OnDelete.set_null)
    """The ledger record posted by the institution's write-off."""
