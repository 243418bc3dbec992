"""Two-tenant isolation: what tenant A owns is invisible and unchangeable from tenant B.

Covers every tenant-owned table (through the ORM scope) and every JSON API route and org page (through
HTTP, signed in as tenant B's commission admin and guessing tenant A's IDs). A new table or route that
this test does not know fails it, so isolation is checked for everything added later too.
"""

from __future__ import annotations

import re
from typing import Any

from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.orgs.tables import Department, Institution, Region
from cme_platform.tenancy.scope import scope
from cme_platform.tenancy.tables import TENANT_OWNED_TABLES

PARAM_RE = re.compile(r"\{(\w+)(?::\w+)?\}")


def _ids_by_table(world: Any) -> dict[type, list[int]]:
    return {
        Region: [world.region_id, world.other_region_id],
        Institution: [world.institution_id, world.other_institution_id],
        Department: [world.department_id, world.other_department_id],
        Account: list(world.accounts.values()),
        RoleGrant: [],  # filled from the database below
    }


async def _snapshot(world: Any) -> dict[str, list[dict[str, Any]]]:
    with scope(world.tenant):
        return {t._meta.tablename: await t.select().order_by(t.id) for t in TENANT_OWNED_TABLES}


async def test_every_tenant_owned_table_is_isolated(world, other_world):
    known = _ids_by_table(world)
    assert set(TENANT_OWNED_TABLES) <= set(known), (
        f"tables without an isolation case: {set(TENANT_OWNED_TABLES) - set(known)}"
    )
    before = await _snapshot(world)
    for table in TENANT_OWNED_TABLES:
        a_ids = [row["id"] for row in before[table._meta.tablename]]
        assert a_ids, f"tenant A has no {table.__name__} rows: the world fixture must create some"
        with scope(other_world.tenant):
            seen = {row["id"] for row in await table.select(table.id)}
            assert not seen & set(a_ids), f"{table.__name__}: tenant B sees tenant A's rows"
            for a_id in a_ids:
                assert await table.objects().where(table.id == a_id).first() is None
                assert not await table.exists().where(table.id == a_id)
            await table.update({table.id: table.id}).where(table.id.is_in(a_ids))
            await table.delete().where(table.id.is_in(a_ids))
    assert await _snapshot(world) == before, "tenant B changed tenant A's rows"


# Bodies for create routes that point at tenant A's objects (from tenant B they must be refused).
CREATE_BODIES = {
    "/api/orgs/regions": None,  # a region has no parent: nothing of A to point at
    "/api/orgs/institutions": lambda w: {
        "name": "越权",
        "code": "X-1",
        "level": "三级医院",
        "region_id": w.region_id,
    },
    "/api/orgs/departments": lambda w: {"institution_id": w.institution_id, "name": "越权科室"},
}
PARAM_IDS = {
    "region_id": lambda w: w.region_id,
    "institution_id": lambda w: w.institution_id,
    "department_id": lambda w: w.department_id,
    "item_id": None,  # page routes: filled per kind below
}
LIST_IDS = {
    "/api/orgs/regions": lambda w: {w.region_id, w.other_region_id},
    "/api/orgs/institutions": lambda w: {w.institution_id, w.other_institution_id},
    "/api/orgs/departments": lambda w: {w.department_id, w.other_department_id},
}
PAGE_KIND_IDS = {
    "regions": lambda w: w.region_id,
    "institutions": lambda w: w.institution_id,
    "departments": lambda w: w.department_id,
}


def _api_routes(app: Any) -> list[tuple[str, str]]:
    routes = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", ())):
            if method in ("OPTIONS", "HEAD"):
                continue
            if route.path.startswith("/api/") or route.path.startswith("/orgs/"):
                routes.append((method, route.path))
    return routes


async def test_every_route_refuses_other_tenants_ids(cme_app, cme_client, world, other_world, login):
    before = await _snapshot(world)
    await login(cme_client, other_world.tenant, "commission")
    prefix = f"/t/{other_world.tenant.slug}"
    routes = _api_routes(cme_app)
    assert routes
    for method, path in routes:
        params = PARAM_RE.findall(path)
        url = path
        for name in params:
            if name == "item_id":
                kind = path.split("/")[2]
                value = PAGE_KIND_IDS[kind](world)
            else:
                assert name in PARAM_IDS, f"{method} {path}: no isolation case for path parameter {name}"
                value = PARAM_IDS[name](world)
            url = PARAM_RE.sub(str(value), url, count=1)
        if method == "GET" and params:
            response = await cme_client.get(prefix + url)
            assert response.status_code == 404, (
                f"GET {path} with tenant A's id answered {response.status_code}"
            )
        elif method == "GET":
            response = await cme_client.get(
                prefix + url, params={"page_size": 200} if path.startswith("/api/") else {}
            )
            assert response.status_code == 200, f"GET {path}: {response.status_code}"
            if path in LIST_IDS:
                listed = {item["id"] for item in response.json()["items"]}
                assert listed and listed.isdisjoint(LIST_IDS[path](world)), (
                    f"GET {path} lists tenant A's rows"
                )
        elif method == "PATCH":
            response = await cme_client.patch(prefix + url, json={"name": "越权修改"})
            assert response.status_code == 404, f"PATCH {path}: {response.status_code}"
        elif method == "POST" and path.startswith("/api/"):
            assert path in CREATE_BODIES, f"POST {path}: add an isolation case to CREATE_BODIES"
            body = CREATE_BODIES[path]
            if body is not None:
                response = await cme_client.post(prefix + url, json=body(world))
                assert response.status_code in (400, 404), f"POST {path}: {response.status_code}"
        elif method == "POST":
            form = {
                "name": "越权",
                "code": "X-2",
                "active": "0",
                "level": "三级医院",
                "institution_id": str(world.institution_id),
            }
            response = await cme_client.post(prefix + url, data=form, follow_redirects=False)
            if params:
                assert response.status_code == 404, f"POST {path}: {response.status_code}"
            else:
                assert response.status_code in (303, 400), f"POST {path}: {response.status_code}"
    assert await _snapshot(world) == before, "requests from tenant B changed tenant A's rows"


async def test_a_session_of_one_tenant_is_not_valid_in_another(cme_client, world, other_world, login):
    await login(cme_client, world.tenant, "commission")
    assert (await cme_client.get(f"/t/{world.tenant.slug}/api/orgs/regions")).status_code == 200
    r = await cme_client.get(f"/t/{other_world.tenant.slug}/api/orgs/regions")
    assert r.status_code == 401
