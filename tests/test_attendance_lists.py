"""A run's attendee list from the owner through the institution to the commission: the list carries the
times and the hours that count, the institution's choice, the deadline (on its last day, a day late, the
province's rule), the grant into the ledger exactly once under concurrent grants, and who may do what."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from api_kit import ok, refused
from attendance_kit import Venue, build_venue
from cme_platform import clock
from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.audit.tables import AuditEvent
from cme_platform.credits.tables import CreditRecord
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.projects import attendee_lists
from cme_platform.projects.attendee_lists import SelectionIn
from cme_platform.projects.tables import AttendeeEntry, AttendeeList, ProjectSession
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import build_world
from test_attendance_scan import JIANGSU_ANSWERS, code_for, redeem, step_at

API = "/t/alpha/api"


async def attend(app: Any, venue: Venue, who: str, *, out: bool = True, sessions: int = 99) -> None:
    """``who`` checks in at the start of the first ``sessions`` sessions (and out at their end)."""
    for session_id in venue.session_ids[:sessions]:
        with scope(venue.world.tenant):
            row = await ProjectSession.select().where(ProjectSession.id == session_id).first()
        start, end = row["starts_at"], row["ends_at"]
        text = code_for(venue, step=step_at(start), session_id=session_id)
        assert (await redeem(app, venue, text, start, who)).outcome == "accepted"
        if out:
            text = code_for(venue, "check_out", step_at(end), session_id=session_id)
            assert (await redeem(app, venue, text, end, who)).outcome == "accepted"


@pytest.fixture
async def held(cme_app, world, account_factory) -> Venue:
    """A run whose two sessions ended yesterday: ``learner`` stayed throughout, ``learner2`` left the
    first session only, ``learner3`` never checked out."""
    start = (clock.now() - timedelta(days=2)).replace(microsecond=0)
    venue = await build_venue(world, account_factory, starts=start, sessions=2, learners=3)
    await attend(cme_app, venue, "learner")
    await attend(cme_app, venue, "learner2", sessions=1)
    await attend(cme_app, venue, "learner3", out=False)
    return venue


async def credits_of(venue: Venue) -> list[dict[str, Any]]:
    with scope(venue.world.tenant):
        return (
            await CreditRecord.select().where(CreditRecord.source == "project").order_by(CreditRecord.person)
        )


@pytest.mark.db
async def test_the_list_goes_from_owner_to_institution_to_commission_and_grants_once(
    cme_client, held, login, cme_app
):
    venue, run = held, held.run_id
    await login(cme_client, venue.world.tenant, "owner")
    live = ok(await cme_client.get(f"{API}/project-runs/{run}/attendance"))
    assert live["status"] == "open" and live["may_submit"] and live["required_hours"] == 480
    by_person = {e["person_id"]: e for e in live["entries"]}
    assert (
        by_person[venue.people["learner"]]["hours"] == 600 and by_person[venue.people["learner"]]["qualifies"]
    )
    assert (
        by_person[venue.people["learner2"]]["hours"] == 300
        and not by_person[venue.people["learner2"]]["qualifies"]
    )
    assert by_person[venue.people["learner3"]]["hours"] == 0  # no check-out, no credit
    assert any(t["label"].startswith("学员名单待上报") for t in ok(await cme_client.get(f"{API}/todos")))
    submitted = ok(await cme_client.post(f"{API}/project-runs/{run}/attendee-list"))
    assert submitted["status"] == "submitted" and submitted["waiting_role"] == "institution_admin"
    assert not any(t["label"].startswith("学员名单待上报") for t in ok(await cme_client.get(f"{API}/todos")))
    refused(await cme_client.post(f"{API}/project-runs/{run}/attendee-list"), 409)
    list_id = submitted["list_id"]
    # the owner cannot choose; the institution can, within the list only
    refused(await cme_client.put(f"{API}/attendee-lists/{list_id}/selection", json={"entry_ids": []}), 403)
    await login(cme_client, venue.world.tenant, "institution")
    refused(
        await cme_client.put(f"{API}/attendee-lists/{list_id}/selection", json={"entry_ids": [999_999]}), 400
    )
    chosen = [venue.people["learner"], venue.people["learner2"]]
    entries = {e["person_id"]: e["id"] for e in submitted["entries"]}
    picked = [entries[person] for person in chosen]
    ok(await cme_client.post(f"{API}/attendee-lists/{list_id}/forward", json={"entry_ids": picked}))
    await login(cme_client, venue.world.tenant, "commission")
    waiting = ok(await cme_client.get(f"{API}/project-runs/{run}/attendance"))
    assert waiting["may_grant"] and waiting["waiting_role"] == "commission_admin" and not waiting["late"]
    # two grants at once: one decides, the other is told it was decided; each credit is posted once
    answers = await asyncio.gather(
        *(
            cme_client.post(f"{API}/approvals/{waiting['approval_id']}/decision", json={"action": "approve"})
            for _ in range(3)
        )
    )
    assert sorted(a.status_code for a in answers)[0] == 200
    assert sorted(a.status_code for a in answers)[1:] == [409, 409]
    records = await credits_of(venue)
    assert sorted(r["person"] for r in records) == sorted(chosen)
    assert {r["status"] for r in records} == {"approved"} and {r["credits"] for r in records} == {500}
    assert {r["source_type"] for r in records} == {"project_run"} and {r["source_id"] for r in records} == {
        run
    }
    granted = ok(await cme_client.get(f"{API}/project-runs/{run}/attendance"))
    assert granted["status"] == "granted"
    assert {e["person_id"] for e in granted["entries"] if e["granted"]} == set(chosen)
    # the learner sees it in his attendance
    await login(cme_client, venue.world.tenant, "learner")
    mine = ok(await cme_client.get(f"{API}/attendance/mine"))
    assert {i["credit_state"] for i in mine["items"]} == {"granted"} and len(mine["items"]) == 2
    with scope(venue.world.tenant):
        actions = {r["action"] for r in await AuditEvent.select(AuditEvent.action)}
    assert {
        "projects.attendees.submit",
        "projects.attendees.select",
        "projects.attendees.advanced",
        "projects.attendees.approved",
        "credits.record.post",
    } <= actions


@pytest.mark.db
async def test_a_grant_replayed_posts_nothing_new(cme_app, cme_client, held, login):

    await login(cme_client, held.world.tenant, "owner")
    list_id = ok(await cme_client.post(f"{API}/project-runs/{held.run_id}/attendee-list"))["list_id"]
    with scope(held.world.tenant):
        principal = await load_principal_by_id(held.world.accounts["commission"])
        assert principal is not None
        first = await attendee_lists.grant(cme_app.state.plugin_manager, principal, list_id)
        again = await attendee_lists.grant(cme_app.state.plugin_manager, principal, list_id)
    assert (first, again) == (1, 0)
    assert len(await credits_of(held)) == 1


@pytest.mark.db
async def test_the_list_waits_for_the_last_session_and_needs_attendees(
    cme_app, cme_client, world, account_factory, login
):
    venue = await build_venue(world, account_factory, starts=clock.now() - timedelta(hours=1))
    await login(cme_client, world.tenant, "owner")
    body = refused(await cme_client.post(f"{API}/project-runs/{venue.run_id}/attendee-list"), 409)
    assert "全部课程结束后" in body["message"]
    past = await build_venue(world, account_factory, starts=clock.now() - timedelta(days=3), learners=1)
    body = refused(await cme_client.post(f"{API}/project-runs/{past.run_id}/attendee-list"), 400)
    assert "还没有学员签到" in body["message"]
    with scope(world.tenant):
        assert await AttendeeList.count() == 0 and await ApprovalRequest.count() == 0


@pytest.mark.db
@pytest.mark.parametrize(("late_by", "accepted"), [(0, True), (1, False)])
async def test_the_deadline_is_the_last_day_and_a_late_list_follows_the_province(
    cme_app, cme_client, held, login, late_by, accepted
):
    await login(cme_client, held.world.tenant, "owner")
    submitted = ok(await cme_client.post(f"{API}/project-runs/{held.run_id}/attendee-list"))
    deadline = submitted["deadline"]
    day = date.fromisoformat(deadline) + timedelta(days=late_by)

    with scope(held.world.tenant), clock.frozen_today(day):
        principal = await load_principal_by_id(held.world.accounts["institution"])
        assert principal is not None
        await attendee_lists.forward(
            cme_app.state.plugin_manager,
            principal,
            submitted["list_id"],
            SelectionIn(entry_ids=[submitted["entries"][0]["id"]]),
        )
        row = await AttendeeList.select().where(AttendeeList.id == submitted["list_id"]).first()
    # Beijing (the core's default rule) accepts a late list and flags it
    assert row["late"] is (not accepted)
    assert row["status"] == "submitted"


@pytest.mark.db
async def test_jiangsu_refuses_a_list_sent_on_after_two_weeks(
    cme_app, cme_client, tenant_factory, account_factory, login
):

    tenant = await tenant_factory(slug="gamma", plugin="jiangsu", name="丙省继教委")
    world = await build_world(tenant, account_factory, "C")
    start = (clock.now() - timedelta(days=2)).replace(microsecond=0)
    venue = await build_venue(world, account_factory, starts=start, learners=1)
    for action, at in (("check_in", start), ("check_out", start + timedelta(hours=3))):
        done = await redeem(cme_app, venue, code_for(venue, action, 0), at, answers=JIANGSU_ANSWERS)
        assert done.outcome == "accepted"
    await login(cme_client, tenant, "owner")
    submitted = ok(await cme_client.post(f"/t/gamma/api/project-runs/{venue.run_id}/attendee-list"))
    late = date.fromisoformat(submitted["deadline"]) + timedelta(days=1)
    with scope(tenant), clock.frozen_today(late):
        principal = await load_principal_by_id(world.accounts["institution"])
        assert principal is not None
        with pytest.raises(Exception) as refused_late:
            await attendee_lists.forward(
                cme_app.state.plugin_manager, principal, submitted["list_id"], SelectionIn(entry_ids=[])
            )
    assert "已超过学员名单上报期限" in str(refused_late.value)
    with scope(tenant):
        row = await AttendeeList.select().where(AttendeeList.id == submitted["list_id"]).first()
        assert row["status"] == "submitted" and not row["late"]
        assert (
            await AttendeeEntry.count().where(AttendeeEntry.selected.eq(True)) == 1
        )  # the choice rolled back


@pytest.mark.db
async def test_others_cannot_see_or_act_on_the_list(cme_client, held, login, other_world, account_factory):
    await login(cme_client, held.world.tenant, "owner")
    list_id = ok(await cme_client.post(f"{API}/project-runs/{held.run_id}/attendee-list"))["list_id"]
    await login(cme_client, held.world.tenant, "learner")
    refused(await cme_client.get(f"{API}/project-runs/{held.run_id}/attendance"), 403)
    refused(await cme_client.post(f"{API}/attendee-lists/{list_id}/forward", json={"entry_ids": []}), 403)
    await login(cme_client, other_world.tenant, "institution")
    refused(await cme_client.get(f"/t/beta/api/project-runs/{held.run_id}/attendance"), 404)
    refused(
        await cme_client.post(f"/t/beta/api/attendee-lists/{list_id}/forward", json={"entry_ids": []}), 404
    )
