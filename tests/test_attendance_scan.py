"""Scanning check-in and check-out codes: every refusal reason, the window's edges, rotation with a movable
clock, one row per person and session whatever the retries and concurrency, and every scan logged."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from api_kit import ok, refused
from attendance_kit import Venue, build_venue
from cme_platform import clock, events
from cme_platform.attendance import scan
from cme_platform.attendance.codes import Code, CodeError, Refusal, make_code, read_code, rotation_step
from cme_platform.attendance.records import questionnaire_report
from cme_platform.attendance.tables import Answer, Attendance, ScanRecord
from cme_platform.errors import DomainError
from cme_platform.events import AttendanceRecorded
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.personnel.tables import Person
from cme_platform.projects.attendance import KIND
from cme_platform.projects.states import RunStatus
from cme_platform.projects.tables import ProjectRun
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import build_world

SECRET = "attendance-test-secret"
START = datetime(2026, 5, 10, 9, 0, tzinfo=clock.CHINA)
API = "/t/alpha/api"


def code_for(
    venue: Venue, action: str = "check_in", step: int = 0, *, secret: str = SECRET, **changes: Any
) -> str:
    values: dict[str, Any] = {
        "tenant_id": venue.world.tenant.id,
        "kind": KIND,
        "session_id": venue.session_ids[0],
        "action": action,
        "step": step,
    }
    return make_code(secret, Code(**(values | changes)))


def step_at(moment: datetime, seconds: int = 30) -> int:
    return rotation_step(moment.timestamp(), seconds)


async def redeem(
    app: Any,
    venue: Venue,
    text: str,
    at: datetime,
    who: str = "learner",
    answers: dict[str, list[str]] | None = None,
) -> Any:
    """Scan ``text`` as ``who`` at ``at`` (with the questionnaire's ``answers``): the result, or the
    refusal's code."""
    pm = app.state.plugin_manager
    with scope(venue.world.tenant), clock.frozen_now(at):
        principal = await load_principal_by_id(venue.world.accounts[who])
        assert principal is not None
        try:
            return await scan.scan(pm, principal, text, secret=SECRET, answers=answers)
        except DomainError as exc:
            return exc.code


async def scans(venue: Venue) -> list[tuple[str, str]]:
    with scope(venue.world.tenant):
        rows = await ScanRecord.select(ScanRecord.outcome, ScanRecord.reason).order_by(ScanRecord.id)
    return [(r["outcome"], r["reason"]) for r in rows]


async def attendance(venue: Venue) -> list[dict[str, Any]]:
    with scope(venue.world.tenant):
        return await Attendance.select().order_by(Attendance.id)


@pytest.fixture
async def venue(world, account_factory) -> Venue:
    return await build_venue(world, account_factory, starts=START)


def test_a_code_reads_back_and_any_change_to_it_is_forged():
    code = Code(tenant_id=3, kind="project", session_id=42, action="check_out", step=12345)
    text = make_code(SECRET, code)
    assert read_code(SECRET, text, 3) == code
    assert len(text) < 80
    for altered in (
        text.replace(".42.", ".43."),
        text.replace(".o.", ".i."),
        text[:-1] + ("A" if text[-1] != "A" else "B"),
    ):
        with pytest.raises(CodeError) as refused_code:
            read_code(SECRET, altered, 3)
        assert refused_code.value.refusal is Refusal.FORGED
    with pytest.raises(CodeError) as other:
        read_code(SECRET, text, 4)
    assert other.value.refusal is Refusal.OTHER_TENANT
    with pytest.raises(CodeError) as wrong_key:
        read_code("another-secret", text, 3)
    assert wrong_key.value.refusal is Refusal.FORGED
    for junk in ("", "a1", "a1.3.project.42.x.1.AAAAAAAAAAAAAAAAAAAAAA", "x" * 500, text + "\x00"):
        with pytest.raises(CodeError) as malformed:
            read_code(SECRET, junk, 3)
        assert malformed.value.refusal is Refusal.MALFORMED


@pytest.mark.db
async def test_check_in_and_out_are_recorded_once_and_a_repeat_shows_the_original_time(cme_app, venue):
    step = step_at(START)
    first = await redeem(cme_app, venue, code_for(venue, step=step), START)
    assert first.outcome == "accepted" and first.action_label == "签到"
    again = await redeem(cme_app, venue, code_for(venue, step=step), START + timedelta(seconds=20))
    assert again.outcome == "repeated" and again.checked_in_at == first.checked_in_at
    assert "无需重复扫码" in again.message
    end = START + timedelta(hours=3)
    out = await redeem(cme_app, venue, code_for(venue, "check_out", step_at(end)), end)
    assert out.outcome == "accepted" and out.checked_out_at == end
    out_again = await redeem(
        cme_app, venue, code_for(venue, "check_out", step_at(end)), end + timedelta(seconds=5)
    )
    assert out_again.outcome == "repeated" and out_again.checked_out_at == end
    rows = await attendance(venue)
    assert len(rows) == 1 and rows[0]["checked_in_at"] == START and rows[0]["checked_out_at"] == end
    assert await scans(venue) == [
        ("accepted", ""),
        ("repeated", "already_checked_in"),
        ("accepted", ""),
        ("repeated", "already_checked_out"),
    ]


@pytest.mark.db
async def test_a_first_check_in_or_out_raises_one_event_and_a_repeat_none(cme_app, venue, monkeypatch):
    heard: list[Any] = []

    async def deliver(raised: list[Any]) -> None:
        heard.extend(raised)

    monkeypatch.setattr(events, "deliver", deliver)
    end = START + timedelta(hours=3)
    refused_out = await redeem(cme_app, venue, code_for(venue, "check_out", step_at(end)), end)
    assert refused_out == Refusal.NOT_CHECKED_IN.value and heard == []
    await redeem(cme_app, venue, code_for(venue, step=step_at(START)), START)
    await redeem(cme_app, venue, code_for(venue, step=step_at(START)), START + timedelta(seconds=5))
    await redeem(cme_app, venue, code_for(venue, "check_out", step_at(end)), end)
    await redeem(cme_app, venue, code_for(venue, "check_out", step_at(end)), end + timedelta(seconds=5))
    assert [(e.hook, e.tenant.slug) for e in heard] == [("cme_attendance_recorded", "alpha")] * 2
    person = venue.people["learner"]
    common = {"session_kind": KIND, "session_id": venue.session_ids[0], "group_id": venue.run_id}
    assert [e.payload["record"] for e in heard] == [
        AttendanceRecorded(
            **common, action="check_in", via="qr", person_id=person, external_id=None, at=START
        ),
        AttendanceRecorded(
            **common, action="check_out", via="qr", person_id=person, external_id=None, at=end
        ),
    ]


@pytest.mark.db
async def test_every_refusal_is_logged_and_records_nothing(cme_app, venue, other_world):
    at = START
    step = step_at(at)
    cases = [
        ("garbage", Refusal.MALFORMED),
        (code_for(venue, step=step)[:-2] + "zz", Refusal.FORGED),
        (code_for(venue, step=step, tenant_id=other_world.tenant.id), Refusal.OTHER_TENANT),
        (code_for(venue, step=step, session_id=999_999), Refusal.UNKNOWN_SESSION),
        (code_for(venue, step=0), Refusal.WRONG_MODE),
        (code_for(venue, step=step - 2), Refusal.EXPIRED_STEP),
        (code_for(venue, "check_out", step), Refusal.NOT_CHECKED_IN),
    ]
    for text, reason in cases:
        when = at + timedelta(hours=3) if reason is Refusal.NOT_CHECKED_IN else at
        if reason is Refusal.NOT_CHECKED_IN:
            text = code_for(venue, "check_out", step_at(when))
        assert await redeem(cme_app, venue, text, when) == reason.value, reason
    assert await attendance(venue) == []
    assert await scans(venue) == [("refused", reason.value) for _, reason in cases]


@pytest.mark.db
async def test_an_unapproved_run_and_a_learner_without_a_person_are_refused(cme_app, world, account_factory):
    venue = await build_venue(world, account_factory, starts=START, status=RunStatus.SUBMITTED.value)
    assert await redeem(cme_app, venue, code_for(venue, step=step_at(START)), START) == Refusal.NOT_OPEN
    assert await redeem(cme_app, venue, code_for(venue, step=step_at(START)), START, "commission") in (
        Refusal.NOT_OPEN
    )


@pytest.mark.db
async def test_the_window_includes_its_edges_and_nothing_beyond(cme_app, venue):
    opens, closes = START - timedelta(minutes=30), START + timedelta(minutes=30)
    second = timedelta(seconds=1)
    assert (
        await redeem(cme_app, venue, code_for(venue, step=step_at(opens - second)), opens - second)
        == "too_early"
    )
    assert (
        await redeem(cme_app, venue, code_for(venue, step=step_at(closes + second)), closes + second)
        == "too_late"
    )
    assert (await redeem(cme_app, venue, code_for(venue, step=step_at(opens)), opens)).outcome == "accepted"
    end = START + timedelta(hours=3)
    late = end + timedelta(minutes=60)
    assert (
        await redeem(cme_app, venue, code_for(venue, "check_out", step_at(late)), late)
    ).outcome == "accepted"
    assert (
        await redeem(
            cme_app,
            venue,
            code_for(venue, "check_out", step_at(late + second), session_id=venue.session_ids[0]),
            late + second,
            "learner2",
        )
        == "too_late"
    )


@pytest.mark.db
async def test_rotation_accepts_the_current_and_previous_step_only(cme_app, venue):
    at = START + timedelta(seconds=7)
    current = step_at(at)
    assert (await redeem(cme_app, venue, code_for(venue, step=current - 1), at)).outcome == "accepted"
    assert (await redeem(cme_app, venue, code_for(venue, step=current), at, "learner2")).outcome == "accepted"
    later = at + timedelta(seconds=60)
    assert await redeem(cme_app, venue, code_for(venue, step=current), later, "learner2") == "expired_step"
    assert await redeem(cme_app, venue, code_for(venue, step=step_at(later) + 1), later) == "expired_step"


@pytest.mark.db
async def test_a_static_province_refuses_rotating_codes_and_accepts_its_printed_ones(
    cme_app, tenant_factory, account_factory
):
    tenant = await tenant_factory(slug="gamma", plugin="jiangsu", name="丙省继教委")
    world = await build_world(tenant, account_factory, "C")
    venue = await build_venue(world, account_factory, starts=START)
    assert await redeem(cme_app, venue, code_for(venue, step=step_at(START)), START) == "wrong_mode"
    assert (await redeem(cme_app, venue, code_for(venue, step=0), START)).outcome == "accepted"


@pytest.mark.db
async def test_concurrent_scans_of_many_people_make_exactly_one_row_each(
    cme_app, cme_client, world, account_factory, login
):
    venue = await build_venue(world, account_factory, starts=clock.now(), learners=4)
    await login(cme_client, world.tenant, "owner")
    display = ok(await cme_client.get(f"{API}/attendance/sessions/{KIND}/{venue.session_ids[0]}/display"))
    assert display["rotating"] and len(display["codes"]) == 2 and "<svg" in display["codes"][0]["svg"]
    code = display["codes"][0]["url"].rsplit("/", 1)[1]
    phones = []
    for index, name in enumerate(venue.people):
        transport = httpx.ASGITransport(app=cme_app, client=(f"10.0.0.{index + 1}", 50000))
        phone = httpx.AsyncClient(transport=transport, base_url="http://testserver.local")
        await login(phone, world.tenant, name)
        phones.append(phone)
    try:
        # every learner scans five times at once (the retries of an unsteady phone)
        answers = await asyncio.gather(
            *(
                phone.post(f"{API}/attendance/scans", json={"code": code})
                for phone in phones
                for _ in range(5)
            )
        )
    finally:
        for phone in phones:
            await phone.aclose()
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.status_code != 200]
    outcomes = [a.json()["outcome"] for a in answers]
    assert outcomes.count("accepted") == 4 and outcomes.count("repeated") == 16
    rows = await attendance(venue)
    assert sorted(r["person"] for r in rows) == sorted(venue.people.values())
    counts = ok(await cme_client.get(f"{API}/attendance/sessions/{KIND}/{venue.session_ids[0]}/counts"))
    assert counts == {"checked_in": 4, "checked_out": 0, "refused": 0}


