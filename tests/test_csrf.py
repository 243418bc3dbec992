"""CSRF protection: unsafe requests authenticated by the session cookie need the session's token."""

from __future__ import annotations

from typing import Any

import pytest
from cme_platform.orgs.tables import Region
from cme_platform.testkit.pytest_plugin import form_value

BASE = "/t/alpha"
API = f"{BASE}/api/orgs/regions"


@pytest.fixture
async def signed_in(cme_client: Any, world: Any, login: Any) -> str:
    """The client signed in as the commission admin, without the CSRF header; returns the token."""
    await login(cme_client, world.tenant, "commission")
    return str(cme_client.headers.pop("X-CSRF-Token"))


async def _regions(cme_scope: Any, world: Any) -> list[str]:
    with cme_scope(world.tenant):
        return [r["code"] for r in await Region.select(Region.code)]


async def test_json_api_needs_the_header(cme_client: Any, signed_in: str, world: Any, cme_scope: Any) -> None:
    body = {"name": "新区", "code": "NEW"}
    missing = await cme_client.post(API, json=body)
    assert missing.status_code == 403
    assert missing.json()["code"] == "csrf_failed" and "刷新页面" in missing.json()["message"]
    wrong = await cme_client.post(API, json=body, headers={"X-CSRF-Token": signed_in[:-2] + "xx"})
    assert wrong.status_code == 403
    assert "NEW" not in await _regions(cme_scope, world)
    right = await cme_client.post(API, json=body, headers={"X-CSRF-Token": signed_in})
    assert right.status_code == 201
    assert "NEW" in await _regions(cme_scope, world)


async def test_forms_need_the_field(cme_client: Any, signed_in: str, world: Any, cme_scope: Any) -> None:
    form = await cme_client.get(f"{BASE}/orgs/regions/new")
    assert form_value(form.text, "_csrf") == signed_in
    data = {"name": "表单区", "code": "FORM", "kind": "区"}
    missing = await cme_client.post(f"{BASE}/orgs/regions/new", data=data, follow_redirects=False)
    assert missing.status_code == 403 and "页面已过期" in missing.text and "<html" in missing.text
    wrong = await cme_client.post(
        f"{BASE}/orgs/regions/new", data={**data, "_csrf": "forged"}, follow_redirects=False
    )
    assert wrong.status_code == 403
    assert "FORM" not in await _regions(cme_scope, world)
    right = await cme_client.post(
        f"{BASE}/orgs/regions/new", data={**data, "_csrf": signed_in}, follow_redirects=False
    )
    assert right.status_code == 303
    assert "FORM" in await _regions(cme_scope, world)


async def test_the_sign_in_form_is_protected_too(cme_client: Any, world: Any) -> None:
    page = await cme_client.get(f"{BASE}/login")
    assert form_value(page.text, "_csrf")
    forged = await cme_client.post(
        f"{BASE}/login", data={"username": "commission", "password": "x"}, follow_redirects=False
    )
    assert forged.status_code == 403


async def test_the_token_changes_at_sign_in(cme_client: Any, world: Any, login: Any) -> None:
    before = form_value((await cme_client.get(f"{BASE}/login")).text, "_csrf")
    await login(cme_client, world.tenant, "commission")
    assert cme_client.headers["X-CSRF-Token"] != before


async def test_bearer_requests_are_exempt(cme_client: Any, signed_in: str, world: Any) -> None:
    # No cookie authority: an Authorization header is never blocked by CSRF (the token itself is checked).
    cme_client.cookies.clear()
    response = await cme_client.post(
        API, json={"name": "x", "code": "X"}, headers={"Authorization": "Bearer not-a-real-token"}
    )
    assert response.status_code == 401
    assert response.json()["code"] != "csrf_failed"


async def test_anonymous_api_calls_get_401_not_a_csrf_error(cme_client: Any, world: Any) -> None:
    response = await cme_client.post(API, json={"name": "x", "code": "X"})
    assert response.status_code == 401


async def test_safe_methods_need_no_token(cme_client: Any, signed_in: str) -> None:
    assert (await cme_client.get(API)).status_code == 200
