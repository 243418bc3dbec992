"""The daily job that announces credits which start to count by date.

A credit approved today may count only from a later day (the province's ``cme_credit_effective_on``:
Zhejiang's count from the day after approval). Nothing changes on that day, so nothing would tell the
listeners; this scheduled job does, shortly after midnight China time: for each tenant it raises
``cme_credit_effective`` (action ``effective``) for the approved records whose day has come since its
last run, which refreshes their people's stored compliance and lets a province react. A mark per tenant
(:class:`~cme_platform.jobs.tables.ScheduleMark`) records the last day covered, so a platform that was
down for a few days catches up and no record is announced twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pluggy

from cme_platform import clock, events
from cme_platform.credits.status import APPROVED
from cme_platform.credits.tables import CreditRecord
from cme_platform.db.transactions import write_transaction
from cme_platform.events import CreditChange
from cme_platform.jobs.kinds import JobKind, RunningJob
from cme_platform.jobs.tables import ScheduleMark
from cme_platform.tenancy.registry import load_tenants
from cme_platform.tenancy.scope import current_tenant, scope

KIND = "credits.announce_effective"
DATED = "effective"
"""The ``CreditChange.action`` of records that start to count by date."""


async def announce_tenant(pm: pluggy.PluginManager, today: date) -> int:
    """Announce the active tenant's records that started to count since the last run (or today, on the
    first); returns how many."""
    async with write_transaction(ScheduleMark):
        mark = (
            await ScheduleMark.select(ScheduleMark.id, ScheduleMark.day)
            .where(ScheduleMark.name == KIND)
            .first()
        )
        since = mark["day"] + timedelta(days=1) if mark else today
        if since > today:
            return 0
        rows = await CreditRecord.select(CreditRecord.id, CreditRecord.person, CreditRecord.year).where(
            (CreditRecord.status == APPROVED)
            & (CreditRecord.effective_on >= since)
            & (CreditRecord.effective_on <= today)
        )
        if mark:
            await ScheduleMark.update({ScheduleMark.day: today}).where(ScheduleMark.id == mark["id"])
        else:
            await ScheduleMark.insert(ScheduleMark(name=KIND, day=today))
        if rows:
            change = CreditChange(
                action=DATED,
                record_ids=tuple(int(r["id"]) for r in rows),
                person_ids=tuple(dict.fromkeys(int(r["person"]) for r in rows)),
                years=tuple(sorted({int(r["year"]) for r in rows})),
            )
            await events.emit(pm, current_tenant(), "cme_credit_effective", change=change)
    return len(rows)


async def announce_all(job: RunningJob) -> dict[str, Any]:
    """The job: every active tenant in turn; the count per tenant slug."""
    today = clock.today()
    counts = {}
    for tenant in await load_tenants():
        if tenant.active:
            with scope(tenant):
                counts[tenant.slug] = await announce_tenant(job.plugin_manager, today)
    return counts


ANNOUNCE_EFFECTIVE = JobKind(
    name=KIND, label="学分到期生效通知", run=announce_all, cron="5 0 * * *", timeout=30 * 60, retries=2
)
"""Runs at 00:05 China time on one worker; retried once (the marks make a second attempt announce
only what the first did not)."""
