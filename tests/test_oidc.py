"""OIDC single sign-on end to end against a real OpenID provider on loopback (tests/oidc_provider.py).

The test client talks to the app; the provider's authorization redirect is followed with httpx by hand,
and the app itself calls the provider's token, JWKS and userinfo endpoints over HTTP.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from cme_admin_ui.pages.auth import SSO_ONLY
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity.oidc import forget_provider_cache
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account
from cme_platform.plugins.manager import get_plugin_manager
from cme_platform.tenancy.registry import load_tenants
from cme_platform.tenancy.scope import scope
from cme_platform.tenancy.sync import TenantFileError, read_tenant_dir, sync_tenants
from cme_platform.testkit.pytest_plugin import TEST_PASSWORD
from joserfc.jwk import RSAKey
from oidc_provider import OidcProvider

SECRET_ENV = "CME_OIDC_TEST_SECRET"
CLIENT_SECRET = "provider-secret"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    """One provider for the module; reset before each test by ``sso``."""
    instance = OidcProvider(client_secret=CLIENT_SECRET).start()
    yield instance
    instance.stop()


def oidc_section(provider: OidcProvider, **overrides: Any) -> dict[str, Any]:
    return {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret_env": SECRET_ENV,
        "claim": "preferred_username",
        "match": "username",
        "scopes": "openid profile",
        "label": "统一身份认证登录",
        **overrides,
    }


@pytest.fixture
async def sso(provider, tenant_factory, account_factory, monkeypatch) -> Any:
    """Tenant ``sso`` with single sign-on and an account ``commission``."""
    provider.reset()
    forget_provider_cache()
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    tenant = await tenant_factory(slug="sso", auth={"oidc": oidc_section(provider)})
    await account_factory(tenant, "commission", [(Role.COMMISSION_ADMIN, {})])
    return tenant


async def begin(client: Any, slug: str = "sso") -> str:
    """Start at the app; return the provider's authorization URL it redirected to."""
    r = await client.get(f"/t/{slug}/login/sso", follow_redirects=False)
    assert r.status_code == 302, r.text
    return r.headers["location"]


def approve(authorize_url: str) -> str:
    """Let the provider approve the user; return the app callback URL it redirects back to."""
    r = httpx.get(authorize_url, follow_redirects=False)
    assert r.status_code == 302, r.text
    return r.headers["location"]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


async def sso_events(tenant: Any) -> list[dict[str, Any]]:
    with scope(tenant):
        return await AuditEvent.select(AuditEvent.action, AuditEvent.after).where(
            AuditEvent.action.is_in(["auth.login", "auth.sso_failed"])
        )


async def signed_in(client: Any, slug: str = "sso") -> bool:
    return (await client.get(f"/t/{slug}/api/identity/tokens")).status_code == 200


