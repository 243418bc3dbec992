"""Platform operators: their own sign-in on the bare host, the tenant overview, and audited views."""

from __future__ import annotations

from typing import Any

from cme_platform.audit.tables import AuditEvent, PlatformAuditEvent
from cme_platform.identity import throttle
from cme_platform.identity.operators import add_operator
from cme_platform.identity.tables import PlatformLoginThrottle
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.pytest_plugin import captcha_answer, form_value

PASSWORD = "Platform@Key2026"


async def sign_in(client: Any, password: str = PASSWORD, *, captcha: str | None = None) -> Any:
    form = await client.get("/platform/login")
    assert form.status_code == 200
    token = form_value(form.text, "captcha_token")
    return await client.post(
        "/platform/login",
        data={
            "_csrf": form_value(form.text, "_csrf"),
            "username": "ops",
            "password": password,
            "captcha_token": token,
            "captcha": captcha if captcha is not None else await captcha_answer(token),
        },
        follow_redirects=False,
    )


async def platform_actions() -> list[tuple[str, int | None, str]]:
    rows = await PlatformAuditEvent.select(
        PlatformAuditEvent.action, PlatformAuditEvent.tenant_id, PlatformAuditEvent.actor_kind
    ).order_by(PlatformAuditEvent.seq)
    return [(r["action"], r["tenant_id"], r["actor_kind"]) for r in rows]


async def test_operator_signs_in_sees_tenants_and_every_view_is_audited_twice(cme_client, world, other_world):
    await add_operator("ops", "运维甲", PASSWORD)
    assert (await cme_client.get("/platform", follow_redirects=False)).headers[
        "location"
    ] == "/platform/login"
    assert (await sign_in(cme_client, captcha="WRONG")).status_code == 400
    assert (await sign_in(cme_client, "Wrong@Pass2026")).status_code == 400
    done = await sign_in(cme_client)
    assert done.status_code == 303 and done.headers["location"] == "/platform"

    overview = await cme_client.get("/platform")
    assert overview.status_code == 200
    assert world.tenant.name in overview.text and other_world.tenant.name in overview.text
    assert "完整" in overview.text and "5 / 5" in overview.text

    view = await cme_client.get(f"/platform/tenants/{world.tenant.id}")
    assert view.status_code == 200 and "commission 测试" in view.text
    assert (await cme_client.get("/platform/tenants/999999")).status_code == 404

    assert await platform_actions() == [
        ("operator.create", None, "system"),
        ("operator.login_failed", None, "anonymous"),
        ("operator.login", None, "operator"),
        ("operator.view_tenant", world.tenant.id, "operator"),
    ]
    with scope(world.tenant):
        (logged,) = await AuditEvent.select().where(AuditEvent.action == "operator.view_tenant")
    assert logged["actor_kind"] == "operator" and logged["actor_name"] == "ops"
    with scope(other_world.tenant):
        assert not await AuditEvent.exists().where(AuditEvent.action == "operator.view_tenant")

    logout_form = await cme_client.get("/platform")
    out = await cme_client.post(
        "/platform/logout", data={"_csrf": form_value(logout_form.text, "_csrf")}, follow_redirects=False
    )
    assert out.status_code == 303
    assert (await platform_actions())[-1] == ("operator.logout", None, "operator")
    assert (await cme_client.get("/platform", follow_redirects=False)).status_code == 303


async def test_an_operator_never_gets_a_tenant_session(cme_client, world):
    await add_operator("ops", "运维甲", PASSWORD)
    assert (await sign_in(cme_client)).status_code == 303
    assert (await cme_client.get(f"/t/{world.tenant.slug}/api/identity/accounts")).status_code == 401
    home = await cme_client.get(f"/t/{world.tenant.slug}/")
    assert "请先登录" in home.text


async def test_operator_pages_do_not_exist_inside_a_tenant(cme_client, world):
    assert (await cme_client.get(f"/t/{world.tenant.slug}/platform/login")).status_code == 404
    assert (await cme_client.get(f"/t/{world.tenant.slug}/platform")).status_code == 404


async def test_operators_get_the_same_lock_out(cme_client):
    await add_operator("ops", "运维甲", PASSWORD)
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        response = await sign_in(cme_client, "Wrong@Pass2026")
        assert response.status_code == 400 and "用户名或密码错误" in response.text
    locked = await sign_in(cme_client, "Wrong@Pass2026")
    assert locked.status_code == 429 and "账户已锁定，请 1 分钟后再试" in locked.text
    refused = await sign_in(cme_client)  # the right password, while locked
    assert refused.status_code == 429 and "账户已锁定" in refused.text
    counters = await PlatformLoginThrottle.select(PlatformLoginThrottle.kind, PlatformLoginThrottle.failures)
    assert {r["kind"]: r["failures"] for r in counters} == dict.fromkeys(
        (throttle.NAME, throttle.ACCOUNT, throttle.IP), throttle.ACCOUNT_LIMIT
    )
    failed = await PlatformAuditEvent.select(PlatformAuditEvent.after).where(
        PlatformAuditEvent.action == "operator.login_failed"
    )
    assert len(failed) == throttle.ACCOUNT_LIMIT + 1  # every failure is on record, the locked one too
    # after the lock, the right password signs in and clears the operator's counter
    await PlatformLoginThrottle.update({PlatformLoginThrottle.locked_until: None}, force=True)
    assert (await sign_in(cme_client)).status_code == 303
    assert not await PlatformLoginThrottle.exists().where(PlatformLoginThrottle.kind == throttle.ACCOUNT)


async def test_an_unknown_operator_name_like_a_phone_is_masked(cme_client):
    form = await cme_client.get("/platform/login")
    token = form_value(form.text, "captcha_token")
    response = await cme_client.post(
        "/platform/login",
        data={
            "_csrf": form_value(form.text, "_csrf"),
            "username": "13800138000",
            "password": "x",
            "captcha_token": token,
            "captcha": await captcha_answer(token),
        },
        follow_redirects=False,
    )
    assert response.status_code == 400
    (event,) = await PlatformAuditEvent.select().where(PlatformAuditEvent.action == "operator.login_failed")
    assert "13800138000" not in repr(event) and event["object_id"] == "138****8000"