@pytest.fixture
async def jiangsu_venue(tenant_factory, account_factory) -> Venue:
    tenant = await tenant_factory(slug="gamma", plugin="jiangsu", name="丙省继教委")
    world = await build_world(tenant, account_factory, "C")
    return await build_venue(world, account_factory, starts=START)


ANSWERS = {"q1": ["是"], "q2": ["部分知道"], "q3": ["很大"], "q4": ["满意"], "q5": ["满意"], "q6": ["一般"]}
JIANGSU_ANSWERS = {**ANSWERS, "q7": ["开阔思路", "提高理论水平"]}
"""A complete answer to Jiangsu's check-out questionnaire."""


async def check_out(
    app: Any, venue: Venue, answers: dict[str, list[str]] | None, who: str = "learner"
) -> Any:
    end = START + timedelta(hours=3)
    pm = app.state.plugin_manager
    with scope(venue.world.tenant), clock.frozen_now(end):
        principal = await load_principal_by_id(venue.world.accounts[who])
        assert principal is not None
        try:
            return await scan.scan(
                pm, principal, code_for(venue, "check_out"), secret=SECRET, answers=answers
            )
        except DomainError as exc:
            return exc


@pytest.mark.db
async def test_a_check_out_waits_for_a_complete_questionnaire_whose_answers_are_anonymous(
    cme_app, jiangsu_venue
):
    venue = jiangsu_venue
    assert (await redeem(cme_app, venue, code_for(venue), START)).outcome == "accepted"
    missing = await check_out(cme_app, venue, {"q1": ["是"]})
    assert missing.code == "incomplete_answers" and "调查问卷" in missing.message
    assert {e.field for e in missing.errors} == {"q2", "q3", "q4", "q5", "q6", "q7"}
    wrong = await check_out(cme_app, venue, {**ANSWERS, "q1": ["也许"], "q7": ["开阔思路"]})
    assert {e.field: e.message for e in wrong.errors} == {
        "q1": "选项无效：认为本项目讲授主要内容是本学科最新发展、最新成果或亟待解决的问题",
        "q7": "请选择 2 项：通过本项目学习，感到收获最大的是（选两项）",
    }
    assert (await attendance(venue))[0]["checked_out_at"] is None
    done = await check_out(cme_app, venue, {**ANSWERS, "q7": ["开阔思路", "提高理论水平"]})
    assert done.outcome == "accepted"
    again = await check_out(cme_app, venue, None)  # a repeat needs no second questionnaire and adds none
    assert again.outcome == "repeated"
    with scope(venue.world.tenant):
        stored = await Answer.select()
        report = await questionnaire_report(cme_app.state.plugin_manager, KIND, venue.run_id)
    assert len(stored) == 8 and all("person" not in row and "account" not in row for row in stored)
    assert [q.respondents for q in report] == [1] * 7
    assert {o.option: o.count for o in report[6].options}["提高理论水平"] == 1
    assert [outcome for outcome, _ in await scans(venue)] == [
        "accepted",
        "refused",
        "refused",
        "accepted",
        "repeated",
    ]


