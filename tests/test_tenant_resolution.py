"""Requests find their tenant by path prefix or host; unknown tenants get a clear 404, never a 500."""

from __future__ import annotations


async def test_path_prefix_and_host_resolve_the_same_tenant(cme_client, tenant_factory):
    await tenant_factory(slug="alpha", plugin="beijing", name="甲省继教委", hosts=["cme.alpha.example.org"])
    await tenant_factory(slug="beta", plugin="zhejiang", name="乙省继教委")
    by_path = await cme_client.get("/t/alpha/")
    assert by_path.status_code == 200 and "甲省继教委" in by_path.text and "乙省继教委" not in by_path.text
    by_slug_host = await cme_client.get("/", headers={"host": "beta.localhost:8000"})
    assert by_slug_host.status_code == 200 and "乙省继教委" in by_slug_host.text
    by_declared_host = await cme_client.get("/", headers={"host": "CME.alpha.example.org"})
    assert "甲省继教委" in by_declared_host.text
    login_link = await cme_client.get("/t/alpha/login")
    assert 'action="/t/alpha/login"' in login_link.text
    host_login = await cme_client.get("/login", headers={"host": "alpha.localhost"})
    assert 'action="/login"' in host_login.text


async def test_platform_home_lists_tenants(cme_client, tenant_factory):
    await tenant_factory(slug="alpha", name="甲省继教委")
    page = await cme_client.get("/")
    assert page.status_code == 200 and "/t/alpha/" in page.text and "甲省继教委" in page.text


async def test_unknown_or_missing_tenant_is_a_friendly_404(cme_client, tenant_factory):
    await tenant_factory(slug="alpha")
    page = await cme_client.get("/t/nowhere/", headers={"accept": "text/html"})
    assert page.status_code == 404 and "nowhere" in page.text and "<html" in page.text
    api = await cme_client.get("/t/nowhere/api/orgs/regions")
    assert api.status_code == 404 and api.json()["code"] == "not_found" and "nowhere" in api.json()["message"]
    no_tenant = await cme_client.get("/orgs/regions", headers={"accept": "text/html"})
    assert no_tenant.status_code == 404 and "租户" in no_tenant.text
    unknown_host = await cme_client.get("/login", headers={"host": "nowhere.localhost"})
    assert unknown_host.status_code == 404
    missing_page = await cme_client.get("/t/alpha/no-such-page", headers={"accept": "text/html"})
    assert missing_page.status_code == 404 and "返回首页" in missing_page.text


async def test_inactive_tenants_are_not_served(cme_client, tenant_factory):
    await tenant_factory(slug="gone", active=False)
    assert (await cme_client.get("/t/gone/")).status_code == 404


async def test_health_and_openapi_need_no_tenant(cme_client, cme_db):
    assert (await cme_client.get("/healthz")).json() == {"status": "ok"}
    assert (await cme_client.get("/schema/openapi.json")).status_code == 200
