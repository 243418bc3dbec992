"""API tokens: creation (shown once), listing, revocation, and every way a bearer token must be refused."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, ApiToken, RoleGrant
from cme_platform.identity.tokens import signing_key
from cme_platform.settings import get_settings
from cme_platform.tenancy.scope import scope
from joserfc import jwt
from joserfc.jwk import OctKey

TOKENS = "/t/alpha/api/identity/tokens"
REGIONS = "/t/alpha/api/orgs/regions"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_token(client, roles: list[str], name: str = "人事系统对接", days: int = 30) -> dict:
    r = await client.post(TOKENS, json={"name": name, "roles": roles, "expires_in_days": days})
    assert r.status_code == 201, r.text
    return r.json()


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_create_use_list_and_revoke(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    created = await create_token(cme_client, ["commission_admin"])
    token = created["token"]
    info = created["info"]
    assert info["status"] == "active" and info["roles"] == ["commission_admin"]
    claims = claims_of(token)
    assert claims["iss"] == "alpha" and claims["sub"] == str(world.accounts["commission"])
    assert claims["roles"] == ["commission_admin"] and claims["exp"] > claims["iat"]

    with scope(world.tenant):
        row = await ApiToken.select().where(ApiToken.id == info["id"]).first()
    assert row["jti"] == claims["jti"] and token not in json.dumps(row, default=str), "only the jti is kept"

    listed = (await cme_client.get(TOKENS)).json()
    assert [t["id"] for t in listed] == [info["id"]] and "token" not in listed[0]

    r = await cme_client.get(REGIONS, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert {i["id"] for i in r.json()["items"]} == {world.region_id, world.other_region_id}

    r = await cme_client.post(f"{TOKENS}/{info['id']}/revoke")
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    r = await cme_client.get(REGIONS, headers=bearer(token))
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_token" and r.json()["message"] == "令牌已被撤销"
    assert r.headers["www-authenticate"].startswith("Bearer")

    # Revoking again changes nothing and records nothing more.
    assert (await cme_client.post(f"{TOKENS}/{info['id']}/revoke")).json()["status"] == "revoked"
    with scope(world.tenant):
        actions = [
            e["action"]
            for e in await AuditEvent.select(AuditEvent.action).where(
                AuditEvent.action.like("identity.token.%")
            )
        ]
    assert actions == ["identity.token.create", "identity.token.revoke"]


async def test_last_use_is_written_at_most_once_a_minute(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    created = await create_token(cme_client, ["commission_admin"])
    assert (await cme_client.get(REGIONS, headers=bearer(created["token"]))).status_code == 200
    with scope(world.tenant):
        first = (await ApiToken.select(ApiToken.last_used_at).first())["last_used_at"]
    assert first is not None
    assert (await cme_client.get(REGIONS, headers=bearer(created["token"]))).status_code == 200
    with scope(world.tenant):
        assert (await ApiToken.select(ApiToken.last_used_at).first())["last_used_at"] == first
        await ApiToken.update({ApiToken.last_used_at: first - timedelta(minutes=2)}).where(ApiToken.id > 0)
    assert (await cme_client.get(REGIONS, headers=bearer(created["token"]))).status_code == 200
    with scope(world.tenant):
        assert (await ApiToken.select(ApiToken.last_used_at).first())["last_used_at"] > first - timedelta(
            seconds=1
        )


async def test_expired_tokens_are_refused(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    created = await create_token(cme_client, ["commission_admin"])
    with scope(world.tenant):
        await ApiToken.update({ApiToken.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
            ApiToken.id == created["info"]["id"]
        )
    r = await cme_client.get(REGIONS, headers=bearer(created["token"]))
    assert r.status_code == 401 and r.json()["message"] == "令牌已过期"
    assert (await cme_client.get(TOKENS)).json()[0]["status"] == "expired"

    # A correctly signed token whose exp has passed, for a live row.
    live = await create_token(cme_client, ["commission_admin"])
    claims = {**claims_of(live["token"]), "exp": int(datetime.now(UTC).timestamp()) - 10}
    key = signing_key(get_settings().secret_key)
    stale = jwt.encode({"alg": "HS256"}, claims, key, algorithms=["HS256"])
    r = await cme_client.get(REGIONS, headers=bearer(stale))
    assert r.status_code == 401 and r.json()["message"] == "令牌已过期"


async def test_forged_tampered_and_garbage_tokens_get_401_never_500(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    created = await create_token(cme_client, ["commission_admin"])
    token = created["token"]
    header, payload, signature = token.split(".")
    claims = claims_of(token)

    forged_key = OctKey.import_key(b"not-the-platform-secret-" * 2)
    forged = jwt.encode({"alg": "HS256"}, claims, forged_key, algorithms=["HS256"])
    tampered = f"{header}.{b64({**claims, 'sub': str(world.accounts['institution'])})}.{signature}"
    alg_none = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    alg_none_signed = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.{signature}"
    wrong_alg = jwt.encode(
        {"alg": "HS512"},
        claims,
        OctKey.import_key(signing_key(get_settings().secret_key).raw_value),
        algorithms=["HS512"],
    )
    unknown_jti = jwt.encode(
        {"alg": "HS256"},
        {**claims, "jti": "no-such-token"},
        signing_key(get_settings().secret_key),
        algorithms=["HS256"],
    )
    other_account = jwt.encode(
        {"alg": "HS256"},
        {**claims, "sub": str(world.accounts["institution"])},
        signing_key(get_settings().secret_key),
        algorithms=["HS256"],
    )
    cases = [
        forged,
        tampered,
        alg_none,
        alg_none_signed,
        wrong_alg,
        unknown_jti,
        other_account,
        "garbage",
        "a.b.c",
        "..",
        "",
        "e30.e30.e30",
        token + "x",
        "%%%",
    ]
    for bad in cases:
        r = await cme_client.get(REGIONS, headers=bearer(bad))
        assert r.status_code == 401, (bad, r.status_code, r.text)
        assert r.json() == {"code": "invalid_token", "message": "令牌无效", "errors": []}, bad


async def test_a_token_of_tenant_a_is_refused_on_tenant_b(cme_client, world, other_world, login):
    await login(cme_client, world.tenant, "commission")
    created = await create_token(cme_client, ["commission_admin"])
    r = await cme_client.get(
        f"/t/{other_world.tenant.slug}/api/orgs/regions", headers=bearer(created["token"])
    )
    assert r.status_code == 401 and r.json()["message"] == "令牌无效"


async def test_roles_are_a_subset_of_the_accounts_current_roles(cme_client, world, login, account_factory):
    both = await account_factory(
        world.tenant,
        "both",
        [(Role.COMMISSION_ADMIN, {}), (Role.LEARNER, {"institution": world.institution_id})],
    )
    await login(cme_client, world.tenant, "both")
    learner_only = await create_token(cme_client, ["learner"], name="只读学员")
    r = await cme_client.get(REGIONS, headers=bearer(learner_only["token"]))
    assert r.status_code == 403, "a learner-role token must not reach an admin route"

    admin = await create_token(cme_client, ["commission_admin", "learner"], name="管理")
    assert (await cme_client.get(REGIONS, headers=bearer(admin["token"]))).status_code == 200
    # Revoking the role from the account limits its tokens at once.
    with scope(world.tenant):
        await RoleGrant.delete().where((RoleGrant.account == both) & (RoleGrant.role == "commission_admin"))
    assert (await cme_client.get(REGIONS, headers=bearer(admin["token"]))).status_code == 403

    await login(cme_client, world.tenant, "institution")
    r = await cme_client.post(
        TOKENS, json={"name": "越权", "roles": ["commission_admin"], "expires_in_days": 5}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "roles"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "roles": ["commission_admin"], "expires_in_days": 0},
        {"name": "x", "roles": ["commission_admin"], "expires_in_days": 366},
        {"name": "x", "roles": [], "expires_in_days": 30},
        {"name": "x", "roles": ["superuser"], "expires_in_days": 30},
        {"name": "", "roles": ["commission_admin"], "expires_in_days": 30},
        {"name": "   ", "roles": ["commission_admin"], "expires_in_days": 30},
        {"name": "x" * 101, "roles": ["commission_admin"], "expires_in_days": 30},
        {"name": "x", "roles": ["commission_admin"], "expires_in_days": 30, "extra": 1},
    ],
)
async def test_bad_create_requests_are_refused_and_write_nothing(cme_client, world, login, body):
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.post(TOKENS, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "validation_error" and r.json()["errors"]
    with scope(world.tenant):
        assert await ApiToken.count() == 0


async def test_who_may_create_tokens(cme_client, world, login):
    await login(cme_client, world.tenant, "learner")
    r = await cme_client.post(TOKENS, json={"name": "学员", "roles": ["learner"], "expires_in_days": 5})
    assert r.status_code == 403 and r.json()["message"] == "学员账户不能创建 API 令牌"

    await login(cme_client, world.tenant, "institution")
    created = await create_token(cme_client, ["institution_admin"])
    r = await cme_client.post(
        TOKENS,
        json={"name": "套娃", "roles": ["institution_admin"], "expires_in_days": 365},
        headers=bearer(created["token"]),
    )
    assert r.status_code == 403, "a token must not mint tokens"
    with scope(world.tenant):
        assert await ApiToken.count() == 1


async def test_commission_admins_see_and_revoke_every_token(cme_client, world, login):
    await login(cme_client, world.tenant, "institution")
    mine = await create_token(cme_client, ["institution_admin"])
    assert (await cme_client.get(TOKENS, params={"all_accounts": "true"})).status_code == 403

    await login(cme_client, world.tenant, "department")
    r = await cme_client.post(f"{TOKENS}/{mine['info']['id']}/revoke")
    assert r.status_code == 404, "another account's token looks absent"
    assert (await cme_client.get(TOKENS)).json() == []

    await login(cme_client, world.tenant, "commission")
    assert (await cme_client.get(TOKENS)).json() == []
    every = (await cme_client.get(TOKENS, params={"all_accounts": "true"})).json()
    assert [(t["id"], t["username"]) for t in every] == [(mine["info"]["id"], "institution")]
    r = await cme_client.post(f"{TOKENS}/{mine['info']['id']}/revoke")
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert (await cme_client.get(REGIONS, headers=bearer(mine["token"]))).status_code == 401


async def test_inactive_accounts_tokens_stop_working(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    created = await create_token(cme_client, ["commission_admin"])
    with scope(world.tenant):
        await Account.update({Account.active: False}).where(Account.id == world.accounts["commission"])
    r = await cme_client.get(REGIONS, headers=bearer(created["token"]))
    assert r.status_code == 401 and r.json()["message"] == "令牌无效"


async def test_bearer_requests_never_use_the_session(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    created = await create_token(cme_client, ["commission_admin"])
    # API: a bad token is refused even though the session is signed in.
    assert (await cme_client.get(REGIONS, headers=bearer("garbage"))).status_code == 401
    # Pages ignore tokens: with a bearer header the request is anonymous, valid token or not.
    for token in (created["token"], "garbage"):
        r = await cme_client.get("/t/alpha/orgs/regions", headers=bearer(token), follow_redirects=False)
        assert r.status_code == 303 and "/t/alpha/login" in r.headers["location"]
    assert (await cme_client.get("/t/alpha/orgs/regions")).status_code == 200


TOKEN_RE = re.compile(r'<textarea[^>]*class="token-value"[^>]*>([^<]+)</textarea>')


async def test_token_page_creates_shows_once_and_revokes(cme_client, world, login):
    await login(cme_client, world.tenant, "institution")
    page = await cme_client.get("/t/alpha/account/tokens")
    assert page.status_code == 200 and "还没有令牌" in page.text and "单位管理员（科教部门）" in page.text
    r = await cme_client.post(
        "/t/alpha/account/tokens",
        data={"name": "院内系统", "roles": "institution_admin", "expires_in_days": "30"},
    )
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    token = TOKEN_RE.search(r.text).group(1).strip()
    assert "离开本页后将无法再次查看" in r.text
    assert (await cme_client.get("/t/alpha/api/orgs/institutions", headers=bearer(token))).status_code == 200

    listing = await cme_client.get("/t/alpha/account/tokens")
    assert "院内系统" in listing.text and token not in listing.text and "有效" in listing.text

    r = await cme_client.post(
        "/t/alpha/account/tokens", data={"name": "", "roles": "commission_admin", "expires_in_days": "400"}
    )
    assert r.status_code == 400 and "field-error" in r.text

    with scope(world.tenant):
        token_id = (await ApiToken.select(ApiToken.id).first())["id"]
    r = await cme_client.post(f"/t/alpha/account/tokens/{token_id}/revoke", follow_redirects=False)
    assert r.status_code == 303
    assert "已撤销" in (await cme_client.get("/t/alpha/account/tokens")).text
    assert (await cme_client.get("/t/alpha/api/orgs/institutions", headers=bearer(token))).status_code == 401


async def test_token_page_is_not_for_learners(cme_client, world, login):
    await login(cme_client, world.tenant, "learner")
    assert (await cme_client.get("/t/alpha/account/tokens")).status_code == 403
    home = await cme_client.get("/t/alpha/")
    assert "API 令牌" not in home.text


async def test_another_tenants_tokens_are_invisible(cme_client, world, other_world, login):
    await login(cme_client, world.tenant, "commission")
    created = await create_token(cme_client, ["commission_admin"])
    await login(cme_client, other_world.tenant, "commission")
    other = f"/t/{other_world.tenant.slug}/api/identity/tokens"
    assert (await cme_client.get(other, params={"all_accounts": "true"})).json() == []
    assert (await cme_client.post(f"{other}/{created['info']['id']}/revoke")).status_code == 404
    assert (await cme_client.get(REGIONS, headers=bearer(created["token"]))).status_code == 200


async def test_token_page_takes_several_roles(cme_client, world, login, account_factory):
    await account_factory(
        world.tenant,
        "both",
        [(Role.INSTITUTION_ADMIN, {"institution": world.institution_id}), (Role.LEARNER, {})],
    )
    await login(cme_client, world.tenant, "both")
    r = await cme_client.post(
        "/t/alpha/account/tokens",
        data={"name": "两个角色", "roles": ["institution_admin", "learner"], "expires_in_days": "7"},
    )
    assert r.status_code == 201, r.text
    with scope(world.tenant):
        row = await ApiToken.select(ApiToken.roles).output(load_json=True).first()
    assert sorted(row["roles"]) == ["institution_admin", "learner"]
