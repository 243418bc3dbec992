"""Tables of compliance (达标): one stored result per person and year, and the recomputation jobs.

Results are what the tenant-wide lists and statistics read; they are written set-based by
:mod:`cme_platform.compliance.evaluate` (never one person at a time in Python). ``by_category`` holds the
effective credits per category as JSON text (``{"I类": 1000, "II类": 1500}``, hundredths).
"""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Department, Institution
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.tables import TenantOwned


class ComplianceResult(TenantOwned, Table, tablename="compliance_result"):
    """Whether a person met a year's compliance standard, with the sums it was judged on."""

    person = ForeignKey(Person, null=False, on_delete=OnDelete.cascade)
    year = Integer(null=False)
    institution = ForeignKey(Institution, null=True, on_delete=OnDelete.set_null)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.set_null)
    title = Varchar(length=32, null=False, default="")
    title_level = Varchar(length=8, null=False, default="")
    establishment = Varchar(length=8, null=False, default="")
    status = Varchar(length=8, null=False, default="")
    total_credits = Integer(null=False, default=0)
    counted_credits = Integer(null=False, default=0)
    total_hours = Integer(null=False, default=0)
    by_category = Text(null=False, default="{}")
    met = Boolean(null=False, default=False)
    computed_at = Timestamptz(default=TimestamptzNow())


class ComplianceRun(TenantOwned, Table, tablename="compliance_run"):
    """A recomputation of a tenant-year's results, run as a background job with visible progress."""

    year = Integer(null=False)
    status = Varchar(length=16, null=False, default="queued")
    job_key = Varchar(length=96, null=False, default="")
    people = Integer(null=False, default=0)
    met = Integer(null=False, default=0)
    message = Varchar(length=500, null=False, default="")
    seconds = Integer(null=False, default=0)
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
