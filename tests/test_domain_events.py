"""Domain events: delivered after commit, never inside a failed change, never able to break it; the
stored compliance results follow every change of a person's credits or title."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from cme_platform import clock, events
from cme_platform.compliance.service import store, year_rules
from cme_platform.compliance.tables import ComplianceResult
from cme_platform.credits import ledger
from cme_platform.credits.sources import CreditSource
from cme_platform.db.transactions import write_transaction
from cme_platform.events import CreditChange
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.personnel.tables import Person
from cme_platform.plugins import hookimpl
from cme_platform.plugins.manager import build_plugin_manager
from cme_platform.plugins.types import PluginInfo
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.scope import scope
from test_credits_entry import zj as zj  # the fixture, shared

CHANGE = CreditChange(action="approved", record_ids=(1,), person_ids=(1,), years=(2026,))


class Listening:
    """A province that records the events it hears, and one listener that always fails."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, CreditChange]] = []

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="listening", title="听事件省", province="听事件省", version="1")

    @hookimpl
    async def cme_credit_changed(self, tenant: TenantContext, change: CreditChange) -> None:
        self.heard.append((tenant.slug, change))


class Failing:
    """Registered beside: its listener raises (a broken province plugin must not break the change)."""

    @hookimpl(tryfirst=True)
    def cme_credit_changed(self, change: CreditChange) -> None:
        raise RuntimeError("broken listener")


@pytest.fixture
def listening() -> Listening:
    return Listening()


async def test_events_wait_for_the_commit_and_die_with_a_rollback(cme_db, tenant_factory, listening):
    pm = build_plugin_manager({"listening": listening})
    tenant = await tenant_factory(slug="ev", plugin="listening")
    with scope(tenant):
        async with write_transaction(Person):
            await events.emit(pm, tenant, "cme_credit_changed", change=CHANGE)
            assert listening.heard == [], "nothing is delivered before the commit"
        assert listening.heard == [("ev", CHANGE)]
        with pytest.raises(ZeroDivisionError):
            async with write_transaction(Person):
                await events.emit(pm, tenant, "cme_credit_changed", change=CHANGE)
                1 / 0  # noqa: B018
        assert len(listening.heard) == 1, "a rolled-back change raises no event"
        with pytest.raises(RuntimeError, match="not a write_transaction"):
            async with Person._meta.db.transaction():
                await events.emit(pm, tenant, "cme_credit_changed", change=CHANGE)


async def test_a_failing_listener_is_logged_and_the_others_still_hear(
    cme_db, tenant_factory, listening, caplog
):
    pm = build_plugin_manager({"listening": listening})
    pm.register(Failing(), name="cme_core.failing")  # a core-side listener, so the tenant reaches it
    tenant = await tenant_factory(slug="ev2", plugin="listening")
    with scope(tenant):
        async with write_transaction(Person):
            await events.emit(pm, tenant, "cme_credit_changed", change=CHANGE)
    assert listening.heard == [("ev2", CHANGE)]
    assert "broken listener" in caplog.text and "cme_credit_changed" in caplog.text


async def _stored(person_id: int, year: int) -> dict[str, Any]:
    row = (
        await ComplianceResult.select()
        .where((ComplianceResult.person == person_id) & (ComplianceResult.year == year))
        .first()
    )
    assert row is not None
    return row


async def test_stored_results_follow_a_grant_and_a_title_change(cme_app, cme_client, zj, login):
    pm = cme_app.state.plugin_manager
    year = clock.today().year
    with scope(zj.w.tenant):
        await store(year_rules(pm, zj.w.tenant, year))
        before = await _stored(zj.person_id, year)
        commission = await load_principal_by_id(zj.w.accounts["commission"])
        grant = ledger.Posting(
            person_id=zj.person_id,
            source=CreditSource.PROJECT,
            activity_date=date(year, 1, 1),
            activity_name="国家级继续医学教育项目",
            category="I类学分",
            subcategory="国家级",
            credits=800,
            idempotency_key="grant:fresh",
        )
        await ledger.post(pm, commission, grant, granted=True, entered_as="commission_admin")
        after = await _stored(zj.person_id, year)
    assert after["total_credits"] == before["total_credits"] + 800, "no manual recomputation needed"
    assert after["computed_at"] > before["computed_at"]

    await login(cme_client, zj.w.tenant, "commission")
    response = await cme_client.post(
        f"/t/{zj.w.tenant.slug}/api/personnel/people/batch", json={"ids": [zj.person_id], "title": "主任医师"}
    )
    assert response.status_code == 201 and response.json() == {"changed": 1}, response.text
    with scope(zj.w.tenant):
        titled = await _stored(zj.person_id, year)
    assert titled["title"] == "主任医师" and titled["title_level"] == "正高"


async def test_stored_years_are_the_computed_ones_only(cme_app, zj):
    from cme_platform.compliance.service import stored_years

    pm = cme_app.state.plugin_manager
    with scope(zj.w.tenant):
        assert await stored_years(0) == []
        for year in (2024, 2026):
            await store(year_rules(pm, zj.w.tenant, year))
        assert await stored_years(0) == [2024, 2026], "2025 was never computed: it stays so"
        assert await stored_years(2025) == [2026]
