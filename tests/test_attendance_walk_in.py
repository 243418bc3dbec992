"""Registering at the venue (现场登记, Jiangsu 004 §2.1): a visitor's scan opens the 学员信息 form; a valid
form checks in a person of the registry (matched by ID number) or an external attendee; a form with
mistakes stores nothing; checking out asks the same ID number and phone and the questionnaire; the list
and the grant carry external attendees bound to their ID number. Provinces without walk-in send a visitor
to sign in; the scan page's token keeps a rotating code valid while the learner signs in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from attendance_kit import Venue, build_venue
from cme_platform import clock, pii
from cme_platform.attendance.codes import OPENED_GRACE, opened_token
from cme_platform.attendance.scan import open_code
from cme_platform.attendance.tables import Attendance, ExternalAttendee, ScanRecord
from cme_platform.errors import DomainError
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.personnel.demo import resident_id
from cme_platform.personnel.service import document_columns
from cme_platform.personnel.tables import Person
from cme_platform.projects import attendee_lists
from cme_platform.projects.tables import AttendeeEntry, ProjectRun
from cme_platform.settings import get_settings
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.pytest_plugin import form_value
from cme_platform.testkit.world import build_world
from test_attendance_scan import JIANGSU_ANSWERS, SECRET, START, code_for, redeem, step_at

EXTERNAL_ID = resident_id(clock.today().replace(year=1985, month=3, day=9), 41)
OTHER_ID = resident_id(clock.today().replace(year=1990, month=7, day=1), 12)


@pytest.fixture
async def jiangsu(cme_app, tenant_factory, account_factory) -> Venue:
    """A Jiangsu run whose codes are valid from an hour ago for two hours (its application's period)."""
    tenant = await tenant_factory(slug="gamma", plugin="jiangsu", name="丙省继教委")
    world = await build_world(tenant, account_factory, "C")
    now = clock.now()
    venue = await build_venue(world, account_factory, starts=now - timedelta(hours=2, minutes=30))
    with scope(tenant):
        await ProjectRun.update(
            {
                ProjectRun.codes_from: now - timedelta(hours=1),
                ProjectRun.codes_until: now + timedelta(hours=1),
            }
        ).where(ProjectRun.id == venue.run_id)
    return venue


def page_code(venue: Venue, action: str = "check_in") -> str:
    return code_for(venue, action, 0, secret=get_settings().secret_key)


FORM = {
    "name": "王登记",
    "phone": "13912345678",
    "gender": "女",
    "age": "38",
    "unit": "苏州市立医院",
    "department": "心内科",
    "unit_place": "苏州",
    "grassroots": "false",
    "title": "主治医师",
}


async def send(client: Any, venue: Venue, action: str, **fields: Any) -> Any:
    """Open the scan page as a visitor and send its walk-in form with ``fields``."""
    path = f"/t/gamma/attendance/scan/{page_code(venue, action)}"
    page = await client.get(path)
    assert page.status_code == 200 and "现场登记" in page.text, page.text[:300]
    form = {"_csrf": form_value(page.text, "_csrf"), "opened": form_value(page.text, "opened"), **fields}
    return await client.post(f"{path}/walk-in", data=form)


async def stored(venue: Venue) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with scope(venue.world.tenant):
        return await ExternalAttendee.select(), await Attendance.select()


@pytest.mark.db
async def test_a_visitor_registers_at_the_venue_and_checks_out_with_the_questionnaire(cme_client, jiangsu):
    bad = await send(cme_client, jiangsu, "check_in", id_number="320102198503090000", **FORM)
    assert bad.status_code == 400 and "身份证号码校验位不正确" in bad.text
    missing = await send(cme_client, jiangsu, "check_in", id_number=EXTERNAL_ID, name="王登记", phone="139")
    assert missing.status_code == 400
    assert "请填写11位手机号" in missing.text and "请填写单位" in missing.text
    assert await stored(jiangsu) == ([], [])
    done = await send(cme_client, jiangsu, "check_in", id_number=EXTERNAL_ID, **FORM)
    assert done.status_code == 200 and "签到成功" in done.text
    again = await send(
        cme_client, jiangsu, "check_in", id_number=EXTERNAL_ID, **{**FORM, "unit": "苏大附一院"}
    )
    assert "无需重复扫码" in again.text
    externals, rows = await stored(jiangsu)
    assert len(externals) == 1 and len(rows) == 1 and rows[0]["external"] == externals[0]["id"]
    external = externals[0]
    assert external["id_hash"] == pii.lookup_hash(EXTERNAL_ID) and EXTERNAL_ID not in external["id_sealed"]
    assert external["unit"] == "苏大附一院" and external["grassroots"] is False and external["age"] == 38
    # checking out: the same ID number and phone, and the questionnaire
    wrong = await send(cme_client, jiangsu, "check_out", id_number=EXTERNAL_ID, phone="13900000000")
    assert wrong.status_code == 400 and "身份证号码与手机号不匹配" in wrong.text
    stranger = await send(cme_client, jiangsu, "check_out", id_number=OTHER_ID, phone=FORM["phone"])
    assert stranger.status_code == 400 and "身份证号码与手机号不匹配" in stranger.text  # the same answer
    # someone else cannot take over his registration with his ID number and another phone
    taken = await send(
        cme_client,
        jiangsu,
        "check_in",
        id_number=EXTERNAL_ID,
        **{**FORM, "name": "冒名者", "phone": "13700000000"},
    )
    assert taken.status_code == 400 and "身份证号码与手机号不匹配" in taken.text
    unanswered = await send(cme_client, jiangsu, "check_out", id_number=EXTERNAL_ID, phone=FORM["phone"])
    assert unanswered.status_code == 400 and "请先完成调查问卷" in unanswered.text
    out = await send(
        cme_client, jiangsu, "check_out", id_number=EXTERNAL_ID, phone=FORM["phone"], **JIANGSU_ANSWERS
    )
    assert out.status_code == 200 and "撤离成功" in out.text
    _, rows = await stored(jiangsu)
    assert rows[0]["checked_out_at"] is not None and rows[0]["checked_in_via"] == "walk_in"
    with scope(jiangsu.world.tenant):
        reasons = [r["reason"] for r in await ScanRecord.select(ScanRecord.reason).order_by(ScanRecord.id)]
    assert reasons == [
        "invalid_form",
        "invalid_form",
        "",
        "already_checked_in",
        "identity_mismatch",
        "identity_mismatch",
        "identity_mismatch",
        "incomplete_answers",
        "",
    ]


@pytest.mark.db
async def test_a_person_of_the_registry_is_matched_by_id_number_and_the_list_binds_externals(
    cme_app, cme_client, jiangsu
):
    venue = jiangsu
    number = resident_id(clock.today().replace(year=1979, month=11, day=2), 17)
    person = {"id": venue.people["learner"]}
    with scope(venue.world.tenant):
        await Person.update({Person.phone: "13811112222", **document_columns(number)}).where(
            Person.id == person["id"]
        )
    mismatch = await send(cme_client, venue, "check_in", id_number=number, **FORM)
    assert "身份证号码与手机号不匹配" in mismatch.text
    matched = await send(cme_client, venue, "check_in", id_number=number, **{**FORM, "phone": "13811112222"})
    assert "签到成功" in matched.text
    await send(cme_client, venue, "check_in", id_number=EXTERNAL_ID, **FORM)
    externals, rows = await stored(venue)
    assert len(externals) == 1
    assert {(r["person"], r["external"]) for r in rows} == {(person["id"], None), (None, externals[0]["id"])}
    for who, phone in ((number, "13811112222"), (EXTERNAL_ID, FORM["phone"])):
        out = await send(cme_client, venue, "check_out", id_number=who, phone=phone, **JIANGSU_ANSWERS)
        assert "撤离成功" in out.text
    # the list: both attendees; the grant posts the person's credit and binds the external's to his ID
    with scope(venue.world.tenant):
        owner = await load_principal_by_id(venue.world.accounts["owner"])
        institution = await load_principal_by_id(venue.world.accounts["institution"])
        commission = await load_principal_by_id(venue.world.accounts["commission"])
    pm = cme_app.state.plugin_manager
    later = clock.now() + timedelta(hours=1)  # the session ended 30 minutes ago
    with scope(venue.world.tenant), clock.frozen_now(later):
        submitted = await attendee_lists.submit_list(pm, owner, venue.run_id)
        external_entry = next(e for e in submitted.entries if e.external)
        assert external_entry.name == "王登记" and external_entry.institution_name == FORM["unit"]
        assert external_entry.id_masked == pii.mask_document(EXTERNAL_ID)
        everyone = attendee_lists.SelectionIn(entry_ids=[e.id for e in submitted.entries if e.id])
        await attendee_lists.forward(pm, institution, submitted.list_id, everyone)
        await attendee_lists.approve(pm, commission, submitted.list_id)
        entries = await AttendeeEntry.select().order_by(AttendeeEntry.id)
    assert all(e["granted_at"] is not None for e in entries)
    assert {e["person"] is not None: e["credit"] is not None for e in entries} == {True: True, False: False}


@pytest.mark.db
async def test_a_province_without_walk_in_sends_a_visitor_to_sign_in_with_the_opened_token(
    cme_client, world, account_factory
):
    venue = await build_venue(world, account_factory, starts=clock.now())
    code = code_for(venue, step=step_at(clock.now()), secret=get_settings().secret_key)
    answer = await cme_client.get(f"/t/alpha/attendance/scan/{code}", follow_redirects=False)
    assert answer.status_code == 303
    target = answer.headers["location"]
    assert target.startswith("/t/alpha/login?next=") and "opened" in target
    refused_form = await cme_client.post(f"/t/alpha/attendance/scan/{code}/walk-in", data={})
    assert refused_form.status_code in (400, 403, 409)
    with scope(world.tenant):
        assert await ExternalAttendee.count() == 0 and await Attendance.count() == 0


@pytest.mark.db
async def test_a_rotating_code_counts_from_its_opening_for_three_minutes(cme_app, world, account_factory):
    venue = await build_venue(world, account_factory, starts=START)
    text = code_for(venue, step=step_at(START))
    token = opened_token(SECRET, world.tenant.id, text, START)
    pm = cme_app.state.plugin_manager
    with scope(world.tenant):
        learner = await load_principal_by_id(world.accounts["learner"])
    later = START + timedelta(seconds=100)  # two steps later: the code alone has expired
    with scope(world.tenant), clock.frozen_now(later):
        with pytest.raises(DomainError) as expired:
            await open_code(pm, learner, text, secret=SECRET)
        assert expired.value.code == "expired_step"
        checked, kept = await open_code(pm, learner, text, secret=SECRET, opened=token)
        assert kept == token and checked.since == START
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        with pytest.raises(DomainError):
            await open_code(pm, learner, text, secret=SECRET, opened=forged)
    assert (await redeem(cme_app, venue, text, later, answers=None)) == "expired_step"
    too_late = START + OPENED_GRACE + timedelta(seconds=1)
    with scope(world.tenant), clock.frozen_now(too_late), pytest.raises(DomainError):
        await open_code(pm, learner, text, secret=SECRET, opened=token)
