"""The ledger: any module posts credits through one function, once per idempotency key."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import msgspec
import pytest
from cme_platform import clock
from cme_platform.audit.tables import AuditEvent
from cme_platform.credits import ledger
from cme_platform.credits.sources import CreditSource
from cme_platform.credits.tables import CreditRecord
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.tenancy.scope import scope
from test_credits_entry import zj as zj  # the fixture, shared


def _grant(person_id: int, key: str) -> ledger.Posting:
    return ledger.Posting(
        person_id=person_id,
        source=CreditSource.PROJECT,
        activity_date=date(2026, 3, 2),
        activity_name="心血管疾病诊治进展学习班",
        activity_number="2026-03-01-001（国）",
        category="I类学分",
        subcategory="国家级",
        credits=600,
        hours=1800,
        source_type="project_run",
        source_id=12,
        idempotency_key=key,
    )


async def _commission(zj: Any) -> Any:
    principal = await load_principal_by_id(zj.w.accounts["commission"])
    assert principal is not None
    return principal


async def test_a_grant_is_approved_effective_by_the_provinces_rule_and_audited(cme_app, zj):
    pm = cme_app.state.plugin_manager
    day = date(2026, 3, 5)
    with scope(zj.w.tenant), clock.frozen_today(day):
        posted = await ledger.post(
            pm,
            await _commission(zj),
            _grant(zj.person_id, "grant:run-12:p1"),
            granted=True,
            entered_as="commission_admin",
        )
        row = await CreditRecord.select().where(CreditRecord.id == posted.record_id).first()
        audit = await AuditEvent.select(AuditEvent.action).where(
            AuditEvent.object_id == str(posted.record_id)
        )
    assert posted.created
    # Zhejiang's next-day rule is for personal credits; a project grant counts from its approval day
    assert row["status"] == "approved" and row["effective_on"] == day
    assert (row["source"], row["source_type"], row["source_id"]) == ("project", "project_run", 12)
    assert row["year"] == 2026 and row["institution"] == zj.w.institution_id
    assert [a["action"] for a in audit] == ["credits.record.post"]


async def test_the_same_key_posts_once_even_in_a_burst(cme_app, zj):
    pm = cme_app.state.plugin_manager
    with scope(zj.w.tenant):
        principal = await _commission(zj)
        first = await ledger.post(
            pm, principal, _grant(zj.person_id, "grant:run-12:p1"), granted=True, entered_as=""
        )
        again = await ledger.post(
            pm, principal, _grant(zj.person_id, "grant:run-12:p1"), granted=True, entered_as=""
        )
        burst = await asyncio.gather(
            *(
                ledger.post(
                    pm, principal, _grant(zj.person_id, "grant:run-13:p1"), granted=True, entered_as=""
                )
                for _ in range(8)
            )
        )
        count = await CreditRecord.count().where(CreditRecord.source_id == 12)
    assert first.created and not again.created and again.record_id == first.record_id
    assert count == 2
    assert sum(p.created for p in burst) == 1 and len({p.record_id for p in burst}) == 1


async def test_a_personal_credit_granted_in_zhejiang_counts_the_next_day(cme_app, zj):
    pm = cme_app.state.plugin_manager
    day = date(2026, 3, 5)
    personal = msgspec.structs.replace(_grant(zj.person_id, "import:row-7"), source=CreditSource.PERSONAL)
    with scope(zj.w.tenant), clock.frozen_today(day):
        posted = await ledger.post(pm, await _commission(zj), personal, granted=True, entered_as="learner")
        row = await CreditRecord.select().where(CreditRecord.id == posted.record_id).first()
    assert row["effective_on"] == day + timedelta(days=1)


async def test_a_draft_waits_for_review_and_an_unknown_person_is_refused(cme_app, zj):
    pm = cme_app.state.plugin_manager
    with scope(zj.w.tenant):
        principal = await _commission(zj)
        draft = await ledger.post(
            pm, principal, _grant(zj.person_id, ""), granted=False, entered_as="learner"
        )
        row = await CreditRecord.select().where(CreditRecord.id == draft.record_id).first()
        with pytest.raises(LookupError):
            await ledger.post(pm, principal, _grant(999_999, "x"), granted=True, entered_as="")
    assert row["status"] == "draft" and row["effective_on"] is None
    assert row["idempotency_key"].startswith("project:"), "a posting without a key gets a fresh one"
