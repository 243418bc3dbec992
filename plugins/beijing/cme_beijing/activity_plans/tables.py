"""The activity plan table: one row per uploaded plan, tenant-owned like every core table."""

from __future__ import annotations

from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.files.tables import StoredFile
from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Institution
from cme_platform.tenancy.tables import TenantOwned
from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ActivityPlan(TenantOwned, Table, tablename="beijing_activity_plan"):
    """An institution's plan of organised CME practice activities and where its review stands."""

    institution = ForeignKey(Institution, null=False, on_delete=OnDelete.restrict, index=True)
    year = Integer(null=False)
    name = Varchar(length=100, null=False)
    plan_type = Varchar(length=8, null=False)
    activity_form = Varchar(length=32, null=False)
    note = Varchar(length=500, null=False, default="")
    file = ForeignKey(StoredFile, null=False, on_delete=OnDelete.restrict)
    status = Varchar(length=12, null=False, default="draft")
    approval = ForeignKey(ApprovalRequest, null=True, on_delete=OnDelete.set_null)
    review_comment = Varchar(length=500, null=False, default="")
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
