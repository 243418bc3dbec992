"""Server-side sessions: stored in the database under a keyed hash of the id, shared by app instances,
rotated at sign-in, idle expiry, cookie attributes, sign-out per tenant; anonymous sign-in forms write no
session and no captcha row."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cme_platform.app import create_app
from cme_platform.identity.captcha import PURGE_BATCH, issue_captcha, verify_captcha
from cme_platform.identity.csrf import PRE_SESSION_COOKIE
from cme_platform.identity.sessions import IDLE_TIMEOUT, RENEW_AFTER, SESSION_COOKIE, DatabaseSessionStore
from cme_platform.identity.tables import Captcha, Session
from cme_platform.keys import derive_key
from cme_platform.settings import get_settings
from cme_platform.testkit.pytest_plugin import captcha_answer, form_value, submit_login
from litestar.testing import AsyncTestClient


@pytest.fixture
async def alpha(tenant_factory: Any, account_factory: Any) -> Any:
    """Tenant ``alpha`` with the account ``alice``."""
    tenant = await tenant_factory(slug="alpha")
    await account_factory(tenant, "alice")
    return tenant


def _row_key(session_id: str) -> str:
    """The stored key of a session id, computed here independently of the store."""
    key = derive_key(get_settings().secret_key, b"cme-session-id")
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


async def _signed_in(client: Any, slug: str) -> bool:
    response = await client.get(f"/t/{slug}/account", follow_redirects=False)
    return response.status_code == 200


async def test_a_session_survives_a_restart_and_works_on_another_instance(alpha: Any, login: Any) -> None:
    async with AsyncTestClient(app=create_app(), base_url="http://testserver.local") as first:
        await login(first, alpha, "alice")
        cookie = first.cookies[SESSION_COOKIE]
    assert await Session.exists().where(Session.key == _row_key(cookie))
    async with AsyncTestClient(app=create_app(), base_url="http://testserver.local") as second:
        second.cookies.set(SESSION_COOKIE, cookie)
        assert await _signed_in(second, "alpha")


async def test_sign_in_rotates_the_session_id(cme_client: Any, alpha: Any, login: Any) -> None:
    await login(cme_client, alpha, "alice")
    planted = cme_client.cookies[SESSION_COOKIE]
    await login(cme_client, alpha, "alice")
    current = cme_client.cookies[SESSION_COOKIE]
    assert current != planted
    assert not await Session.exists().where(Session.key == _row_key(planted))
    assert await Session.count() == 1
    async with AsyncTestClient(app=cme_client.app, base_url="http://testserver.local") as attacker:
        attacker.cookies.set(SESSION_COOKIE, planted)
        assert not await _signed_in(attacker, "alpha")


async def test_visitors_who_never_see_a_form_get_no_session(cme_client: Any, alpha: Any) -> None:
    response = await cme_client.get("/t/alpha/")
    assert response.status_code == 200 and "set-cookie" not in response.headers
    assert await Session.count() == 0


async def test_idle_sessions_expire(cme_client: Any, alpha: Any, login: Any) -> None:
    await login(cme_client, alpha, "alice")
    key = _row_key(cme_client.cookies[SESSION_COOKIE])
    row = await Session.select(Session.expires_at).where(Session.key == key).first()
    remaining = row["expires_at"] - datetime.now(UTC)
    assert IDLE_TIMEOUT - timedelta(minutes=2) < remaining <= IDLE_TIMEOUT
    await Session.update({Session.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Session.key == key
    )
    assert not await _signed_in(cme_client, "alpha")


async def test_the_store_renews_and_purges(cme_db: None) -> None:
    store = DatabaseSessionStore()
    await store.set("live", b"data", expires_in=60)
    await store.set("old", b"gone", expires_in=60)
    await Session.update({Session.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        Session.key == _row_key("old")
    )
    assert await store.get("old") is None and not await store.exists("old")
    assert await store.get("live", renew_for=7200) == b"data"
    assert 7100 < (await store.expires_in("live") or 0) <= 7200
    await store.set("live", b"new", expires_in=60)
    assert await store.get("live") == b"new"
    await store.purge_expired()
    assert [r["key"] for r in await Session.select(Session.key)] == [_row_key("live")]
    await store.delete("live")
    assert await store.get("live") is None


async def test_cookie_attributes_and_secure_on_https(cme_app: Any, alpha: Any) -> None:
    async with AsyncTestClient(app=cme_app, base_url="http://testserver.local") as plain:
        header = (await plain.get("/t/alpha/login")).headers["set-cookie"]
        assert header.startswith(f"{PRE_SESSION_COOKIE}=")
        assert "HttpOnly" in header and "SameSite=lax" in header and "Secure" not in header
        header = (await submit_login(plain, alpha, "alice")).headers["set-cookie"]
        assert header.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in header and "Secure" not in header
    async with AsyncTestClient(app=cme_app, base_url="https://testserver.local") as tls:
        header = (await tls.get("/t/alpha/login")).headers["set-cookie"]
        assert header.startswith(f"{PRE_SESSION_COOKIE}=") and "; Secure" in header
        header = (await submit_login(tls, alpha, "alice")).headers["set-cookie"]
        assert header.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in header and "; Secure" in header


async def test_logout_keeps_other_tenants_signed_in(
    cme_client: Any, alpha: Any, tenant_factory: Any, account_factory: Any, login: Any
) -> None:
    beta = await tenant_factory(slug="beta", plugin="zhejiang")
    await account_factory(beta, "bob")
    await login(cme_client, alpha, "alice")
    await login(cme_client, beta, "bob")
    assert await _signed_in(cme_client, "alpha") and await _signed_in(cme_client, "beta")
    response = await cme_client.post("/t/alpha/logout", follow_redirects=False)
    assert response.status_code == 303
    assert not await _signed_in(cme_client, "alpha")
    assert await _signed_in(cme_client, "beta")


async def test_unchanged_sessions_are_not_rewritten(cme_client: Any, alpha: Any, login: Any) -> None:
    await login(cme_client, alpha, "alice")
    cookie = cme_client.cookies[SESSION_COOKIE]
    key = _row_key(cookie)

    async def stored() -> dict[str, Any]:
        return await Session.select(Session.data, Session.expires_at).where(Session.key == key).first()

    before = await stored()
    response = await cme_client.get("/t/alpha/account")
    assert response.status_code == 200 and f"{SESSION_COOKIE}={cookie}" in response.headers["set-cookie"]
    assert await stored() == before
    await Session.update({Session.expires_at: before["expires_at"] - timedelta(minutes=50)}).where(
        Session.key == key
    )
    await cme_client.get("/t/alpha/account")
    assert (await stored())["expires_at"] == before["expires_at"] - timedelta(minutes=50)  # not renewed yet
    await Session.update(
        {Session.expires_at: before["expires_at"] - RENEW_AFTER - timedelta(minutes=5)}
    ).where(Session.key == key)
    await cme_client.get("/t/alpha/account")
    assert (await stored())["expires_at"] > before["expires_at"] - timedelta(minutes=1)  # renewed on use


async def test_session_rows_hold_a_keyed_hash_never_the_id(cme_client: Any, alpha: Any, login: Any) -> None:
    await login(cme_client, alpha, "alice")
    cookie = cme_client.cookies[SESSION_COOKIE]
    assert [r["key"] for r in await Session.select(Session.key)] == [_row_key(cookie)]
    assert not await Session.exists().where(Session.key == cookie)
    # a stolen row key is not a session id: presented as a cookie it signs nobody in
    async with AsyncTestClient(app=cme_client.app, base_url="http://testserver.local") as thief:
        thief.cookies.set(SESSION_COOKIE, _row_key(cookie))
        assert not await _signed_in(thief, "alpha")


async def test_anonymous_sign_in_forms_write_no_rows_and_sign_in_still_works(
    cme_client: Any, alpha: Any
) -> None:
    for _ in range(50):
        response = await cme_client.get("/t/alpha/login")
        assert response.status_code == 200
    assert await Session.count() == 0
    assert await Captcha.count() == 0
    assert SESSION_COOKIE not in cme_client.cookies
    # a wrong password re-renders the form, still without a session
    wrong = await submit_login(cme_client, alpha, "alice", "wrong-password")
    assert wrong.status_code in (400, 401, 403) and await Session.count() == 0
    assert await Captcha.count() == 1  # the consumed challenge, until it expires
    signed_in = await submit_login(cme_client, alpha, "alice")
    assert signed_in.status_code == 303 and await Session.count() == 1


async def test_the_anonymous_csrf_token_must_match_its_signed_cookie(cme_client: Any, alpha: Any) -> None:
    form = await cme_client.get("/t/alpha/login")
    token = form_value(form.text, "captcha_token")
    data = {
        "username": "alice",
        "password": "Test@2026pw",
        "_csrf": form_value(form.text, "_csrf"),
        "captcha_token": token,
        "captcha": await captcha_answer(token),
    }
    signed = cme_client.cookies[PRE_SESSION_COOKIE]
    assert data["_csrf"] == signed
    nonce = signed.partition(".")[0]
    for cookie in (None, f"{nonce}.{'0' * 64}", "forged"):  # a forged page: no cookie, or an unsigned one
        cme_client.cookies.clear()
        if cookie is not None:
            cme_client.cookies.set(PRE_SESSION_COOKIE, cookie)
            data["_csrf"] = cookie
        refused = await cme_client.post("/t/alpha/login", data=data, follow_redirects=False)
        assert refused.status_code == 403 and "页面已过期" in refused.text
    assert await Session.count() == 0


async def test_consumed_captchas_expire_and_are_purged_in_bounded_batches(cme_db: None) -> None:
    token = await issue_captcha()
    assert await verify_captcha(token, await captcha_answer(token))
    assert not await verify_captcha(token, await captcha_answer(token))  # consumed: no replay
    past = datetime.now(UTC) - timedelta(minutes=1)
    await Captcha.update({Captcha.expires_at: past}).where(Captcha.token == token)
    await Captcha.insert(*(Captcha(token=f"old-{i}", expires_at=past) for i in range(PURGE_BATCH + 9)))
    fresh = await issue_captcha()
    assert not await verify_captcha(fresh, "XXXX")  # a wrong answer consumes the challenge too
    assert await Captcha.count() == 10 + 1
    # a token claiming a longer life than the server gives is refused
    far = f"{int((datetime.now(UTC) + timedelta(hours=1)).timestamp())}.{fresh.partition('.')[2]}"
    assert not await verify_captcha(far, await captcha_answer(far))
