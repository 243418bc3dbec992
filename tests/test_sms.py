"""SMS codes: sign-in by code and password recovery by phone (pages, limits, audit, gateways)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity import sms, throttle
from cme_platform.identity.passwords import verify_password
from cme_platform.identity.tables import Account, LoginThrottle, SmsCode
from cme_platform.pii import mask_phone
from cme_platform.ratelimit import RateCounter
from cme_platform.testkit.pytest_plugin import captcha_answer, form_value, submit_login

PHONE = "13800138000"
NEW_PASSWORD = "Recover#2026x"
TEST_CLIENT_IP = "testclient"
"""The client address of Litestar's test client."""
CODE_RE = re.compile(r"SMS to (\d{3}\*{4}\d{4}): .*?验证码为 (\d{6})")
"""A code sent by the console gateway, which logs the phone masked (group 1) and the code (group 2)."""


@pytest.fixture
async def tenant(tenant_factory: Any, account_factory: Any, cme_scope: Any) -> Any:
    """Tenant ``alpha`` with ``alice`` (phone :data:`PHONE`) and ``bob`` (no phone)."""
    created = await tenant_factory(slug="alpha")
    alice = await account_factory(created, "alice")
    await account_factory(created, "bob")
    with cme_scope(created):
        await Account.update({Account.phone: PHONE}).where(Account.id == alice)
    return created


async def send(client: Any, path: str, phone: str = PHONE, *, captcha: str | None = None) -> Any:
    """Open ``path`` (``/t/alpha/login/sms``), fill phone and captcha and post ``…/send``."""
    page = await client.get(path)
    token = form_value(page.text, "captcha_token")
    return await client.post(
        f"{path}/send",
        data={
            "phone": phone,
            "_csrf": form_value(page.text, "_csrf"),
            "captcha_token": token,
            "captcha": await captcha_answer(token) if captcha is None else captcha,
        },
    )


def last_code(caplog: pytest.LogCaptureFixture, phone: str = PHONE) -> str:
    """The code of the last message the console gateway logged for ``phone``."""
    codes = [
        m.group(2)
        for r in caplog.records
        if (m := CODE_RE.search(r.getMessage())) and m[1] == mask_phone(phone)
    ]
    assert codes, "the console gateway logged no code"
    return codes[-1]


async def submit_code(
    client: Any, page: Any, code: str, path: str = "/t/alpha/login/sms", **extra: str
) -> Any:
    """Post the code form of ``page`` (the code step) with ``code``."""
    return await client.post(
        path,
        data={"phone": form_value(page.text, "phone"), "_csrf": form_value(page.text, "_csrf"), "code": code}
        | extra,
        follow_redirects=False,
    )


async def actions(cme_scope: Any, tenant: Any, action: str) -> list[dict[str, Any]]:
    """The tenant's audit records of ``action`` (``after`` decoded)."""
    with cme_scope(tenant):
        rows = await AuditEvent.select(AuditEvent.object_id, AuditEvent.summary, AuditEvent.after).where(
            AuditEvent.action == action
        )
    return [row | {"after": json.loads(row["after"]) if row["after"] else None} for row in rows]


@pytest.fixture(autouse=True)
def _sms_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="cme.sms")


