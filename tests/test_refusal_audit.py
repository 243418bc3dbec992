"""Security-relevant refusals leave an audit record, rate-limited so that a flood cannot fill the log:
refused CSRF checks, forged, ``alg=none``, expired, revoked and foreign API tokens, 403s on protected
reads, and refused uploads."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cme_platform.audit.tables import AuditEvent, PlatformAuditEvent
from cme_platform.audit.verify import verify_chain
from cme_platform.identity.tables import ApiToken
from cme_platform.identity.tokens import ALGORITHM
from cme_platform.tenancy.scope import scope
from joserfc import jwt
from joserfc.jwk import OctKey
from test_personnel_api import MALE_ID
from test_personnel_api import person as person_body

TOKENS = "/t/alpha/api/identity/tokens"
REGIONS = "/t/alpha/api/orgs/regions"
PEOPLE = "/t/alpha/api/personnel/people"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


async def refusals(tenant: Any, action: str) -> list[dict[str, Any]]:
    """The tenant's records of ``action``, oldest first, with ``after`` decoded."""
    with scope(tenant):
        rows = (
            await AuditEvent.select(
                AuditEvent.account_id,
                AuditEvent.ip,
                AuditEvent.summary,
                AuditEvent.object_id,
                AuditEvent.after,
            )
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.seq)
            .output(load_json=True)
        )
    return rows


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_refused_csrf_check_is_recorded_with_the_account(
    cme_client: Any, world: Any, login: Any
) -> None:
    await login(cme_client, world.tenant, "commission")
    token = cme_client.headers.pop("X-CSRF-Token")
    response = await cme_client.post(REGIONS, json={"name": "新区", "code": "NEW"})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    again = await cme_client.post(REGIONS, json={"name": "新区", "code": "NEW"})
    wrong = await cme_client.post(REGIONS, json={"name": "新区"}, headers={"X-CSRF-Token": "x"})
    assert again.status_code == wrong.status_code == 403
    missing, mismatch = await refusals(world.tenant, "security.csrf_refused")  # the repeat is counted only
    assert missing["account_id"] == world.accounts["commission"] and missing["ip"]
    assert missing["after"] == {"reason": "token_missing", "count_in_window": 1}
    assert "POST /api/orgs/regions" in missing["summary"]
    assert mismatch["after"] == {"reason": "token_mismatch", "count_in_window": 1}
    assert token not in json.dumps([missing, mismatch], default=str)


async def test_forged_expired_revoked_and_foreign_tokens_are_recorded(
    cme_client: Any, world: Any, other_world: Any, login: Any
) -> None:
    await login(cme_client, world.tenant, "commission")
    created = (await cme_client.post(TOKENS, json={"name": "对接", "roles": ["commission_admin"]})).json()
    good = created["token"]
    claims = json.loads(base64.urlsafe_b64decode(good.split(".")[1] + "=="))
    forged = {
        "bad_algorithm": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}.",
        "bad_signature": jwt.encode(
            {"alg": ALGORITHM}, claims, OctKey.import_key(b"k" * 32), algorithms=[ALGORITHM]
        ),
        "malformed": "not-a-token",
    }
    for reason, token in forged.items():
        response = await cme_client.get(REGIONS, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.json()["code"] == "invalid_token", reason
        assert (await refusals(world.tenant, "security.token_refused"))[-1]["after"]["reason"] == reason
    # a token of this tenant presented to another tenant
    foreign = await cme_client.get(
        f"/t/{other_world.tenant.slug}/api/orgs/regions", headers={"Authorization": f"Bearer {good}"}
    )
    assert foreign.status_code == 401
    [row] = await refusals(other_world.tenant, "security.token_refused")
    assert row["after"]["reason"] == "wrong_tenant"
    with scope(world.tenant):
        await ApiToken.update({ApiToken.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
            ApiToken.id == created["info"]["id"]
        )
    assert (await cme_client.get(REGIONS, headers={"Authorization": f"Bearer {good}"})).status_code == 401
    with scope(world.tenant):
        await ApiToken.update({ApiToken.revoked_at: datetime.now(UTC)}).where(
            ApiToken.id == created["info"]["id"]
        )
    assert (await cme_client.get(REGIONS, headers={"Authorization": f"Bearer {good}"})).status_code == 401
    rows = await refusals(world.tenant, "security.token_refused")
    assert [r["after"]["reason"] for r in rows] == [*forged, "expired", "revoked"]
    assert rows[-1]["object_id"] == str(created["info"]["id"])
    assert good not in json.dumps(rows, default=str)


async def test_forbidden_reads_are_recorded(cme_client: Any, world: Any, login: Any) -> None:
    await login(cme_client, world.tenant, "learner")
    response = await cme_client.get("/t/alpha/api/audit/events")
    assert response.status_code == 403
    [row] = await refusals(world.tenant, "security.forbidden")
    assert row["account_id"] == world.accounts["learner"] and "GET /api/audit/events" in row["summary"]
    assert row["after"] == {"reason": "forbidden", "count_in_window": 1}


async def test_a_department_admins_reveal_is_recorded(cme_client: Any, world: Any, login: Any) -> None:
    await login(cme_client, world.tenant, "commission")
    id_number = MALE_ID
    created = await cme_client.post(PEOPLE, json=person_body(world))
    assert created.status_code == 201, created.text
    await login(cme_client, world.tenant, "department")
    reveal = await cme_client.get(f"{PEOPLE}/{created.json()['id']}/reveal")
    assert reveal.status_code == 403
    [row] = await refusals(world.tenant, "security.forbidden")
    assert row["account_id"] == world.accounts["department"] and "/reveal" in row["summary"]
    assert id_number not in json.dumps(row, ensure_ascii=False, default=str)


async def test_refused_uploads_are_recorded_without_the_file_name(
    cme_client: Any, world: Any, login: Any
) -> None:
    await login(cme_client, world.tenant, "learner")
    response = await cme_client.post(
        "/t/alpha/api/files",
        data={"purpose": "evidence"},
        files={"file": ("110105194912310021.pdf", EXE, "application/octet-stream")},
    )
    assert response.status_code == 415
    [row] = await refusals(world.tenant, "security.upload_refused")
    assert row["after"]["reason"] == "unsupported_file_type"
    assert row["account_id"] == world.accounts["learner"]
    assert "110105194912310021" not in json.dumps(row, default=str)


async def test_a_flood_of_refusals_leaves_a_bounded_number_of_records(
    cme_client: Any, world: Any, login: Any
) -> None:
    await login(cme_client, world.tenant, "commission")
    cme_client.headers.pop("X-CSRF-Token")
    for _ in range(100):
        assert (await cme_client.post(REGIONS, json={"name": "新区", "code": "NEW"})).status_code == 403
    rows = await refusals(world.tenant, "security.csrf_refused")
    assert [r["after"]["count_in_window"] for r in rows] == [1, 10, 100]
    assert "第 100 次" in rows[-1]["summary"]
    assert (await verify_chain(world.tenant.id)).ok  # the refusals extend the chain like any record


async def test_refusals_outside_tenants_go_to_the_operators_log(cme_client: Any, world: Any) -> None:
    response = await cme_client.post("/platform/login", data={"username": "ops", "password": "x"})
    assert response.status_code == 403
    rows = await PlatformAuditEvent.select(PlatformAuditEvent.action, PlatformAuditEvent.after).output(
        load_json=True
    )
    assert [(r["action"], r["after"]["reason"]) for r in rows] == [
        ("security.csrf_refused", "no_token_expected")
    ]
