"""The forced password change (pages and API blocked until done), the strength rule, and "my account"
(profile page and ``/api/account``)."""

from __future__ import annotations

from typing import Any

import pytest
from cme_platform.audit.tables import AuditEvent
from cme_platform.errors import Forbidden
from cme_platform.identity.passwords import verify_password
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account
from cme_platform.testkit.pytest_plugin import TEST_PASSWORD, form_value, submit_login

BASE = "/t/alpha"
NEW_PASSWORD = "Better#2026pass"


@pytest.fixture
async def pending(cme_client: Any, world: Any, cme_scope: Any, login: Any) -> Any:
    """The institution admin signed in with a password change pending."""
    with cme_scope(world.tenant):
        await Account.update({Account.must_change_password: True}).where(Account.username == "institution")
    await login(cme_client, world.tenant, "institution")
    return world


async def _account(cme_scope: Any, world: Any, username: str) -> Account:
    with cme_scope(world.tenant):
        account = await Account.objects().where(Account.username == username).first()
        assert account is not None
        return account


async def test_sign_in_lands_on_the_password_page(cme_client: Any, world: Any, cme_scope: Any) -> None:
    with cme_scope(world.tenant):
        await Account.update({Account.must_change_password: True}).where(Account.username == "learner")
    response = await submit_login(cme_client, world.tenant, "learner")
    assert response.headers["location"] == f"{BASE}/account/password"