async def test_a_code_is_logged_by_the_console_gateway_and_signs_in(
    cme_client: Any, tenant: Any, cme_scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    page = await send(cme_client, "/t/alpha/login/sms")
    assert page.status_code == 200 and sms.SENT in page.text
    record = next(r for r in caplog.records if r.name == "cme.sms")
    assert record.levelno == logging.WARNING and record.getMessage().startswith(
        f"SMS to {mask_phone(PHONE)}: "
    )
    code = last_code(caplog)
    with cme_scope(tenant):
        row = await SmsCode.select().first()
    assert row["purpose"] == "login" and code not in row["code_hash"] and len(row["code_hash"]) == 64
    assert row["expires_at"] - row["created_at"] == sms.CODE_TTL
    sent = await actions(cme_scope, tenant, "auth.sms_sent")
    assert len(sent) == 1 and sent[0]["after"]["phone"] == "138****8000" and PHONE not in sent[0]["summary"]
    response = await submit_code(cme_client, page, code)
    assert response.status_code == 303 and response.headers["location"] == "/t/alpha/"
    logins = await actions(cme_scope, tenant, "auth.login")
    assert [entry["after"]["method"] for entry in logins] == ["sms"]
    assert "alice" in (await cme_client.get("/t/alpha/")).text


async def test_a_code_works_once(cme_client: Any, tenant: Any, caplog: pytest.LogCaptureFixture) -> None:
    page = await send(cme_client, "/t/alpha/login/sms")
    code = last_code(caplog)
    assert (await submit_code(cme_client, page, code)).status_code == 303
    again = await cme_client.get(f"/t/alpha/login/sms?phone={PHONE}&step=code")
    replay = await submit_code(cme_client, again, code)
    assert replay.status_code == 400 and sms.BAD_CODE in replay.text


async def test_an_expired_code_is_refused(
    cme_client: Any, tenant: Any, cme_scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    page = await send(cme_client, "/t/alpha/login/sms")
    with cme_scope(tenant):
        await SmsCode.update({SmsCode.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
            SmsCode.phone == PHONE
        )
    response = await submit_code(cme_client, page, last_code(caplog))
    assert response.status_code == 400 and sms.BAD_CODE in response.text


async def test_wrong_codes_use_up_the_attempts(
    cme_client: Any, tenant: Any, cme_scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    page = await send(cme_client, "/t/alpha/login/sms")
    code = last_code(caplog)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    first = await submit_code(cme_client, page, wrong)
    assert first.status_code == 400 and f"还可尝试 {sms.MAX_ATTEMPTS - 1} 次" in first.text
    for _ in range(sms.MAX_ATTEMPTS - 1):
        await submit_code(cme_client, page, wrong)
    dead = await submit_code(cme_client, page, code)  # the right code, too late
    assert dead.status_code == 400 and sms.CODE_EXHAUSTED in dead.text
    failures = await actions(cme_scope, tenant, "auth.login_failed")
    reasons = [entry["after"]["reason"] for entry in failures]
    assert reasons == ["bad_code"] * sms.MAX_ATTEMPTS + ["exhausted"]
    assert all(entry["after"]["phone"] == "138****8000" for entry in failures)
    assert await actions(cme_scope, tenant, "auth.login") == []


async def _end_windows(bucket: str) -> None:
    """Let time pass for the ``bucket`` rate counters: their windows end now."""
    await RateCounter.update({RateCounter.window_ends: datetime.now(UTC) - timedelta(seconds=1)}).where(
        RateCounter.bucket == bucket
    )


async def test_one_code_per_phone_a_minute_and_ten_a_day(
    cme_client: Any, tenant: Any, cme_scope: Any
) -> None:
    assert (await send(cme_client, "/t/alpha/login/sms")).status_code == 200
    again = await send(cme_client, "/t/alpha/password/recover")  # limits count across purposes
    assert again.status_code == 429 and re.search(r"请 \d+ 秒后再获取验证码", again.text)
    for _ in range(sms.PHONE_DAILY_LIMIT - 1):
        await _end_windows(sms.RESEND_LIMIT.bucket)
        assert (await send(cme_client, "/t/alpha/login/sms")).status_code == 200
    await _end_windows(sms.RESEND_LIMIT.bucket)
    daily = await send(cme_client, "/t/alpha/login/sms")
    assert daily.status_code == 429 and "今日获取验证码次数已达上限，请 24 小时后再试" in daily.text
    with cme_scope(tenant):
        assert await SmsCode.count() == sms.PHONE_DAILY_LIMIT
    await _end_windows(sms.DAILY_LIMIT.bucket)  # a day later
    assert (await send(cme_client, "/t/alpha/login/sms")).status_code == 200


async def test_twenty_codes_an_hour_per_address(
    cme_client: Any, tenant: Any, cme_scope: Any, cme_app: Any
) -> None:
    pm = cme_app.state.plugin_manager
    with cme_scope(tenant):
        for number in range(sms.IP_HOURLY_LIMIT):  # unknown phones count like registered ones
            await sms.send_code(pm, f"139{number:08d}", sms.LOGIN, TEST_CLIENT_IP)
    refused = await send(cme_client, "/t/alpha/login/sms")
    assert refused.status_code == 429 and re.search(r"获取验证码过于频繁，请 60 分钟后再试", refused.text)
    with cme_scope(tenant):
        assert not await SmsCode.exists().where(SmsCode.phone == PHONE)
    # the refused request counted for none of the limits: once the hour is over, the phone may have a code
    await _end_windows(sms.IP_LIMIT.bucket)
    assert (await send(cme_client, "/t/alpha/login/sms")).status_code == 200


async def test_an_unknown_phone_gets_the_same_answer_and_no_message(
    cme_client: Any, tenant: Any, cme_scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    unknown = await send(cme_client, "/t/alpha/login/sms", "139 0000 1111")
    known = await send(cme_client, "/t/alpha/password/recover")
    assert unknown.status_code == known.status_code == 200
    assert sms.SENT in unknown.text and sms.SENT in known.text
    assert [m[1] for r in caplog.records if (m := CODE_RE.search(r.getMessage()))] == [mask_phone(PHONE)]
    assert len(await actions(cme_scope, tenant, "auth.sms_sent")) == 1
    with cme_scope(tenant):  # the unknown phone's request counts for the limits all the same
        assert await SmsCode.exists().where(SmsCode.phone == "13900001111")
    again = await send(cme_client, "/t/alpha/login/sms", "13900001111")
    assert again.status_code == 429


async def test_sending_needs_the_captcha_and_a_valid_phone(
    cme_client: Any, tenant: Any, cme_scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = await send(cme_client, "/t/alpha/login/sms", captcha="XXXX")
    assert wrong.status_code == 400 and "图形验证码错误" in wrong.text
    bad = await send(cme_client, "/t/alpha/login/sms", "12345")
    assert bad.status_code == 400 and sms.BAD_PHONE in bad.text
    with cme_scope(tenant):
        assert await SmsCode.count() == 0
    assert not [r for r in caplog.records if r.name == "cme.sms"]


async def test_recovery_sets_the_password_and_clears_the_forced_change_and_the_lock(
    cme_client: Any, tenant: Any, cme_scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with cme_scope(tenant):
        await Account.update({Account.must_change_password: True}).where(Account.username == "alice")
        alice_id = (await Account.select(Account.id).where(Account.username == "alice").first())["id"]
        await throttle.begin("alice", alice_id, "203.0.113.9")
        assert await LoginThrottle.count().where(LoginThrottle.kind != throttle.IP) == 2
    page = await send(cme_client, "/t/alpha/password/recover")
    assert 'name="password_confirm"' in page.text
    code = last_code(caplog)
    assert "找回密码" in next(r.getMessage() for r in caplog.records if r.name == "cme.sms")
    path = "/t/alpha/password/recover"
    differ = await submit_code(cme_client, page, code, path, password=NEW_PASSWORD, password_confirm="x")
    assert differ.status_code == 400 and "两次输入的密码不一致" in differ.text
    weak = await submit_code(cme_client, page, code, path, password="alice123", password_confirm="alice123")
    assert weak.status_code == 400 and "密码不能包含用户名" in weak.text
    done = await submit_code(
        cme_client, page, code, path, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD
    )
    assert done.status_code == 200 and "密码已重新设置" in done.text and 'href="/t/alpha/login"' in done.text
    with cme_scope(tenant):
        alice = await Account.objects().where(Account.username == "alice").first()
        assert not await LoginThrottle.exists().where(LoginThrottle.kind != throttle.IP)
    assert verify_password(alice.password_hash, NEW_PASSWORD) and not alice.must_change_password
    assert alice.password_changed_at is not None
    resets = await actions(cme_scope, tenant, "auth.password_reset")
    assert [entry["object_id"] for entry in resets] == [str(alice.id)]
    replay = await submit_code(
        cme_client, page, code, path, password=NEW_PASSWORD + "1", password_confirm=NEW_PASSWORD + "1"
    )
    assert replay.status_code == 400 and sms.BAD_CODE in replay.text
    signed_in = await submit_login(cme_client, tenant, "alice", NEW_PASSWORD)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/t/alpha/"


async def test_a_shared_phone_needs_the_username(
    cme_client: Any, tenant: Any, cme_scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with cme_scope(tenant):
        await Account.update({Account.phone: PHONE}).where(Account.username == "bob")
    page = await send(cme_client, "/t/alpha/login/sms")
    code = last_code(caplog)
    ask = await submit_code(cme_client, page, code)
    assert ask.status_code == 400 and sms.NEED_USERNAME in ask.text and 'name="username"' in ask.text
    with cme_scope(tenant):  # the right code cost no attempt
        assert (await SmsCode.select(SmsCode.attempts).first())["attempts"] == 0
    signed_in = await submit_code(cme_client, page, code, username="bob")
    assert signed_in.status_code == 303
    logins = await actions(cme_scope, tenant, "auth.login")
    with cme_scope(tenant):
        bob = await Account.select(Account.id).where(Account.username == "bob").first()
    assert [entry["object_id"] for entry in logins] == [str(bob["id"])]


async def test_single_sign_on_tenants_have_neither_page(tenant_factory: Any, cme_client: Any) -> None:
    await tenant_factory(slug="sso", auth={"sso_only": True})
    for path in ("/t/sso/login/sms", "/t/sso/password/recover"):
        page = await cme_client.get(path)
        assert page.status_code == 403 and "统一身份认证" in page.text
        assert 'name="captcha_token"' not in page.text and 'name="phone"' not in page.text


async def test_wrong_recovery_codes_are_recorded_and_a_flood_only_rate_limited(
    cme_client: Any, tenant: Any, cme_scope: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = "/t/alpha/password/recover"
    page = await send(cme_client, path)
    wrong = f"{(int(last_code(caplog)) + 1) % 1_000_000:06d}"
    response = await submit_code(
        cme_client, page, wrong, path, password=NEW_PASSWORD, password_confirm=NEW_PASSWORD
    )
    assert response.status_code == 400
    (guess,) = await actions(cme_scope, tenant, "auth.recovery_failed")
    assert guess["after"] == {"reason": "bad_code", "method": "sms", "phone": "138****8000"}
    assert PHONE not in guess["summary"]
    # codes tried for a phone without a live code cost nothing: recorded, but rate-limited per address
    flood = 12
    for _ in range(flood):
        response = await cme_client.post(
            path,
            data={"phone": "13900001111", "_csrf": form_value(page.text, "_csrf"), "code": "123456"},
        )
        assert response.status_code == 400 and sms.BAD_CODE in response.text
    records = await actions(cme_scope, tenant, "auth.recovery_failed")
    expired = [e for e in records if e["after"]["reason"] == "expired"]
    assert len(records) == 1 + len(expired)
    assert [e["after"]["count_in_window"] for e in expired] == [1, 10]
    assert all(e["after"]["phone"] == "139****1111" and "13900001111" not in e["summary"] for e in expired)
