"""Password sign-in: captcha (wrong, replayed, expired), lock-out per account and per IP, inactive
accounts, the ``next`` page, single sign-on tenants, captcha images and sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity import throttle
from cme_platform.identity.id_number import check_character
from cme_platform.identity.tables import Account, LoginThrottle
from cme_platform.testkit.pytest_plugin import TEST_PASSWORD, captcha_answer, form_value, submit_login
from test_personnel_api import MALE_ID
from test_personnel_api import person as person_body


@pytest.fixture
async def tenant(tenant_factory: Any, account_factory: Any) -> Any:
    """Tenant ``alpha`` with the account ``alice``."""
    created = await tenant_factory(slug="alpha")
    await account_factory(created, "alice")
    return created


async def _actions(cme_scope: Any, tenant: Any, action: str) -> list[dict[str, Any]]:
    with cme_scope(tenant):
        return await AuditEvent.select(AuditEvent.object_id, AuditEvent.after).where(
            AuditEvent.action == action
        )


async def test_login_page_shows_the_captcha_and_the_other_methods(cme_client: Any, tenant: Any) -> None:
    page = await cme_client.get("/t/alpha/login")
    assert page.status_code == 200
    token = form_value(page.text, "captcha_token")
    assert f'src="/t/alpha/captcha/{token}.png"' in page.text
    assert 'class="form login"' in page.text
    assert (
        "换一张" in page.text
        and "/t/alpha/login/sms" in page.text
        and "/t/alpha/password/recover" in page.text
    )
    image = await cme_client.get(f"/t/alpha/captcha/{token}.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert (await cme_client.get(f"/captcha/{token}.png")).status_code == 200  # reachable without a tenant
    assert (await cme_client.get("/t/alpha/captcha/unknown.png")).status_code == 404


async def test_right_credentials_sign_in_and_clear_the_failure_counter(
    cme_client: Any, tenant: Any, cme_scope: Any
) -> None:
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        assert (await submit_login(cme_client, tenant, "alice", "wrong")).status_code == 400
    response = await submit_login(cme_client, tenant, "alice")
    assert response.status_code == 303 and response.headers["location"] == "/t/alpha/"
    with cme_scope(tenant):
        assert not await LoginThrottle.exists().where(LoginThrottle.kind == throttle.ACCOUNT)
        assert (await Account.select(Account.last_login_at).first())["last_login_at"] is not None
    assert len(await _actions(cme_scope, tenant, "auth.login")) == 1


async def test_wrong_captcha_is_refused_before_the_password_is_checked(
    cme_client: Any, tenant: Any, cme_scope: Any
) -> None:
    response = await submit_login(cme_client, tenant, "alice", "wrong", captcha="XXXX")
    assert response.status_code == 400 and "图形验证码错误" in response.text
    # the password was not checked: no failure counted, no audit record
    assert await _actions(cme_scope, tenant, "auth.login_failed") == []
    with cme_scope(tenant):
        assert not await LoginThrottle.exists()
    # the right password with a wrong captcha does not sign in either
    response = await submit_login(cme_client, tenant, "alice", captcha="XXXX")
    assert response.status_code == 400


async def test_a_captcha_answer_cannot_be_replayed(cme_client: Any, tenant: Any) -> None:
    form = await cme_client.get("/t/alpha/login")
    token = form_value(form.text, "captcha_token")
    data = {
        "username": "alice",
        "password": TEST_PASSWORD,
        "_csrf": form_value(form.text, "_csrf"),
        "captcha_token": token,
        "captcha": await captcha_answer(token),
    }
    first = await cme_client.post("/t/alpha/login", data=data, follow_redirects=False)
    assert first.status_code == 303
    await cme_client.post("/t/alpha/logout", data={"_csrf": data["_csrf"]})
    data["_csrf"] = form_value((await cme_client.get("/t/alpha/login")).text, "_csrf")
    again = await cme_client.post("/t/alpha/login", data=data, follow_redirects=False)
    assert again.status_code == 400 and "图形验证码错误" in again.text


async def test_an_expired_captcha_is_refused(cme_client: Any, tenant: Any) -> None:
    form = await cme_client.get("/t/alpha/login")
    issued = form_value(form.text, "captcha_token")
    # the form's challenge as it is one second after its expiry (the expiry is part of the token)
    token = f"{int(datetime.now(UTC).timestamp()) - 1}.{issued.partition('.')[2]}"
    answer = await captcha_answer(token)
    assert (await cme_client.get(f"/t/alpha/captcha/{token}.png")).status_code == 404
    response = await cme_client.post(
        "/t/alpha/login",
        data={
            "username": "alice",
            "password": TEST_PASSWORD,
            "_csrf": form_value(form.text, "_csrf"),
            "captcha_token": token,
            "captcha": answer,
        },
        follow_redirects=False,
    )
    assert response.status_code == 400 and "图形验证码错误" in response.text


async def _expire_locks(cme_scope: Any, tenant: Any) -> None:
    with cme_scope(tenant):
        await LoginThrottle.update(
            {LoginThrottle.locked_until: datetime.now(UTC) - timedelta(seconds=1)}
        ).where(LoginThrottle.locked_until.is_not_null())


async def test_account_lockout_grows_and_does_not_reveal_the_account(
    cme_client: Any, tenant: Any, cme_scope: Any
) -> None:
    for username in ("alice", "nobody"):
        for _ in range(throttle.ACCOUNT_LIMIT - 1):
            response = await submit_login(cme_client, tenant, username, "wrong")
            assert response.status_code == 400 and "用户名或密码错误" in response.text
        locked = await submit_login(cme_client, tenant, username, "wrong")
        assert locked.status_code == 429 and "账户已锁定，请 1 分钟后再试" in locked.text
    # while locked even the right password is refused without being checked
    refused = await submit_login(cme_client, tenant, "alice")
    assert refused.status_code == 429 and "账户已锁定" in refused.text
    # after the lock, the next failure doubles it; the one after that doubles again
    await _expire_locks(cme_scope, tenant)
    assert "请 2 分钟后再试" in (await submit_login(cme_client, tenant, "alice", "wrong")).text
    await _expire_locks(cme_scope, tenant)
    assert "请 4 分钟后再试" in (await submit_login(cme_client, tenant, "alice", "wrong")).text
    locked_events = await _actions(cme_scope, tenant, "auth.locked")
    assert len(locked_events) == 4
    failed = await _actions(cme_scope, tenant, "auth.login_failed")
    assert {"unknown_user", "bad_password", "locked"} <= {_after(e)["reason"] for e in failed}
    assert {_after(e)["username"] for e in failed} == {"alice", "nobody"}
    # success after the lock ends clears the account counter
    await _expire_locks(cme_scope, tenant)
    assert (await submit_login(cme_client, tenant, "alice")).status_code == 303
    with cme_scope(tenant):  # only the unknown name's counter is left (and the address's)
        assert await LoginThrottle.count().where(LoginThrottle.kind != throttle.IP) == 1


def _after(event: dict[str, Any]) -> dict[str, Any]:
    import json

    value = event["after"]
    return json.loads(value) if isinstance(value, str) else value


async def test_ip_lockout_covers_every_username(
    cme_client: Any, tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(throttle.LIMITS, throttle.IP, 3)
    for name in ("u1", "u2"):
        assert (await submit_login(cme_client, tenant, name, "wrong")).status_code == 400
    assert (await submit_login(cme_client, tenant, "u3", "wrong")).status_code == 429
    refused = await submit_login(cme_client, tenant, "alice")  # another account, same address
    assert refused.status_code == 429 and "账户已锁定" in refused.text


def test_lock_durations_double_up_to_an_hour() -> None:
    limit = throttle.ACCOUNT_LIMIT
    assert throttle.lock_duration(limit - 1, limit) is None
    assert [throttle.lock_duration(limit + i, limit) for i in range(3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert throttle.lock_duration(limit + 6, limit) == timedelta(minutes=60)
    assert throttle.lock_duration(limit + 500, limit) == timedelta(minutes=60)
    now = datetime.now(UTC)
    assert throttle.wait_message(now + timedelta(seconds=61), now) == "账户已锁定，请 2 分钟后再试"


async def test_counters_start_again_after_a_quiet_day(tenant: Any, cme_scope: Any) -> None:
    with cme_scope(tenant):
        for _ in range(throttle.ACCOUNT_LIMIT - 1):
            assert (await throttle.begin("nobody", None, "198.51.100.1")).lock is None
        await LoginThrottle.update(
            {LoginThrottle.last_failure_at: datetime.now(UTC) - throttle.FORGET_AFTER - timedelta(minutes=1)}
        ).where(LoginThrottle.kind == throttle.NAME)
        # names count case-insensitively, without spaces
        assert (await throttle.begin(" NoBody", None, "198.51.100.2")).lock is None
        names = LoginThrottle.select(LoginThrottle.failures).where(LoginThrottle.kind == throttle.NAME)
        assert [r["failures"] for r in await names] == [1]


async def test_an_inactive_account_cannot_sign_in(cme_client: Any, tenant: Any, cme_scope: Any) -> None:
    with cme_scope(tenant):
        await Account.update({Account.active: False}).where(Account.username == "alice")
    response = await submit_login(cme_client, tenant, "alice")
    assert response.status_code == 400 and "账户已停用" in response.text
    assert (await cme_client.get("/t/alpha/account", follow_redirects=False)).status_code == 303
    assert [_after(e)["reason"] for e in await _actions(cme_scope, tenant, "auth.login_failed")] == [
        "inactive"
    ]


async def test_sign_in_returns_to_a_safe_next_page_only(cme_client: Any, tenant: Any) -> None:
    bounced = await cme_client.get("/t/alpha/account", follow_redirects=False)
    assert bounced.status_code == 303 and bounced.headers["location"] == "/t/alpha/login?next=%2Faccount"
    for next_path, expected in (("/account", "/t/alpha/account"), ("//evil.example/x", "/t/alpha/")):
        form = await cme_client.get(f"/t/alpha/login?next={next_path}")
        token = form_value(form.text, "captcha_token")
        response = await cme_client.post(
            "/t/alpha/login",
            data={
                "username": "alice",
                "password": TEST_PASSWORD,
                "next": next_path,
                "_csrf": form_value(form.text, "_csrf"),
                "captcha_token": token,
                "captcha": await captcha_answer(token),
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


async def test_sso_only_tenants_get_no_password_form(
    tenant_factory: Any, cme_client: Any, tenant: Any
) -> None:
    await tenant_factory(slug="sso", auth={"sso_only": True, "oidc": {"label": "省统一认证"}})
    page = await cme_client.get("/t/sso/login")
    assert (
        'name="password"' not in page.text and "省统一认证" in page.text and "/t/sso/login/sso" in page.text
    )
    csrf = form_value((await cme_client.get("/t/alpha/login")).text, "_csrf")  # one session for all tenants
    refused = await cme_client.post(
        "/t/sso/login",
        data={"username": "alice", "password": TEST_PASSWORD, "_csrf": csrf},
        follow_redirects=False,
    )
    assert refused.status_code == 403 and "仅支持统一身份认证登录" in refused.text


async def test_logout_is_audited_and_needs_the_csrf_token(
    cme_client: Any, tenant: Any, login: Any, cme_scope: Any
) -> None:
    await login(cme_client, tenant, "alice")
    token = cme_client.headers.pop("X-CSRF-Token")
    assert (await cme_client.post("/t/alpha/logout", follow_redirects=False)).status_code == 403
    response = await cme_client.post("/t/alpha/logout", data={"_csrf": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/t/alpha/login"
    assert (await cme_client.get("/t/alpha/account", follow_redirects=False)).status_code == 303
    assert len(await _actions(cme_scope, tenant, "auth.logout")) == 1


async def test_an_id_number_and_a_person_number_are_one_account_and_never_stored_in_clear(
    cme_client: Any, world: Any, login: Any, cme_scope: Any
) -> None:
    id_number = MALE_ID
    await login(cme_client, world.tenant, "institution")
    person = await cme_client.post("/t/alpha/api/personnel/people", json=person_body(world))
    assert person.status_code == 201, person.text
    number = person.json()["person_number"]
    # the learner mixes both names: the fifth failure locks the one account
    for name in (id_number, number, f" {id_number} ", number):
        response = await submit_login(cme_client, world.tenant, name, "wrong")
        assert response.status_code == 400 and "用户名或密码错误" in response.text
    locked = await submit_login(cme_client, world.tenant, id_number, "wrong")
    assert locked.status_code == 429 and "账户已锁定" in locked.text
    # the locked account refuses even the right password, without checking it; by a name that is not
    # locked itself it answers as an unknown name does, so that trying candidate ID numbers on a locked
    # account cannot tell which one is his
    stranger, phone = "32010219900101002" + check_character("32010219900101002"), "13800138000"
    for name, password in ((number, id_number[-6:]), (stranger, "wrong"), (phone, "wrong")):
        response = await submit_login(cme_client, world.tenant, name, password)
        assert response.status_code == 400 and "用户名或密码错误" in response.text, name
    with cme_scope(world.tenant):
        counters = await LoginThrottle.select(LoginThrottle.kind, LoginThrottle.key, LoginThrottle.failures)
        events = await AuditEvent.select(AuditEvent.action, AuditEvent.summary, AuditEvent.after).where(
            AuditEvent.action.is_in(["auth.login_failed", "auth.locked"])
        )
    by_kind = {
        kind: sorted(c["failures"] for c in counters if c["kind"] == kind)
        for kind in (throttle.ACCOUNT, throttle.NAME)
    }
    # one account counter; a name counter each for the ID number, the person number and the two strangers
    assert by_kind == {throttle.ACCOUNT: [throttle.ACCOUNT_LIMIT], throttle.NAME: [1, 1, 3, 3]}
    stored = repr(counters) + repr(events)
    for clear in (id_number, stranger, phone, number):
        assert clear not in repr(counters)
    for clear in (id_number, stranger, phone):
        assert clear not in stored
    names = {_after(e)["username"] for e in events}
    assert names == {number, "320*****29", "138****8000"}, names
    assert f"登录失败（bad_password）：{number}" in {e["summary"] for e in events}


def test_login_names_with_long_digit_runs_are_masked() -> None:
    assert throttle.masked_login_name("8200000001") == "8200000001"  # a person number stays
    assert throttle.masked_login_name("13800138000") == "138****8000"
    assert throttle.masked_login_name("11010519850314123x") == "110*****3X"
    assert throttle.masked_login_name("id 110105198503141") == "id 110*****41"
    assert throttle.masked_login_name("alice") == "alice"