@pytest.mark.db
async def test_a_runs_own_code_period_replaces_the_provinces_windows(cme_app, world, account_factory):
    venue = await build_venue(world, account_factory, starts=START)
    opens, closes = START - timedelta(hours=3), START + timedelta(hours=8)
    with scope(world.tenant):
        await ProjectRun.update({ProjectRun.codes_from: opens, ProjectRun.codes_until: closes}).where(
            ProjectRun.id == venue.run_id
        )
    early = START - timedelta(hours=2)
    assert (await redeem(cme_app, venue, code_for(venue, step=step_at(early)), early)).outcome == "accepted"
    late = closes + timedelta(seconds=1)
    assert await redeem(cme_app, venue, code_for(venue, "check_out", step_at(late)), late) == "too_late"
    assert (await redeem(cme_app, venue, code_for(venue, "check_out", step_at(closes)), closes)).outcome == (
        "accepted"
    )


@pytest.mark.db
async def test_staff_record_a_card_where_the_province_allows_it(
    cme_client, world, other_world, account_factory, login
):
    venue = await build_venue(world, account_factory, starts=clock.now())
    with scope(world.tenant):
        await Person.update({Person.ic_card: "8800123"}).where(Person.id == venue.people["learner"])
        number = (
            await Person.select(Person.person_number).where(Person.id == venue.people["learner2"]).first()
        )["person_number"]
    session = venue.session_ids[0]
    url = f"{API}/attendance/sessions/{KIND}/{session}/cards"
    await login(cme_client, world.tenant, "owner")
    first = ok(await cme_client.post(url, json={"card": "8800123"}))
    assert first["scan"]["outcome"] == "accepted" and first["name"]
    assert ok(await cme_client.post(url, json={"card": "8800123"}))["scan"]["outcome"] == "repeated"
    assert ok(await cme_client.post(url, json={"card": number}))["scan"]["outcome"] == "accepted"
    assert (
        refused(await cme_client.post(url, json={"card": "0000"}), 404)["message"]
        == "没有找到该卡号或人员编号对应的人员"
    )
    refused(await cme_client.post(url, json={"card": "12 34"}), 400)
    refused(await cme_client.post(url, json={"card": "8800123", "action": "leave"}), 400)
    rows = await attendance(venue)
    assert {r["checked_in_via"] for r in rows} == {"card"} and len(rows) == 2
    await login(cme_client, world.tenant, "learner")
    refused(await cme_client.post(url, json={"card": "8800123"}), 403)
    # Zhejiang has no card sign-in
    zj = await build_venue(other_world, account_factory, starts=clock.now())
    await login(cme_client, other_world.tenant, "owner")
    body = refused(
        await cme_client.post(
            f"/t/beta/api/attendance/sessions/{KIND}/{zj.session_ids[0]}/cards", json={"card": "1"}
        ),
        409,
    )
    assert "未启用刷卡签到" in body["message"]
