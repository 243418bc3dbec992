"""Server-side sessions: stored in the database, shared by app instances, rotated at sign-in, idle expiry,
cookie attributes, and sign-out per tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cme_platform.app import create_app
from cme_platform.identity.sessions import IDLE_TIMEOUT, SESSION_COOKIE, DatabaseSessionStore
from cme_platform.identity.tables import Session
from litestar.testing import AsyncTestClient


@pytest.fixture
async def alpha(tenant_factory: Any, account_factory: Any) -> Any:
    """Tenant ``alpha`` with the account ``alice``."""
    tenant = await tenant_factory(slug="alpha")
    await account_factory(tenant, "alice")
    return tenant


async def _signed_in(client: Any, slug: str) -> bool:
    response = await client.get(f"/t/{slug}/account", follow_redirects=False)
    return response.status_code == 200


async def test_a_session_survives_a_restart_and_works_on_another_instance(alpha: Any, login: Any) -> None:
    async with AsyncTestClient(app=create_app(), base_url="http://testserver.local") as first:
        await login(first, alpha, "alice")
        cookie = first.cookies[SESSION_COOKIE]
    assert await Session.exists().where(Session.key == cookie)
    async with AsyncTestClient(app=create_app(), base_url="http://testserver.local") as second:
        second.cookies.set(SESSION_COOKIE, cookie)
        assert await _signed_in(second, "alpha")


async def test_sign_in_rotates_the_session_id(cme_client: Any, alpha: Any, login: Any) -> None:
    await cme_client.get("/t/alpha/login")
    planted = cme_client.cookies[SESSION_COOKIE]
    await login(cme_client, alpha, "alice")
    current = cme_client.cookies[SESSION_COOKIE]
    assert current != planted
    assert not await Session.exists().where(Session.key == planted)
    async with AsyncTestClient(app=cme_client.app, base_url="http://testserver.local") as attacker:
        attacker.cookies.set(SESSION_COOKIE, planted)
        assert not await _signed_in(attacker, "alpha")


async def test_visitors_who_never_see_a_form_get_no_session(cme_client: Any, alpha: Any) -> None:
    response = await cme_client.get("/t/alpha/")
    assert response.status_code == 200 and "set-cookie" not in response.headers
    assert await Session.count() == 0


async def test_idle_sessions_expire(cme_client: Any, alpha: Any, login: Any) -> None:
    await login(cme_client, alpha, "alice")
    key = cme_client.cookies[SESSION_COOKIE]
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
        Session.key == "old"
    )
    assert await store.get("old") is None and not await store.exists("old")
    assert await store.get("live", renew_for=3600) == b"data"
    assert 3500 < (await store.expires_in("live") or 0) <= 3600
    await store.set("live", b"new", expires_in=60)
    assert await store.get("live") == b"new"
    await store.purge_expired()
    assert [r["key"] for r in await Session.select(Session.key)] == ["live"]
    await store.delete("live")
    assert await store.get("live") is None


async def test_cookie_attributes_and_secure_on_https(cme_app: Any, alpha: Any) -> None:
    async with AsyncTestClient(app=cme_app, base_url="http://testserver.local") as plain:
        header = (await plain.get("/t/alpha/login")).headers["set-cookie"]
        assert "HttpOnly" in header and "SameSite=lax" in header and "Secure" not in header
    async with AsyncTestClient(app=cme_app, base_url="https://testserver.local") as tls:
        header = (await tls.get("/t/alpha/login")).headers["set-cookie"]
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
    key = cme_client.cookies[SESSION_COOKIE]

    async def stored() -> dict[str, Any]:
        return await Session.select(Session.data, Session.expires_at).where(Session.key == key).first()

    before = await stored()
    response = await cme_client.get("/t/alpha/account")
    assert response.status_code == 200 and f"{SESSION_COOKIE}={key}" in response.headers["set-cookie"]
    assert await stored() == before
    await Session.update({Session.expires_at: before["expires_at"] - timedelta(minutes=5)}).where(
        Session.key == key
    )
    await cme_client.get("/t/alpha/account")
    assert (await stored())["expires_at"] > before["expires_at"] - timedelta(minutes=1)  # renewed on use
