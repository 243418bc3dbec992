"""The standards API and pages: each province's table, the calculator, refused figures, sign-in required."""

from __future__ import annotations

import pytest

ALPHA = "/t/alpha/api/standards"
BETA = "/t/beta/api/standards"


async def test_beijing_table_has_the_seed_rows(cme_client, world, login):
    await login(cme_client, world.tenant, "learner")
    r = await cme_client.get(ALPHA, params={"year": 2025})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["year"] == 2025 and len(body["items"]) == 20
    first, talk = body["items"][0], body["items"][10]
    assert (
        first["name"] == "国家级继续医学教育项目主讲人授分" and first["text"] == "每1小时授予2分(最高限分10)"
    )
    assert first["inputs"] == ["hours", "days", "project_credits"] and first["role"] == "主讲人"
    assert talk["text"] == "0.5分" and "单次不少于1小时学习" in talk["note"]
    assert body["items"][3]["text"] == "申报项目导入" and body["items"][3]["inputs"] == []


async def test_zhejiang_table_is_named_for_the_year(cme_client, other_world, login):
    await login(cme_client, other_world.tenant, "institution")
    items = (await cme_client.get(BETA, params={"year": 2024})).json()["items"]
    assert len(items) == 13 and items[0]["name"] == "2024赴外省获得学分（国家级）"
    assert items[11]["inputs"] == ["author_rank"] and items[11]["author_ranks"] == 3


async def test_compute_explains_the_credits(cme_client, other_world, login):
    await login(cme_client, other_world.tenant, "learner")
    r = await cme_client.post(f"{BETA}/zj-01/compute", json={"hours": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["credits"] == 33 and r.json()["credits_text"] == "0.33"
    r = await cme_client.post(f"{BETA}/zj-12/compute", json={"author_rank": 1})
    assert r.json()["credits"] == 2500 and r.json()["explanation"][-1] == "授予25分"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hours": "25"}, "hours"),
        ({"hours": "-2"}, "hours"),
        ({}, "hours"),
    ],
)
async def test_impossible_figures_are_400_naming_the_field(cme_client, other_world, login, body, field):
    await login(cme_client, other_world.tenant, "learner")
    r = await cme_client.post(f"{BETA}/zj-01/compute", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["field"] == field


async def test_bad_requests(cme_client, world, login):
    await login(cme_client, world.tenant, "learner")
    assert (await cme_client.post(f"{ALPHA}/nope/compute", json={})).status_code == 404
    assert (await cme_client.post(f"{ALPHA}/bj-01/compute", json={"hours": "abc"})).status_code == 400
    assert (await cme_client.post(f"{ALPHA}/bj-01/compute", json={"minutes": 3})).status_code == 400
    assert (await cme_client.get(ALPHA, params={"year": 1800})).status_code == 400
    r = await cme_client.post(f"{ALPHA}/bj-01/compute", json={"hours": "2"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "project_credits"
    r = await cme_client.post(f"{ALPHA}/bj-01/compute", json={"hours": "2", "project_credits": "3"})
    assert r.json()["credits"] == 300


async def test_sign_in_required(cme_client, world):
    assert (await cme_client.get(ALPHA)).status_code == 401


async def test_pages(cme_client, other_world, login):
    await login(cme_client, other_world.tenant, "learner")
    page = await cme_client.get("/t/beta/standards", params={"year": 2025})
    assert page.status_code == 200 and "2025赴外省获得学分（国家级）" in page.text
    assert "每3小时授予1分(最高限分10)" in page.text
    form = await cme_client.get("/t/beta/standards/zj-01")
    assert form.status_code == 200 and "学时" in form.text
    result = await cme_client.post("/t/beta/standards/zj-01", data={"hours": "3.5"})
    assert result.status_code == 200 and "可授予 1.16 学分" in result.text
    refused = await cme_client.post("/t/beta/standards/zj-01", data={"hours": "30"})
    assert "24小时" in refused.text and "可授予" not in refused.text
    assert (await cme_client.get("/t/beta/standards/zz-99")).status_code == 404