async def test_full_flow_signs_the_matching_account_in(cme_client, sso, provider):
    authorize_url = await begin(cme_client)
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(provider.issuer + "/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    assert query["redirect_uri"] == ["http://testserver.local/t/sso/login/sso/callback"]

    r = await cme_client.get(approve(authorize_url), follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/t/sso/"
    assert await signed_in(cme_client)
    events = await sso_events(sso)
    assert [e["action"] for e in events] == ["auth.login"] and '"sso"' in events[0]["after"]


async def test_match_by_sso_subject_and_claim_from_userinfo(
    cme_client, provider, tenant_factory, account_factory, monkeypatch
):
    provider.reset()
    forget_provider_cache()
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    section = oidc_section(provider, claim="employee_no", match="sso_subject")
    tenant = await tenant_factory(slug="sub", auth={"oidc": section})
    account_id = await account_factory(tenant, "zhang", [(Role.INSTITUTION_ADMIN, {})])
    with scope(tenant):
        await Account.update({Account.sso_subject: "E-1001"}).where(Account.id == account_id)
    provider.userinfo = {"employee_no": "E-1001"}  # not in the ID token: read from userinfo
    r = await cme_client.get(approve(await begin(cme_client, "sub")), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/t/sub/"
    assert await signed_in(cme_client, "sub")


async def failed(cme_client: Any, tenant: Any, url: str, status: int, text: str) -> None:
    """The callback ``url`` shows a friendly page, records auth.sso_failed and signs nobody in."""
    r = await cme_client.get(url, follow_redirects=False)
    assert r.status_code == status, r.text
    assert text in r.text
    assert not await signed_in(cme_client)
    assert [e["action"] for e in await sso_events(tenant)][-1] == "auth.sso_failed"


async def test_wrong_state_is_refused(cme_client, sso):
    callback = approve(await begin(cme_client))
    await failed(cme_client, sso, with_query(callback, state="forged"), 400, "登录请求已失效")


async def test_callback_without_a_started_sign_in_is_refused(cme_client, sso):
    callback = approve(await begin(cme_client))
    cme_client.cookies.clear()
    await failed(cme_client, sso, callback, 400, "登录请求已失效")


async def test_replayed_code_and_replayed_callback_are_refused(cme_client, sso, provider):
    first = approve(await begin(cme_client))
    assert (await cme_client.get(first, follow_redirects=False)).status_code == 303
    # The same callback again, after signing out: its state was consumed.
    landing = await cme_client.get("/t/sso/")
    csrf = landing.text.split('<meta name="csrf-token" content="')[1].split('"')[0]
    assert (await cme_client.post("/t/sso/logout", headers={"X-CSRF-Token": csrf})).status_code == 200
    await failed(cme_client, sso, first, 400, "登录请求已失效")
    # The old code with the state of a new sign-in: the provider refuses the used code.
    second = approve(await begin(cme_client))
    state = parse_qs(urlsplit(second).query)["state"][0]
    old_code = parse_qs(urlsplit(first).query)["code"][0]
    await failed(
        cme_client, sso, with_query(first, state=state, code=old_code), 400, "统一身份认证登录未成功"
    )
    assert provider.token_errors == ["invalid_grant"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"nonce": "another-nonce"},
        {"aud": "another-client"},
        {"iss": "https://evil.example.org"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
    ],
    ids=["wrong-nonce", "wrong-audience", "wrong-issuer", "expired"],
)
async def test_bad_id_tokens_are_refused(cme_client, sso, provider, overrides):
    provider.id_token_overrides = overrides
    await failed(cme_client, sso, approve(await begin(cme_client)), 400, "统一身份认证登录未成功")


async def test_id_token_signed_with_another_key_is_refused(cme_client, sso, provider):
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    await failed(cme_client, sso, approve(await begin(cme_client)), 400, "统一身份认证登录未成功")


async def test_unknown_or_inactive_user_gets_a_friendly_page(cme_client, sso, provider):
    provider.user = {"sub": "s-9", "preferred_username": "nobody"}
    await failed(cme_client, sso, approve(await begin(cme_client)), 403, "未找到与统一身份对应的账户")
    provider.user = {"sub": "s-1", "preferred_username": "commission"}
    with scope(sso):
        await Account.update({Account.active: False}).where(Account.username == "commission")
    await failed(cme_client, sso, approve(await begin(cme_client)), 403, "未找到与统一身份对应的账户")


async def test_missing_client_secret_and_tenants_without_sso(cme_client, sso, monkeypatch, tenant_factory):
    monkeypatch.delenv(SECRET_ENV)
    r = await cme_client.get("/t/sso/login/sso", follow_redirects=False)
    assert r.status_code == 503 and "暂时无法访问" in r.text
    await tenant_factory(slug="plain")
    assert (await cme_client.get("/t/plain/login/sso")).status_code == 404
    assert (await cme_client.get("/t/plain/login/sso/callback?code=x&state=y")).status_code == 404


async def test_unreachable_provider_gets_a_friendly_page(cme_client, provider, tenant_factory, monkeypatch):
    forget_provider_cache()
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    tenant = await tenant_factory(
        slug="down", auth={"oidc": oidc_section(provider, issuer=f"http://127.0.0.1:{closed_port}")}
    )
    r = await cme_client.get("/t/down/login/sso", follow_redirects=False)
    assert r.status_code == 503 and "暂时无法访问" in r.text
    assert [e["action"] for e in await sso_events(tenant)] == ["auth.sso_failed"]


async def test_sso_only_tenant_refuses_password_login(cme_client, provider, tenant_factory, account_factory):
    tenant = await tenant_factory(slug="only", auth={"sso_only": True, "oidc": oidc_section(provider)})
    await account_factory(tenant, "commission", [(Role.COMMISSION_ADMIN, {})])
    page = await cme_client.get("/t/only/login")
    assert "/t/only/login/sso" in page.text and 'name="password"' not in page.text
    # The SSO-only page has no form to take a CSRF token from; the session's token is the same on
    # another tenant's sign-in page.
    await tenant_factory(slug="plain")
    csrf = csrf_of((await cme_client.get("/t/plain/login")).text)
    r = await cme_client.post(
        "/t/only/login",
        data={"username": "commission", "password": TEST_PASSWORD, "_csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 403 and SSO_ONLY in r.text
    assert not await signed_in(cme_client, "only")


async def test_sso_only_accounts_are_never_sent_to_a_password_change(
    cme_client, provider, tenant_factory, cme_scope, monkeypatch
):
    provider.reset()
    forget_provider_cache()
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    tenant = await tenant_factory(slug="sso", auth={"sso_only": True, "oidc": oidc_section(provider)})
    with cme_scope(tenant):
        account = Account(username="commission", display_name="单点登录", must_change_password=True)
        await Account.insert(account)
    r = await cme_client.get(approve(await begin(cme_client)), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/t/sso/"
    home = await cme_client.get("/t/sso/", follow_redirects=False)
    assert home.status_code == 200 and "单点登录" in home.text


def csrf_of(html: str) -> str:
    marker = 'name="_csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


AUTH_FILE = """
name = "单点登录省"
plugin = "beijing"
{extra}
"""


def write(directory: Path, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "alpha.toml").write_text(AUTH_FILE.format(extra=text), encoding="utf-8")
    return directory


async def test_auth_section_is_validated_and_synced(tmp_path, cme_db):
    pm = get_plugin_manager()
    good = """
[auth]
sso_only = true
[auth.oidc]
issuer = "https://sso.example.gov.cn"
client_id = "cme"
client_secret_env = "CME_OIDC_ALPHA_SECRET"
match = "sso_subject"
"""
    await sync_tenants(read_tenant_dir(write(tmp_path / "t", good), pm))
    (tenant,) = await load_tenants()
    assert tenant.auth["sso_only"] is True
    assert tenant.auth["oidc"]["issuer"] == "https://sso.example.gov.cn"
    assert (
        tenant.auth["oidc"]["claim"] == "preferred_username" and tenant.auth["oidc"]["match"] == "sso_subject"
    )

    await sync_tenants(read_tenant_dir(write(tmp_path / "t", ""), pm))
    (tenant,) = await load_tenants()
    assert tenant.auth == {}


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("[auth]\nsso_only = true", "sso_only = true needs"),
        (
            '[auth.oidc]\nissuer = "http://sso.example.gov.cn"\nclient_id = "c"\nclient_secret_env = "S"',
            "https",
        ),
        ('[auth.oidc]\nissuer = "sso.example.gov.cn"\nclient_id = "c"\nclient_secret_env = "S"', "https"),
        (
            '[auth.oidc]\nissuer = "https://a.cn"\nclient_id = "c"\nclient_secret_env = "secret"',
            "client_secret_env",
        ),
        ('[auth.oidc]\nissuer = "https://a.cn"\nclient_id = "c"\nclient_secret = "S"', "client_secret"),
        (
            '[auth.oidc]\nissuer = "https://a.cn"\nclient_id = "c"\nclient_secret_env = "S"\nmatch = "email"',
            "match",
        ),
        (
            '[auth.oidc]\nissuer = "https://a.cn"\nclient_id = "c"\nclient_secret_env = "S"\nscopes = "x"',
            "openid",
        ),
        ("[auth]\npassword = false", "password"),
    ],
)
def test_bad_auth_sections_are_rejected(tmp_path, section, message):
    with pytest.raises(TenantFileError, match=message):
        read_tenant_dir(write(tmp_path / "t", section), get_plugin_manager())


def test_loopback_issuers_may_use_http(tmp_path):
    section = '[auth.oidc]\nissuer = "http://127.0.0.1:9000"\nclient_id = "c"\nclient_secret_env = "S"'
    (spec,) = read_tenant_dir(write(tmp_path / "t", section), get_plugin_manager())
    assert spec.auth["oidc"]["issuer"] == "http://127.0.0.1:9000"
