"""Account administration pages and the one-time set-up link page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from cme_platform.audit.tables import AuditEvent
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant, SetupLink
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.pytest_plugin import form_value

STRONG = "Neu@Pass2026"
LINK_RE = re.compile(r'value="http://testserver\.local(/t/alpha/account/setup/[^"]+)"')


async def create_by_page(client: Any, world: Any, **fields: str) -> Any:
    form = {
        "username": "wangwu",
        "display_name": "王五",
        "role": "learner",
        "unit": f"d:{world.department_id}",
        "password_mode": "link",
        **fields,
    }
    return await client.post(f"/t/{world.tenant.slug}/accounts/new", data=form)


async def test_list_new_and_detail_pages(cme_client, world, login):
    await login(cme_client, world.tenant, "institution")
    page = await cme_client.get("/t/alpha/accounts")
    assert page.status_code == 200 and "learner 测试" in page.text and "commission 测试" not in page.text
    form = await cme_client.get("/t/alpha/accounts/new")
    assert form.status_code == 200
    assert "科室管理员" in form.text and "单位管理员（科教部门）</option>" not in form.text

    refused = await create_by_page(cme_client, world, password_mode="default")
    assert refused.status_code == 400 and "身份证号" in refused.text
    created = await create_by_page(cme_client, world)
    assert created.status_code == 200, created.text[:500]
    assert "一次性设置密码链接" in created.text and LINK_RE.search(created.text)
    with scope(world.tenant):
        account = await Account.objects().where(Account.username == "wangwu").first()
    detail = await cme_client.get(f"/t/alpha/accounts/{account.id}")
    assert detail.status_code == 200 and "王五" in detail.text and "/account/setup/" not in detail.text

    saved = await cme_client.post(
        f"/t/alpha/accounts/{account.id}",
        data={"display_name": "王五一", "phone": "13900000000", "email": ""},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    bad = await cme_client.post(
        f"/t/alpha/accounts/{account.id}", data={"display_name": "王五", "phone": "abc"}
    )
    assert bad.status_code == 400
    granted = await cme_client.post(
        f"/t/alpha/accounts/{account.id}/roles",
        data={"role": "project_owner", "unit": f"i:{world.institution_id}"},
        follow_redirects=False,
    )
    assert granted.status_code == 303
    outside = await cme_client.post(
        f"/t/alpha/accounts/{account.id}/roles",
        data={"role": "project_owner", "unit": f"i:{world.other_institution_id}"},
    )
    assert outside.status_code == 400 and "没有权限" in outside.text
    off = await cme_client.post(
        f"/t/alpha/accounts/{account.id}/active", data={"active": "0"}, follow_redirects=False
    )
    assert off.status_code == 303
    with scope(world.tenant):
        account = await Account.objects().where(Account.id == account.id).first()
        assert account.display_name == "王五一" and account.phone == "13900000000" and not account.active
    assert (await cme_client.get(f"/t/alpha/accounts/{world.accounts['commission']}")).status_code == 404


async def test_duplicate_username_on_the_page(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    response = await create_by_page(cme_client, world, username="learner")
    assert response.status_code == 400 and "该用户名已被使用" in response.text


async def _link(client: Any, world: Any, login: Any) -> str:
    await login(client, world.tenant, "commission")
    created = await create_by_page(client, world)
    path = LINK_RE.search(created.text).group(1)  # type: ignore[union-attr]
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    return path


async def test_setup_link_sets_the_password_once_and_signs_in(cme_client, world, login):
    path = await _link(cme_client, world, login)
    page = await cme_client.get(path)
    assert page.status_code == 200 and "王五" in page.text
    csrf = form_value(page.text, "_csrf")
    weak = await cme_client.post(path, data={"_csrf": csrf, "password": "short", "password_confirm": "short"})
    assert weak.status_code == 400 and "至少 8 位" in weak.text
    mismatch = await cme_client.post(
        path, data={"_csrf": csrf, "password": STRONG, "password_confirm": STRONG + "x"}
    )
    assert mismatch.status_code == 400
    done = await cme_client.post(
        path, data={"_csrf": csrf, "password": STRONG, "password_confirm": STRONG}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/t/alpha/"
    home = await cme_client.get("/t/alpha/")
    assert "王五" in home.text and "学员" in home.text
    assert (await cme_client.get(path)).status_code == 410
    with scope(world.tenant):
        account = await Account.objects().where(Account.username == "wangwu").first()
        assert account.password_hash and not account.must_change_password
        actions = [r["action"] for r in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.seq)]
    assert actions[-2:] == ["auth.password_changed", "auth.login"]
    cme_client.cookies.clear()
    await login(cme_client, world.tenant, "wangwu", STRONG)


async def test_used_and_expired_links_are_refused(cme_client, world, login):
    path = await _link(cme_client, world, login)
    with scope(world.tenant):
        await SetupLink.update({SetupLink.expires_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
            SetupLink.id > 0
        )
    page = await cme_client.get(path)
    assert page.status_code == 410 and "链接已失效" in page.text
    assert (await cme_client.get("/t/alpha/account/setup/not-a-token")).status_code == 410


async def test_a_link_does_not_work_in_another_tenant(cme_client, world, other_world, login):
    path = await _link(cme_client, world, login)
    assert (await cme_client.get(path.replace("/t/alpha/", "/t/beta/"))).status_code == 410


async def test_reset_password_and_revoke_on_the_detail_page(cme_client, world, login, account_factory):
    id_number = "110105199003071239"
    learner = await account_factory(
        world.tenant,
        id_number,
        [
            (Role.LEARNER, {"institution": world.institution_id}),
            (Role.ONSITE_MANAGER, {"institution": world.institution_id}),
        ],
    )
    await login(cme_client, world.tenant, "institution")
    default = await cme_client.post(
        f"/t/alpha/accounts/{learner}/password", data={"password_mode": "default"}
    )
    assert (
        default.status_code == 200 and "身份证号后六位" in default.text and not LINK_RE.search(default.text)
    )
    link = await cme_client.post(f"/t/alpha/accounts/{learner}/password", data={"password_mode": "link"})
    assert link.status_code == 200 and LINK_RE.search(link.text)
    refused = await cme_client.post(
        f"/t/alpha/accounts/{world.accounts['learner']}/password", data={"password_mode": "default"}
    )
    assert refused.status_code == 400 and "身份证号" in refused.text
    with scope(world.tenant):
        manager = next(
            g["id"]
            for g in await RoleGrant.select(RoleGrant.id, RoleGrant.role).where(RoleGrant.account == learner)
            if g["role"] == "onsite_manager"
        )
    revoked = await cme_client.post(
        f"/t/alpha/accounts/{learner}/roles/{manager}/revoke", follow_redirects=False
    )
    assert revoked.status_code == 303
    with scope(world.tenant):
        assert [
            g["role"] for g in await RoleGrant.select(RoleGrant.role).where(RoleGrant.account == learner)
        ] == ["learner"]
