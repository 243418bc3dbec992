"""Tables of the credit ledger. Every row belongs to one tenant (:class:`TenantOwned`).

One :class:`CreditRecord` per credit a person earns, posted through :mod:`cme_platform.credits.ledger`
with its source (``source``; the object it comes from in ``source_type``/``source_id``) and an
``idempotency_key`` unique in the tenant. ``credits`` and ``hours`` are integer hundredths (``250`` is
2.50 credits, ``1500`` is 15.0 hours) so that sums are exact on every database. A record is
effective when it is approved and its ``effective_on`` date has come (:mod:`cme_platform.credits.status`).
"""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.files.tables import StoredFile
from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Department, Institution
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.tables import TenantOwned


class CreditRecord(TenantOwned, Table, tablename="credits_record"):
    """One credit of one person: the activity, its category, the amount and where it stands."""

    person = ForeignKey(Person, null=False, on_delete=OnDelete.restrict, index=True)
    institution = ForeignKey(Institution, null=False, on_delete=OnDelete.restrict)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.restrict)
    year = Integer(null=False)
    activity_date = Date(null=False)
    activity_name = Varchar(length=200, null=False)
    activity_number = Varchar(length=64, null=False, default="")
    source = Varchar(length=16, null=False, default="personal")
    source_type = Varchar(length=32, null=False, default="")
    source_id = BigInt(null=True, default=None)
    idempotency_key = Varchar(length=128, null=False, default="")
    entry_mode = Varchar(length=16, null=False, default="free")
    category = Varchar(length=32, null=False)
    subcategory = Varchar(length=100, null=False, default="")
    discipline = Varchar(length=64, null=False, default="")
    subdiscipline = Varchar(length=64, null=False, default="")
    form = Varchar(length=32, null=False, default="")
    role = Varchar(length=12, null=False, default="participant")
    hours = Integer(null=False, default=0)
    credits = Integer(null=False)
    issuer = Varchar(length=200, null=False, default="")
    standard_code = Varchar(length=16, null=False, default="")
    inputs = JSON(default={})
    explanation = JSON(default=[])
    note = Varchar(length=500, null=False, default="")
    status = Varchar(length=12, null=False, default="draft")
    effective_on = Date(null=True, default=None)
    approval = ForeignKey(ApprovalRequest, null=True, on_delete=OnDelete.set_null)
    review_comment = Varchar(length=500, null=False, default="")
    entered_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    entered_as = Varchar(length=32, null=False, default="")
    correction_reason = Text(null=False, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)


class CreditEvidence(TenantOwned, Table, tablename="credits_evidence"):
    """A file that proves a credit (证明材料): a certificate, an approval form, a receipt."""

    record = ForeignKey(CreditRecord, null=False, on_delete=OnDelete.cascade, index=True)
    file = ForeignKey(StoredFile, null=False, on_delete=OnDelete.restrict, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class SelfEntryGrant(TenantOwned, Table, tablename="credits_self_entry_grant"):
    """The right to enter personal credits (需单位开通权限), opened for an institution or a department.

    A row with no department opens the right for every learner of the institution; a row with a department
    opens it for that department's learners only.
    """

    institution = ForeignKey(Institution, null=False, on_delete=OnDelete.cascade, index=True)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.cascade)
    granted_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class StandardGrant(TenantOwned, Table, tablename="credits_standard_grant"):
    """A grant of one standard's credits to several people at once (按标准授分; Beijing's 3-step wizard:
    the standard, the people, the activity). Each person's credit is a record of source ``standard``
    posted through the ledger (``source_type`` ``standard_grant``, ``source_id`` this row), with the
    grant's evidence attached. ``key`` is the client's idempotency key, unique per granting account: a
    retried grant returns the first. ``institution`` is the people's institution when they share one (whom the
    grant is listed for), else empty (the granting commission or region lists it)."""

    key = Varchar(length=64, null=False)
    digest = Varchar(length=64, null=False, default="")
    """A hash of what the grant asked for: its key sent again with other contents is refused."""
    standard_code = Varchar(length=32, null=False)
    standard_name = Varchar(length=200, null=False, default="")
    category = Varchar(length=64, null=False, default="")
    activity_name = Varchar(length=200, null=False)
    activity_date = Date(null=False)
    """实际完成时间: the day the activity was completed (the credits' year)."""
    started_on = Date(null=True, default=None)
    ended_on = Date(null=True, default=None)
    form = Varchar(length=32, null=False, default="")
    discipline = Varchar(length=64, null=False, default="")
    subdiscipline = Varchar(length=64, null=False, default="")
    content = Text(null=False, default="")
    """活动内容."""
    inputs = JSON(default={})
    """The standard's inputs (hours, days…) as entered, the same for everyone granted."""
    evidence = JSON(default=[])
    """Ids of the stored files attached to every record (上传附件)."""
    basis_kind = Varchar(length=40, null=False, default="")
    """What the grant names as its basis (``cme_grant_bases``: ``beijing.activity_plan``); empty: none."""
    basis_id = Integer(null=True, default=None)
    basis_label = Varchar(length=200, null=False, default="")
    people = Integer(null=False, default=0)
    credits = BigInt(null=False, default=0)
    """The hundredths granted, all people together."""
    institution = ForeignKey(Institution, null=True, on_delete=OnDelete.restrict, default=None)
    granted_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
