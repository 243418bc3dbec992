"""外省人员证书查询 (Zhejiang 003 §10.2): someone from another province registers at the venue (现场登记), the
grant issues his certificate bound to his ID number, and he lists and prints it after giving his ID number
and phone and the SMS code; the access opens his certificates only, nothing else, for half an hour."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from api_kit import sign_out
from attendance_kit import Venue, build_venue
from cme_platform import clock
from cme_platform.certificates.tables import Certificate
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.personnel.demo import resident_id
from cme_platform.projects import attendee_lists
from cme_platform.settings import get_settings
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.pytest_plugin import captcha_answer, form_value
from cme_platform.testkit.world import build_world
from pdf_kit import pdf_fonts, pdf_text
from test_attendance_scan import code_for, step_at
from test_sms import last_code

EXTERNAL_ID = resident_id(clock.today().replace(year=1984, month=5, day=6), 23)
PHONE = "13955556666"
PAGE = "/t/zeta/certificates/external"


@pytest.fixture
async def granted_visitor(cme_app, cme_client, tenant_factory, account_factory) -> Venue:
    """A Zhejiang run that a visitor from another province attended (现场登记) and was granted."""
    tenant = await tenant_factory(slug="zeta", plugin="zhejiang", name="戊省继教委")
    world = await build_world(tenant, account_factory, "Z")
    now = clock.now()
    start = (now - timedelta(hours=4)).replace(microsecond=0)
    venue = await build_venue(world, account_factory, starts=start, length=timedelta(hours=3))
    visitor = {"id_number": EXTERNAL_ID, "name": "周外省", "phone": PHONE}
    check_in = {**visitor, "gender": "男", "unit": "上海市第一医院", "unit_place": "上海"}
    scans = (
        ("check_in", start, check_in),
        ("check_out", start + timedelta(hours=3), {"id_number": EXTERNAL_ID, "phone": PHONE}),
    )
    for action, moment, fields in scans:
        with clock.frozen_now(moment):
            code = code_for(venue, action, step_at(moment), secret=get_settings().secret_key)
            page = await cme_client.get(f"/t/zeta/attendance/scan/{code}")
            assert "现场登记" in page.text, page.text[-900:]
            form = {"_csrf": form_value(page.text, "_csrf"), "opened": form_value(page.text, "opened")}
            done = await cme_client.post(f"/t/zeta/attendance/scan/{code}/walk-in", data={**form, **fields})
        assert ("签到成功" if action == "check_in" else "撤离成功") in done.text, done.text[-900:]
    with scope(tenant):
        owner, institution, commission = [
            await load_principal_by_id(world.accounts[name])
            for name in ("owner", "institution", "commission")
        ]
    pm = cme_app.state.plugin_manager
    with scope(tenant), clock.frozen_now(now + timedelta(hours=1)):
        submitted = await attendee_lists.submit_list(pm, owner, venue.run_id)
        everyone = attendee_lists.SelectionIn(entry_ids=[e.id for e in submitted.entries if e.id])
        await attendee_lists.forward(pm, institution, submitted.list_id, everyone)
        await attendee_lists.approve(pm, commission, submitted.list_id)
    return venue


async def _send(client: Any, phone: str = PHONE, id_number: str = EXTERNAL_ID) -> Any:
    page = await client.get(PAGE)
    token = form_value(page.text, "captcha_token")
    return await client.post(
        f"{PAGE}/send",
        data={
            "id_number": id_number,
            "phone": phone,
            "_csrf": form_value(page.text, "_csrf"),
            "captcha_token": token,
            "captcha": await captcha_answer(token),
        },
    )


def form_fields(page: Any) -> dict[str, str]:
    """The hidden fields of the code form of ``page``."""
    return {name: form_value(page.text, name) for name in ("id_number", "phone", "_csrf")}


async def _open(client: Any, page: Any, code: str) -> Any:
    return await client.post(PAGE, data={**form_fields(page), "code": code}, follow_redirects=False)


@pytest.mark.db
async def test_a_visitor_from_another_province_prints_his_certificate_and_reaches_nothing_else(
    cme_client, granted_visitor, caplog
):
    with scope(granted_visitor.world.tenant):
        [held] = await Certificate.select().where(Certificate.external.is_not_null())
    assert held["person"] is None and held["credit"] is None and held["source_type"] == "attendee_entry"
    sign_out(cme_client)
    # the wrong phone gets the same answer, and no code is texted to anyone
    caplog.clear()
    wrong = await _send(cme_client, phone="13900001111")
    assert wrong.status_code == 200 and "验证码已发送至该手机" in wrong.text
    assert not any("13900001111"[-4:] in r.getMessage() for r in caplog.records if "SMS to" in r.getMessage())
    refused_code = await _open(cme_client, wrong, "123456")
    assert refused_code.status_code == 400 and "验证码错误" in refused_code.text
    assert (await cme_client.get(f"{PAGE}/{held['id']}/pdf")).status_code == 404
    sent = await _send(cme_client)
    assert "验证码已发送至该手机" in sent.text
    opened = await _open(cme_client, sent, last_code(caplog, PHONE))
    assert opened.status_code == 303
    page = await cme_client.get(PAGE)
    assert held["number"] in page.text and "下载打印" in page.text
    pdf = await cme_client.get(f"{PAGE}/{held['id']}/pdf")
    assert pdf.status_code == 200 and all(font[-5] == "yes" for font in pdf_fonts(pdf.content))
    assert "周外省" in pdf_text(pdf.content)
    # it is no sign-in: the learner's pages and the API refuse, another certificate is not his
    assert (await cme_client.get("/t/zeta/api/certificates")).status_code == 401
    assert (await cme_client.get("/t/zeta/certificates", follow_redirects=False)).status_code in (
        302,
        303,
        401,
    )
    assert (await cme_client.get(f"{PAGE}/{held['id'] + 1000}/pdf")).status_code == 404
    # the code was used up (the session's CSRF token is new since the code opened it); leaving closes it
    fresh = {"_csrf": form_value(page.text, "_csrf"), "id_number": EXTERNAL_ID, "phone": PHONE}
    again = await cme_client.post(PAGE, data={**fresh, "code": last_code(caplog, PHONE)})
    assert again.status_code == 400 and "验证码错误" in again.text
    assert (await cme_client.post(PAGE, data={**form_fields(sent), "code": "000000"})).status_code == 403
    await cme_client.post(f"{PAGE}/leave", data={"_csrf": form_value(page.text, "_csrf")})
    assert (await cme_client.get(f"{PAGE}/{held['id']}/pdf")).status_code == 404


@pytest.mark.db
async def test_the_access_ends_after_half_an_hour_and_only_where_offered(
    cme_client, granted_visitor, caplog, world, monkeypatch
):
    sign_out(cme_client)
    sent = await _send(cme_client)
    assert (await _open(cme_client, sent, last_code(caplog, PHONE))).status_code == 303
    with scope(granted_visitor.world.tenant):
        [held] = await Certificate.select(Certificate.id).where(Certificate.external.is_not_null())
    assert (await cme_client.get(f"{PAGE}/{held['id']}/pdf")).status_code == 200
    later = time.time() + 31 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert (await cme_client.get(f"{PAGE}/{held['id']}/pdf")).status_code == 404
    # Beijing (tenant alpha) offers no such page
    assert (await cme_client.get("/t/alpha/certificates/external")).status_code == 404
    bad = await _send(cme_client, id_number="110105199003071230")  # a wrong check digit
    assert bad.status_code == 400 and "18 位居民身份证号码" in bad.text
