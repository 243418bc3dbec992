"""The compliance pages render for their roles, refuse the others, and start a recomputation."""

from __future__ import annotations

import re
from typing import Any

from cme_platform.testkit.pytest_plugin import form_value
from test_compliance_api import _wait_for, cme_plugins, cworld, people  # noqa: F401 (fixtures)


async def test_learner_pages(cme_client, cworld, login):  # noqa: F811
    await people(cworld)
    await login(cme_client, cworld.tenant, "learner")
    page = await cme_client.get("/t/alpha/my/compliance")
    assert page.status_code == 200, page.text[-2000:]
    html = page.text
    assert "达标情况查询" in html and 'data-met="True"' in html and ">达标<" in html
    assert "学分汇总" in html and "心血管进展学习班" in html and "导出Excel" in html
    assert "/t/alpha/api/my/compliance/export?year=" in html
    assert 'name="viewport"' in html and "年度学分 35.00 分，计入 30.00 分，达到 25 分" in html
    assert (await cme_client.get("/t/alpha/my/compliance", params={"year": "abc"})).status_code == 400
    standards = await cme_client.get("/t/alpha/compliance/standards")
    assert (
        standards.status_code == 200 and "年度学分不少于25分" in standards.text and "5 年" in standards.text
    )
    for path in ("/compliance", "/compliance/statistics", "/compliance/runs"):
        assert (await cme_client.get(f"/t/alpha{path}")).status_code == 403, path
    menu = re.findall(r'href="/t/alpha(/[^"]*)"', html)
    assert "/my/compliance" in menu and "/compliance/standards" in menu and "/compliance" not in menu


async def test_admin_pages(cme_client, cworld, login):  # noqa: F811
    ids = await people(cworld)
    await login(cme_client, cworld.tenant, "institution")
    listing = await cme_client.get("/t/alpha/compliance")
    assert listing.status_code == 200, listing.text[-2000:]
    assert "人员达标情况查询" in listing.text and "学员甲" in listing.text and "同事乙" in listing.text
    assert "外单位丙" not in listing.text
    filtered = await cme_client.get("/t/alpha/compliance", params={"met": "false"})
    assert "同事乙" in filtered.text and "学员甲" not in filtered.text
    detail = await cme_client.get(f"/t/alpha/compliance/people/{ids['colleague']}")
    assert detail.status_code == 200 and "还差 16.00 分" in detail.text
    assert (await cme_client.get(f"/t/alpha/compliance/people/{ids['other']}")).status_code == 404
    stats = await cme_client.get("/t/alpha/compliance/statistics", params={"by": "title_level"})
    assert stats.status_code == 200 and 'class="bar"' in stats.text and "width: 100.0%" in stats.text
    assert (await cme_client.get("/t/alpha/my/compliance")).status_code == 403
    assert (await cme_client.get("/t/alpha/compliance/runs")).status_code == 403


async def test_commission_starts_a_recompute_from_the_page(cme_client, cworld, login):  # noqa: F811
    await people(cworld)
    await login(cme_client, cworld.tenant, "commission")
    page = await cme_client.get("/t/alpha/compliance/runs")
    assert page.status_code == 200 and "开始重算" in page.text and "还没有重算记录" in page.text
    listing = await cme_client.get("/t/alpha/compliance")
    assert "尚未计算" in listing.text
    csrf = form_value(page.text, "_csrf")
    bad = await cme_client.post("/t/alpha/compliance/runs", data={"_csrf": csrf, "year": "x"})
    assert bad.status_code == 400 and "请选择年度" in bad.text
    started: Any = await cme_client.post(
        "/t/alpha/compliance/runs", data={"_csrf": csrf, "year": "2026"}, follow_redirects=False
    )
    assert started.status_code == 303 and started.headers["location"] == "/t/alpha/compliance/runs"
    runs = (await cme_client.get("/t/alpha/api/compliance/runs")).json()
    assert runs["total"] == 1 and runs["items"][0]["year"] == 2026
    await _wait_for(cme_client, runs["items"][0]["id"])
    assert "已完成" in (await cme_client.get("/t/alpha/compliance/runs")).text
