"""The queue's own table in the platform's schema: how far a per-tenant scheduled job has got.

SAQ keeps its jobs in tables of its own (``saq_jobs``, ``saq_stats``), created by the queue itself.
"""

from __future__ import annotations

from piccolo.columns import Date, Varchar
from piccolo.table import Table

from cme_platform.tenancy.tables import TenantOwned


class ScheduleMark(TenantOwned, Table, tablename="jobs_schedule_mark"):
    """The last day a scheduled job (``name``, a job kind) has covered for the tenant; unique per tenant
    and name, so a job that missed days catches up from the day after."""

    name = Varchar(length=64, null=False, default="")
    day = Date(null=False)