async def test_pages_and_api_are_blocked_until_the_password_is_changed(cme_client: Any, pending: Any) -> None:
    for path in ("/", "/orgs/institutions", "/account"):
        response = await cme_client.get(BASE + path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"{BASE}/account/password"
    api = await cme_client.get(f"{BASE}/api/orgs/institutions")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    assert (await cme_client.get(f"{BASE}/api/account")).json()["code"] == "password_change_required"
    # still open: the password page, static files, health check, captcha images
    page = await cme_client.get(f"{BASE}/account/password")
    assert page.status_code == 200 and "首次登录" in page.text
    assert (await cme_client.get(f"{BASE}/static/app.css")).status_code == 200
    assert (await cme_client.get(f"{BASE}/healthz")).status_code == 200

    token = cme_client.headers["X-CSRF-Token"]
    done = await cme_client.post(
        f"{BASE}/account/password",
        data={
            "_csrf": token,
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{BASE}/"
    home = await cme_client.get(f"{BASE}/", follow_redirects=False)
    assert home.status_code == 200 and "密码已修改，下次登录请使用新密码" in home.text
    again = await cme_client.get(f"{BASE}/", follow_redirects=False)
    assert "密码已修改" not in again.text  # shown once
    assert (await cme_client.get(f"{BASE}/api/orgs/institutions")).status_code == 200


async def test_logout_stays_open_while_a_change_is_pending(cme_client: Any, pending: Any) -> None:
    response = await cme_client.post(f"{BASE}/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{BASE}/login"


async def test_the_change_is_stored_and_audited(cme_client: Any, pending: Any, cme_scope: Any) -> None:
    response = await cme_client.post(
        f"{BASE}/api/account/password",
        json={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 204
    account = await _account(cme_scope, pending, "institution")
    assert not account.must_change_password and account.password_changed_at is not None
    assert verify_password(account.password_hash, NEW_PASSWORD)
    with cme_scope(pending.tenant):
        assert await AuditEvent.exists().where(AuditEvent.action == "auth.password_changed")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"current_password": "wrong"}, "current_password", "当前密码不正确"),
        ({"new_password": "short1A", "confirm_password": "short1A"}, "new_password", "至少 8 位"),
        ({"new_password": "alllowercase", "confirm_password": "alllowercase"}, "new_password", "至少三类"),
        ({"new_password": "Xinstitution1", "confirm_password": "Xinstitution1"}, "new_password", "用户名"),
        (
            {"new_password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD},
            "new_password",
            "不能与原密码相同",
        ),
        ({"confirm_password": "Different#2026"}, "confirm_password", "不一致"),
    ],
)
async def test_bad_changes_are_refused_and_change_nothing(
    cme_client: Any, pending: Any, cme_scope: Any, change: dict[str, str], field: str, message: str
) -> None:
    body = {
        "current_password": TEST_PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
        **change,
    }
    response = await cme_client.post(f"{BASE}/api/account/password", json=body)
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert message in errors[field]
    page = await cme_client.post(
        f"{BASE}/account/password", data={**body, "_csrf": cme_client.headers["X-CSRF-Token"]}
    )
    assert page.status_code == 400 and message in page.text
    account = await _account(cme_scope, pending, "institution")
    assert account.must_change_password and verify_password(account.password_hash, TEST_PASSWORD)


async def test_profile_api_shows_roles_and_sign_ins(cme_client: Any, world: Any, login: Any) -> None:
    await login(cme_client, world.tenant, "department")
    profile = (await cme_client.get(f"{BASE}/api/account")).json()
    assert profile["username"] == "department" and profile["phone"] is None
    assert profile["roles"] == [
        {"role": Role.DEPARTMENT_ADMIN.value, "label": "科室管理员", "unit": "A医院1 / 内科"}
    ]
    assert profile["recent_sign_ins"][0]["method"] == "密码"


async def test_contact_details_are_validated(cme_client: Any, world: Any, login: Any, cme_scope: Any) -> None:
    await login(cme_client, world.tenant, "learner")
    bad = await cme_client.patch(
        f"{BASE}/api/account", json={"phone": "12345678901", "email": "not-an-email"}
    )
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"phone", "email"}
    ok = await cme_client.patch(f"{BASE}/api/account", json={"phone": "13800138000", "email": "a@example.cn"})
    assert ok.status_code == 200 and ok.json()["phone"] == "13800138000"
    with cme_scope(world.tenant):
        assert await AuditEvent.exists().where(AuditEvent.action == "identity.account.update")
    await login(cme_client, world.tenant, "department")
    taken = await cme_client.patch(f"{BASE}/api/account", json={"phone": "13800138000"})
    assert taken.status_code == 409
    cleared = await cme_client.patch(f"{BASE}/api/account", json={"email": ""})
    assert cleared.status_code == 200 and cleared.json()["email"] is None


async def test_profile_page(cme_client: Any, world: Any, login: Any) -> None:
    await login(cme_client, world.tenant, "learner")
    page = await cme_client.get(f"{BASE}/account")
    assert page.status_code == 200
    assert (
        "我的账户" in page.text
        and "学员" in page.text
        and "修改密码" in page.text
        and "最近登录" in page.text
        and '人员编号（<span translate="no">learner</span>）或您的证件号码均可' in page.text  # how to sign in
    )
    token = form_value(page.text, "_csrf")
    bad = await cme_client.post(f"{BASE}/account", data={"_csrf": token, "phone": "123", "email": ""})
    assert bad.status_code == 400 and "手机号" in bad.text
    saved = await cme_client.post(
        f"{BASE}/account", data={"_csrf": token, "phone": "13912345678", "email": ""}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert "13912345678" in (await cme_client.get(f"{BASE}/account?saved=1")).text


async def test_sso_only_tenants_hide_the_password_change(
    cme_client: Any, tenant_factory: Any, account_factory: Any, cme_scope: Any
) -> None:
    from cme_platform.identity import account_service
    from cme_platform.identity.profile_schemas import PasswordChange

    tenant = await tenant_factory(slug="sso", auth={"sso_only": True})
    account_id = await account_factory(tenant, "carol")
    with cme_scope(tenant):
        assert not account_service.password_change_allowed()
        with pytest.raises(Forbidden):
            await account_service.change_password(
                account_id,
                PasswordChange(
                    current_password=TEST_PASSWORD, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD
                ),
            )
