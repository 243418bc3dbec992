"""Account administration API: scope rules per role, passwords, duplicates, audit records."""

from __future__ import annotations

from typing import Any

import pytest
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.tenancy.scope import scope

ID_NUMBER = "110105199003071239"
API = "/api/identity/accounts"


def url(world: Any, path: str = "") -> str:
    return f"/t/{world.tenant.slug}{API}{path}"


def new_account(username: str, *roles: dict[str, Any], mode: str = "link") -> dict[str, Any]:
    return {"username": username, "display_name": "新账户", "roles": list(roles), "password_mode": mode}


async def account_count(world: Any) -> int:
    with scope(world.tenant):
        return await Account.count()


async def actions(world: Any) -> list[str]:
    """The tenant's audit actions in order, without recorded refusals (tests/test_refusal_audit.py)."""
    with scope(world.tenant):
        rows = await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.seq)
    return [r["action"] for r in rows if not r["action"].startswith("security.")]


async def test_default_password_only_for_id_number_usernames(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    learner = {"role": "learner", "institution_id": world.institution_id}
    before = await account_count(world)
    refused = await cme_client.post(url(world), json=new_account("zhangsan", learner, mode="default"))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "password_mode"
    wrong_check = ID_NUMBER[:-1] + "0"
    refused = await cme_client.post(url(world), json=new_account(wrong_check, learner, mode="default"))
    assert refused.status_code == 400
    assert await account_count(world) == before

    created = await cme_client.post(url(world), json=new_account(ID_NUMBER, learner, mode="default"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["account"]["must_change_password"] is True
    assert body["credential"]["setup_url"] is None and "后六位" in body["credential"]["notice"]
    cme_client.headers.pop("X-CSRF-Token", None)
    cme_client.cookies.clear()
    await login(cme_client, world.tenant, ID_NUMBER, ID_NUMBER[-6:])
    assert "identity.account.create" in await actions(world)


async def test_duplicate_username_is_a_409_and_writes_nothing(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    before = await account_count(world)
    response = await cme_client.post(
        url(world), json=new_account("learner", {"role": "learner", "institution_id": world.institution_id})
    )
    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "username", "message": "该用户名已被使用"}]
    assert await account_count(world) == before


GRANT_CASES = [
    # (caller, role, unit key on the world, expected status)
    ("commission", Role.AUDIT_EXPERT, None, 201),
    ("commission", Role.REGION_ADMIN, "region_id", 201),
    ("commission", Role.COMMISSION_ADMIN, None, 201),
    ("region", Role.INSTITUTION_ADMIN, "institution_id", 201),
    ("region", Role.LEARNER, "department_id", 201),
    ("region", Role.INSTITUTION_ADMIN, "other_institution_id", 403),
    ("region", Role.REGION_ADMIN, "region_id", 403),
    ("region", Role.AUDIT_EXPERT, None, 403),
    ("institution", Role.DEPARTMENT_ADMIN, "department_id", 201),
    ("institution", Role.PROJECT_OWNER, "institution_id", 201),
    ("institution", Role.ONSITE_MANAGER, "department_id", 201),
    ("institution", Role.INSTITUTION_ADMIN, "institution_id", 403),
    ("institution", Role.LEARNER, "other_institution_id", 403),
    ("institution", Role.AUDIT_EXPERT, None, 403),
    ("department", Role.LEARNER, "department_id", 201),
    ("department", Role.LEARNER, "institution_id", 403),
    ("department", Role.LEARNER, "other_department_id", 403),
    ("department", Role.PROJECT_OWNER, "institution_id", 403),
]
UNIT_FIELD = {
    "region_id": "region_id",
    "institution_id": "institution_id",
    "other_institution_id": "institution_id",
    "department_id": "department_id",
    "other_department_id": "department_id",
}


@pytest.mark.parametrize(("caller", "role", "unit", "status"), GRANT_CASES)
async def test_who_may_create_which_role_where(cme_client, world, login, caller, role, unit, status):
    await login(cme_client, world.tenant, caller)
    grant: dict[str, Any] = {"role": role.value}
    if unit:
        grant[UNIT_FIELD[unit]] = getattr(world, unit)
    before = await account_count(world)
    response = await cme_client.post(url(world), json=new_account("newcomer", grant))
    assert response.status_code == status, response.text
    assert await account_count(world) == before + (1 if status == 201 else 0)
    if status == 201:
        assert response.json()["credential"]["setup_url"].startswith(
            "http://testserver.local/t/alpha/account/setup/"
        )


async def test_grants_must_name_the_unit_their_role_needs(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    cases = [
        {"role": "audit_expert", "institution_id": world.institution_id},
        {"role": "region_admin"},
        {"role": "department_admin", "institution_id": world.institution_id},
        {"role": "learner", "region_id": world.region_id},
        {
            "role": "learner",
            "institution_id": world.other_institution_id,
            "department_id": world.department_id,
        },
    ]
    for grant in cases:
        response = await cme_client.post(url(world), json=new_account("newcomer", grant))
        assert response.status_code in (400, 404), (grant, response.text)
    assert (await cme_client.post(url(world), json=new_account("x", {"role": "nobody"}))).status_code == 400


async def test_other_tenants_ids_are_not_found(cme_client, world, other_world, login):
    await login(cme_client, world.tenant, "commission")
    for field, value in (
        ("institution_id", other_world.institution_id),
        ("department_id", other_world.department_id),
        ("region_id", other_world.region_id),
    ):
        role = {"institution_id": "learner", "department_id": "learner", "region_id": "region_admin"}[field]
        response = await cme_client.post(
            url(world), json=new_account("intruder", {"role": role, field: value})
        )
        assert response.status_code == 404, response.text
    other_account = other_world.accounts["learner"]
    assert (await cme_client.get(url(world, f"/{other_account}"))).status_code == 404
    response = await cme_client.patch(url(world, f"/{other_account}"), json={"display_name": "越权"})
    assert response.status_code == 404


async def test_lists_are_limited_to_the_callers_reach(cme_client, world, login, account_factory):
    extra = await account_factory(
        world.tenant,
        "dept_learner",
        [(Role.LEARNER, {"institution": world.institution_id, "department": world.department_id})],
    )
    expected = {
        "commission": set(world.accounts.values()) | {extra},
        "region": {
            world.accounts["institution"],
            world.accounts["department"],
            world.accounts["learner"],
            extra,
        },
        "institution": {world.accounts["department"], world.accounts["learner"], extra},
        "department": {extra},
    }
    for caller, ids in expected.items():
        cme_client.cookies.clear()
        await login(cme_client, world.tenant, caller)
        listed = await cme_client.get(url(world), params={"page_size": 200})
        assert listed.status_code == 200
        assert {a["id"] for a in listed.json()["items"]} == ids, caller
    filtered = await cme_client.get(url(world), params={"role": "learner", "q": "dept_"})
    assert [a["username"] for a in filtered.json()["items"]] == ["dept_learner"]


async def test_learners_cannot_administer_accounts(cme_client, world, login):
    await login(cme_client, world.tenant, "learner")
    assert (await cme_client.get(url(world))).status_code == 403


async def test_nobody_edits_an_account_holding_more_than_he_could_grant(
    cme_client, world, login, account_factory
):
    both = await account_factory(
        world.tenant,
        "learner_and_owner",
        [
            (Role.LEARNER, {"institution": world.institution_id, "department": world.department_id}),
            (Role.PROJECT_OWNER, {"institution": world.institution_id}),
        ],
    )
    await login(cme_client, world.tenant, "department")
    assert (await cme_client.get(url(world, f"/{both}"))).status_code == 200
    response = await cme_client.patch(url(world, f"/{both}"), json={"display_name": "改名"})
    assert response.status_code == 403
    cme_client.cookies.clear()
    await login(cme_client, world.tenant, "institution")
    response = await cme_client.patch(
        url(world, f"/{both}"), json={"display_name": "改名", "phone": "13800000000"}
    )
    assert response.status_code == 200 and response.json()["phone"] == "13800000000"


async def test_deactivate_activate_and_audit(cme_client, world, login):
    await login(cme_client, world.tenant, "institution")
    learner = world.accounts["learner"]
    response = await cme_client.patch(url(world, f"/{learner}"), json={"active": False})
    assert response.status_code == 200 and response.json()["active"] is False
    response = await cme_client.patch(url(world, f"/{learner}"), json={"active": True, "email": "a@b.cn"})
    assert response.status_code == 200
    assert (await actions(world))[-3:] == [
        "identity.account.deactivate",
        "identity.account.update",
        "identity.account.activate",
    ]
    with scope(world.tenant):
        rows = await AuditEvent.select(AuditEvent.before, AuditEvent.after).where(
            AuditEvent.action.like("identity.%")
        )
    assert rows and all(
        "password" not in str(r["before"]) + str(r["after"]) or "password_mode" in str(r["after"])
        for r in rows
    )
    assert all("argon2" not in str(r["before"]) + str(r["after"]) for r in rows)


async def test_bad_patch_values_write_nothing(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    learner = world.accounts["learner"]
    for body in ({"phone": "not a phone"}, {"email": "nope"}, {"display_name": "  "}, {"password_hash": "x"}):
        response = await cme_client.patch(url(world, f"/{learner}"), json=body)
        assert response.status_code == 400, (body, response.text)
    assert (await cme_client.get(url(world, f"/{learner}"))).json()["display_name"] == "learner 测试"


async def test_nobody_changes_his_own_roles_or_status(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    me = world.accounts["commission"]
    assert (await cme_client.patch(url(world, f"/{me}"), json={"active": False})).status_code == 403
    grant = {"role": "audit_expert"}
    assert (await cme_client.post(url(world, f"/{me}/roles"), json=grant)).status_code == 403


async def test_grant_and_revoke_roles(cme_client, world, login):
    await login(cme_client, world.tenant, "institution")
    learner = world.accounts["learner"]
    grant = {"role": "project_owner", "institution_id": world.institution_id}
    response = await cme_client.post(url(world, f"/{learner}/roles"), json=grant)
    assert response.status_code == 200, response.text
    roles = response.json()["roles"]
    assert {r["role"] for r in roles} == {"learner", "project_owner"}
    assert (await cme_client.post(url(world, f"/{learner}/roles"), json=grant)).status_code == 409
    refused = {"role": "institution_admin", "institution_id": world.institution_id}
    assert (await cme_client.post(url(world, f"/{learner}/roles"), json=refused)).status_code == 403
    owner = next(r for r in roles if r["role"] == "project_owner")
    response = await cme_client.delete(url(world, f"/{learner}/roles/{owner['id']}"))
    assert response.status_code == 200 and [r["role"] for r in response.json()["roles"]] == ["learner"]
    last = response.json()["roles"][0]["id"]
    assert (await cme_client.delete(url(world, f"/{learner}/roles/{last}"))).status_code == 400
    with scope(world.tenant):
        assert await RoleGrant.count().where(RoleGrant.account == learner) == 1
    assert (await actions(world))[-2:] == ["identity.role.grant", "identity.role.revoke"]


async def test_reset_password_modes(cme_client, world, login, account_factory):
    id_learner = await account_factory(
        world.tenant, ID_NUMBER, [(Role.LEARNER, {"institution": world.institution_id})]
    )
    await login(cme_client, world.tenant, "institution")
    response = await cme_client.post(
        url(world, f"/{id_learner}/password-reset"), json={"password_mode": "default"}
    )
    assert response.status_code == 200 and response.json()["account"]["must_change_password"] is True
    plain = world.accounts["learner"]
    refused = await cme_client.post(url(world, f"/{plain}/password-reset"), json={"password_mode": "default"})
    assert refused.status_code == 400
    response = await cme_client.post(url(world, f"/{plain}/password-reset"), json={"password_mode": "link"})
    assert response.status_code == 200 and "/account/setup/" in response.json()["credential"]["setup_url"]
    with scope(world.tenant):
        account = await Account.objects().where(Account.id == plain).first()
    assert account.password_hash == ""
    assert (await actions(world))[-2:] == ["identity.setup_link.create", "identity.account.reset_password"]
