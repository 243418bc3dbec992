"""Tables of the approval-chain engine: one request per submitted subject, one action per decision.

A request copies its chain's steps (so a plugin changing its chains never rewrites history) and the org
units of its subject (institution, department, region), which decide whose inbox it is in. ``version``
grows with every transition; a decision names the version it saw, so two approvers acting at once can
never both move the same request.
"""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Department, Institution, Region
from cme_platform.tenancy.tables import TenantOwned


class ApprovalRequest(TenantOwned, Table, tablename="approvals_request"):
    """A subject (e.g. a credit record) on its way through an approval chain."""

    subject_type = Varchar(length=32, null=False)
    subject_id = BigInt(null=False)
    chain = Varchar(length=64, null=False)
    steps = JSON(default=[])
    step = Integer(null=False, default=0)
    waiting_role = Varchar(length=32, null=False, default="")
    status = Varchar(length=12, null=False, default="pending")
    title = Varchar(length=200, null=False, default="")
    institution = ForeignKey(Institution, null=True, on_delete=OnDelete.restrict)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.restrict)
    region = ForeignKey(Region, null=True, on_delete=OnDelete.restrict)
    submitted_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    submitted_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)
    version = Integer(null=False, default=1)


class ApprovalAction(TenantOwned, Table, tablename="approvals_action"):
    """One thing that happened to a request: submitted, approved, rejected, returned, withdrawn."""

    request = ForeignKey(ApprovalRequest, null=False, on_delete=OnDelete.cascade, index=True)
    step = Integer(null=False, default=0)
    role = Varchar(length=32, null=False, default="")
    action = Varchar(length=12, null=False)
    comment = Varchar(length=500, null=False, default="")
    account = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    account_name = Varchar(length=100, null=False, default="")
    at = Timestamptz(default=TimestamptzNow())
