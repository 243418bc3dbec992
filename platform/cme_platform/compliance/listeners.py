"""The compliance domain's reactions to other domains' events: stored results follow every change.

A tenant-wide list reads the stored result of each person and year. When one of a person's credits or
his registry facts (title, unit) change, :class:`ComplianceListener` re-judges him in every year that was
computed from the change's earliest year on, after the change has committed, so no list shows a result
older than the last change to his credits or title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cme_platform import clock
from cme_platform.plugins import hookimpl

if TYPE_CHECKING:
    import pluggy

    from cme_platform.events import CreditChange, PersonChange
    from cme_platform.tenancy.context import TenantContext


SUM_CHANGING = frozenset({"posted", "approved", "corrected"})
"""Credit actions that can change what counts toward compliance."""


JUDGED_FIELDS = frozenset({"title", "title_level", "status", "establishment", "institution", "department"})
"""Registry facts a stored result holds or is judged by."""


class ComplianceListener:
    """Refreshes the stored compliance results of the people an event concerns."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._pm = pm

    async def _refresh(self, person_ids: tuple[int, ...], since: int) -> None:
        from cme_platform.compliance.service import refresh_people

        await refresh_people(self._pm, person_ids, since)

    @hookimpl
    async def cme_credit_changed(self, tenant: TenantContext, change: CreditChange) -> None:
        """Re-judge the people of the changed records from the earliest year concerned, when the change
        can move their sums (a credit posted, approved or corrected; drafts and reviews cannot)."""
        if change.action in SUM_CHANGING:
            await self._refresh(change.person_ids, min(change.years, default=clock.today().year))

    @hookimpl
    async def cme_credit_effective(self, tenant: TenantContext, change: CreditChange) -> None:
        """Re-judge the people whose approved credits started to count by date (the daily job's
        ``effective`` change; a credit that counts at approval was re-judged by ``cme_credit_changed``)."""
        if change.action not in SUM_CHANGING:
            await self._refresh(change.person_ids, min(change.years, default=clock.today().year))

    @hookimpl
    async def cme_person_changed(self, tenant: TenantContext, change: PersonChange) -> None:
        """Re-judge the people whose judged facts changed: from the earliest per-year fact, or in every
        stored year for the current facts (a year without its own entry is judged by them); a new phone
        number changes no result."""
        if JUDGED_FIELDS.intersection(change.fields):
            await self._refresh(change.person_ids, min(change.years, default=0))
