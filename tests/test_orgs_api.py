"""The organisation API: CRUD, role scope, and every kind of bad input answered with a clear 4xx."""

from __future__ import annotations

from cme_platform.orgs.tables import Institution
from cme_platform.tenancy.scope import scope

API = "/t/alpha/api/orgs"


async def test_commission_admin_manages_the_whole_tree(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.post(f"{API}/regions", json={"name": "新区", "code": "NEW", "kind": "区"})
    assert r.status_code == 201, r.text
    region = r.json()
    r = await cme_client.post(
        f"{API}/institutions",
        json={
            "name": "新区医院",
            "code": "NEW-1",
            "region_id": region["id"],
            "level": "三级医院",
            "staff_count": 120,
        },
    )
    assert r.status_code == 201, r.text
    institution = r.json()
    assert institution["region_name"] == "新区" and institution["category"] == "综合"
    r = await cme_client.post(
        f"{API}/departments", json={"institution_id": institution["id"], "name": "心内科"}
    )
    assert r.status_code == 201, r.text
    department = r.json()

    r = await cme_client.patch(
        f"{API}/institutions/{institution['id']}", json={"staff_count": 150, "active": False}
    )
    assert r.json()["staff_count"] == 150 and r.json()["active"] is False
    r = await cme_client.patch(f"{API}/departments/{department['id']}", json={"name": "心血管内科"})
    assert r.json()["name"] == "心血管内科"

    listing = (await cme_client.get(f"{API}/institutions", params={"region_id": region["id"]})).json()
    assert [i["code"] for i in listing["items"]] == ["NEW-1"] and listing["total"] == 1
    listing = (await cme_client.get(f"{API}/institutions", params={"active": "true", "q": "医院"})).json()
    assert {i["code"] for i in listing["items"]} == {"AI1", "AI2"}
    regions = (await cme_client.get(f"{API}/regions")).json()
    assert {r["code"]: r["institution_count"] for r in regions["items"]} == {"AR1": 1, "AR2": 1, "NEW": 1}


async def test_validation_errors_are_field_errors_in_chinese(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.post(
        f"{API}/institutions", json={"name": "", "code": "bad code!", "staff_count": "many"}
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "validation_error" and body["message"]
    assert body["errors"] and all(e["message"] for e in body["errors"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["errors"][0]["message"])

    r = await cme_client.post(f"{API}/institutions", json={"code": "X1", "level": "三级医院"})
    assert r.status_code == 400 and r.json()["errors"][0] == {"field": "name", "message": "必填项，不能为空"}

    r = await cme_client.post(
        f"{API}/institutions", json={"name": "某医院", "code": "X1", "level": "不存在的级别"}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "level"

    r = await cme_client.post(
        f"{API}/institutions", json={"name": "某医院", "code": "X1", "level": "三级医院", "staff_count": -1}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "staff_count"

    r = await cme_client.post(f"{API}/regions", json={"name": "x", "code": "Y", "colour": "red"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "colour"


async def test_malformed_and_oversize_bodies(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    headers = {"content-type": "application/json"}
    r = await cme_client.post(f"{API}/regions", content=b'{"name": "x", "code": ', headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "invalid_json"
    r = await cme_client.post(f"{API}/regions", content=b"[1, 2]", headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "validation_error"
    big = b'{"name": "' + b"x" * 2_000_000 + b'", "code": "BIG"}'
    r = await cme_client.post(f"{API}/regions", content=big, headers=headers)
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"
    r = await cme_client.get(f"{API}/institutions/abc")
    assert r.status_code in (400, 404) and "code" in r.json()
    r = await cme_client.get(f"{API}/institutions", params={"page_size": 100000})
    assert r.status_code == 400 and r.json()["code"] == "validation_error"
    regions = (await cme_client.get(f"{API}/regions")).json()
    assert regions["total"] == 2, "a rejected request wrote something"


async def test_unknown_ids_and_duplicates(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.get(f"{API}/institutions/999999")
    assert r.status_code == 404 and r.json() == {"code": "not_found", "message": "单位不存在", "errors": []}
    r = await cme_client.patch(f"{API}/regions/999999", json={"name": "x"})
    assert r.status_code == 404
    r = await cme_client.post(
        f"{API}/institutions", json={"name": "重复", "code": "AI1", "level": "三级医院", "region_id": 999999}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "region_id"
    r = await cme_client.post(
        f"{API}/institutions", json={"name": "重复", "code": "AI1", "level": "三级医院"}
    )
    assert r.status_code == 409 and r.json()["errors"] == [{"field": "code", "message": "该单位编码已被使用"}]
    r = await cme_client.patch(f"{API}/institutions/{world.other_institution_id}", json={"code": "AI1"})
    assert r.status_code == 409
    with scope(world.tenant):
        codes = sorted(r["code"] for r in await Institution.select(Institution.code))
    assert codes == ["AI1", "AI2"], "a failed write left a partial change"


async def test_roles_see_and_change_only_their_part(cme_client, world, login):
    await login(cme_client, world.tenant, "region")
    institutions = (await cme_client.get(f"{API}/institutions")).json()["items"]
    assert [i["id"] for i in institutions] == [world.institution_id]
    assert (await cme_client.get(f"{API}/institutions/{world.other_institution_id}")).status_code == 404
    r = await cme_client.post(
        f"{API}/institutions",
        json={"name": "本区新医院", "code": "R1-NEW", "level": "区直属医院", "region_id": world.region_id},
    )
    assert r.status_code == 201, r.text
    r = await cme_client.post(
        f"{API}/institutions",
        json={
            "name": "他区医院",
            "code": "R2-NEW",
            "level": "区直属医院",
            "region_id": world.other_region_id,
        },
    )
    assert r.status_code == 403
    assert (await cme_client.post(f"{API}/regions", json={"name": "x", "code": "X"})).status_code == 403

    await login(cme_client, world.tenant, "institution")
    departments = (await cme_client.get(f"{API}/departments")).json()["items"]
    assert [d["id"] for d in departments] == [world.department_id]
    r = await cme_client.post(
        f"{API}/departments", json={"institution_id": world.institution_id, "name": "外科"}
    )
    assert r.status_code == 201
    r = await cme_client.post(
        f"{API}/departments", json={"institution_id": world.other_institution_id, "name": "外科"}
    )
    assert r.status_code == 400  # the other institution is out of reach: reported as not existing
    r = await cme_client.patch(f"{API}/institutions/{world.institution_id}", json={"name": "改名"})
    assert r.status_code == 403

    await login(cme_client, world.tenant, "department")
    assert [d["id"] for d in (await cme_client.get(f"{API}/departments")).json()["items"]] == [
        world.department_id
    ]
    r = await cme_client.patch(f"{API}/departments/{world.department_id}", json={"name": "改名"})
    assert r.status_code == 403

    await login(cme_client, world.tenant, "learner")
    r = await cme_client.get(f"{API}/institutions")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


async def test_anonymous_requests_are_refused(cme_client, world):
    r = await cme_client.get(f"{API}/regions")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    r = await cme_client.post(f"{API}/regions", json={"name": "x", "code": "X"})
    assert r.status_code == 401


async def test_vocabulary_and_openapi(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    vocabulary = (await cme_client.get(f"{API}/vocabulary")).json()
    assert vocabulary["categories"] == ["综合", "中医"] and vocabulary["institution_levels"]
    schema = (await cme_client.get("/schema/openapi.json")).json()
    assert "/api/orgs/institutions" in schema["paths"]
    assert "InstitutionIn" in str(schema["components"]["schemas"].keys())
