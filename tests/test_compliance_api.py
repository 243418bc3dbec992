"""The compliance API: the learner's year and export, scope, list, statistics, standards, recomputation."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from typing import Any
from uuid import uuid4

import openpyxl
import pytest
from cme_platform.audit.tables import AuditEvent
from cme_platform.clock import today
from cme_platform.compliance.jobs import run_cli
from cme_platform.compliance.tables import ComplianceRun
from cme_platform.credits.tables import CreditRecord
from cme_platform.personnel.tables import Person
from cme_platform.plugins import hookimpl
from cme_platform.plugins.manager import build_plugin_manager
from cme_platform.plugins.types import PluginInfo
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld, build_world
from test_compliance_evaluate import CAT_I, CAT_II, CATEGORIES, STANDARDS, add_person

PROVINCE = "compprov"
COURSE = "心血管进展学习班"


class ComplianceProvince:
    """A test province with the evaluator tests' standards and categories."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name=PROVINCE, title="达标测试省", province="测试省", version="1")

    @hookimpl
    def cme_compliance_standards(self, tenant: Any, year: int) -> list[Any]:
        return list(STANDARDS)

    @hookimpl
    def cme_credit_categories(self, tenant: Any, year: int) -> list[Any]:
        return list(CATEGORIES)


@pytest.fixture
def cme_plugins() -> dict[str, Any]:
    """Only the test province."""
    return {PROVINCE: ComplianceProvince()}


@pytest.fixture
async def cworld(tenant_factory: Any, account_factory: Any) -> OrgWorld:
    """Tenant ``alpha`` of the test province with its organisation and role accounts."""
    tenant = await tenant_factory(slug="alpha", plugin=PROVINCE, name="达标测试省继教委")
    return await build_world(tenant, account_factory, "A")


def record(
    world: Any, person: int, category: str, credits: int, *, department: Any = "same", **extra: Any
) -> CreditRecord:
    """An approved record of this year, effective today."""
    day = today()
    return CreditRecord(
        person=person,
        institution=world.institution_id,
        department=world.department_id if department == "same" else department,
        year=day.year,
        activity_date=day - timedelta(days=1) if day.month > 1 or day.day > 1 else day,
        activity_name=extra.pop("activity_name", f"{category}学习班"),
        category=category,
        credits=credits,
        hours=extra.pop("hours", credits * 3),
        status=extra.pop("status", "approved"),
        effective_on=extra.pop("effective_on", day),
        idempotency_key=f"test:{uuid4().hex}",
        **extra,
    )


async def people(world: OrgWorld) -> dict[str, int]:
    """The learner (中级, met), a colleague of the department (未达标) and one of another institution."""
    with scope(world.tenant):
        ids = {
            "learner": await add_person(world, "学员甲", "中级", account=world.accounts["learner"]),
            "colleague": await add_person(world, "同事乙", "初级"),
        }
        ids["other"] = await add_person(world, "外单位丙", "副高", department=False)
        await Person.update({Person.institution: world.other_institution_id}).where(Person.id == ids["other"])
        await CreditRecord.insert(
            record(
                world, ids["learner"], CAT_I, 1200, subcategory="国家级", activity_name="心血管进展学习班"
            ),
            record(world, ids["learner"], CAT_II, 2000, subcategory="自学"),
            record(world, ids["learner"], "讲座学分", 300),
            record(world, ids["learner"], CAT_II, 900, status="returned"),
            record(world, ids["colleague"], CAT_I, 400),
            record(world, ids["other"], CAT_I, 3000, department=None, subcategory="国家级"),
        )
    return ids


async def test_the_learner_reads_and_exports_his_year(cme_client, cworld, login):
    await people(cworld)
    await login(cme_client, cworld.tenant, "learner")
    year = today().year
    r = await cme_client.get("/t/alpha/api/my/compliance", params={"year": year})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["met"] is True
        and body["met_label"] == "达标"
        and body["standard_text"].startswith("年度学分不少于25分")
    )
    assert (body["total_credits"], body["counted_credits"]) == (3500, 3000)
    assert body["explanation"][0] == "年度学分 35.00 分，计入 30.00 分，达到 25 分"
    assert "II类学分 20.00 分，最多计 15 分" in body["explanation"]
    summary = {row["label"]: (row["level"], row["credits"]) for row in body["summary"]}
    assert summary[CAT_I] == (0, 1200) and summary["国家级"] == (1, 1200) and summary["自学"] == (1, 2000)
    assert summary["其他"] == (0, 300) and summary["省级"] == (1, 0)
    assert len(body["records"]) == 3  # the returned record does not count
    for bad in ("abc", "1800"):
        r = await cme_client.get("/t/alpha/api/my/compliance", params={"year": bad})
        assert r.status_code == 400, (bad, r.text)
    r = await cme_client.get("/t/alpha/api/my/compliance/export", params={"year": year})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    records, summary_sheet = book["学分记录"], book["学分汇总"]
    assert [c.value for c in records[1]][:5] == [
        "活动日期",
        "项目/活动名称",
        "项目编号",
        "学分类别",
        "学分子类别",
    ]
    assert sorted(row[7] for row in records.iter_rows(min_row=2, values_only=True)) == [3, 12, 20]
    rows = {row[0]: row[1:] for row in summary_sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["总学分"][0] == 35 and rows["达标结果"][0] == "达标" and rows["其他"][0] == 3
    # the learner reaches none of the admin routes
    assert (await cme_client.get("/t/alpha/api/compliance/people")).status_code == 403
    standards = await cme_client.get("/t/alpha/api/compliance/standards")
    assert standards.status_code == 200
    assert [s["name"] for s in standards.json()["items"]] == [s.name for s in STANDARDS]


async def test_scope_list_statistics_and_export_for_unit_admins(cme_client, cworld, login):
    ids = await people(cworld)
    await login(cme_client, cworld.tenant, "department")
    r = await cme_client.get(f"/t/alpha/api/compliance/people/{ids['other']}")
    assert r.status_code == 404
    r = await cme_client.get(f"/t/alpha/api/compliance/people/{ids['colleague']}")
    assert r.status_code == 200 and r.json()["met"] is False
    assert r.json()["explanation"][0] == "年度学分 4.00 分，未达到 20 分，还差 16.00 分"
    r = await cme_client.get("/t/alpha/api/compliance/people")
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["source"] == "live" and {p["id"] for p in page["items"]} == {ids["learner"], ids["colleague"]}
    met_only = (await cme_client.get("/t/alpha/api/compliance/people", params={"met": "true"})).json()
    assert [p["name"] for p in met_only["items"]] == ["学员甲"]
    named = (await cme_client.get("/t/alpha/api/compliance/people", params={"q": "同事"})).json()
    assert [p["name"] for p in named["items"]] == ["同事乙"]
    leveled = (await cme_client.get("/t/alpha/api/compliance/people", params={"title_level": "中级"})).json()
    assert [p["name"] for p in leveled["items"]] == ["学员甲"]
    assert (
        await cme_client.get("/t/alpha/api/compliance/people", params={"year": "1800"})
    ).status_code == 400

    await login(cme_client, cworld.tenant, "institution")
    stats = (await cme_client.get("/t/alpha/api/compliance/statistics", params={"by": "title_level"})).json()
    groups = {g["label"]: (g["people"], g["met"], g["rate_text"]) for g in stats["groups"]}
    assert groups == {"中级": (1, 1, "100.0%"), "初级": (1, 0, "0.0%")}
    assert stats["overall"]["people"] == 2 and stats["overall"]["average_credits"] == (3500 + 400) // 2
    for by in ("title", "department", "establishment"):
        r = await cme_client.get("/t/alpha/api/compliance/statistics", params={"by": by})
        assert r.status_code == 200 and r.json()["overall"]["people"] == 2, (by, r.text)
    assert (
        await cme_client.get("/t/alpha/api/compliance/statistics", params={"by": "colour"})
    ).status_code == 400

    r = await cme_client.get("/t/alpha/api/compliance/people/export")
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content))["人员达标情况"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("人员编号", "姓名") and rows[0][-1] == "达标结果"
    assert sorted((row[1], row[7], row[9]) for row in rows[1:]) == [
        ("同事乙", 4, "未达标"),
        ("学员甲", 35, "达标"),
    ]
    with scope(cworld.tenant):
        assert await AuditEvent.count().where(AuditEvent.action == "compliance.export") == 1
    assert (await cme_client.post("/t/alpha/api/compliance/runs", json={"year": 2026})).status_code == 403


async def _wait_for(client: Any, run_id: int) -> dict[str, Any]:
    for _ in range(100):
        body = (await client.get(f"/t/alpha/api/compliance/runs/{run_id}")).json()
        if body["status"] in ("done", "failed"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the run did not finish")


async def test_the_commission_recomputes_and_reads_stored_results(cme_client, cworld, login):
    ids = await people(cworld)
    await login(cme_client, cworld.tenant, "commission")
    year = today().year
    before = (await cme_client.get("/t/alpha/api/compliance/people", params={"year": year})).json()
    assert before["source"] == "stored" and before["items"] == [] and before["computed_at"] is None
    r = await cme_client.post("/t/alpha/api/compliance/runs", json={"year": 1800})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "year"
    r = await cme_client.post("/t/alpha/api/compliance/runs", json={"year": year})
    assert r.status_code == 202, r.text
    done = await _wait_for(cme_client, r.json()["id"])
    assert (done["status"], done["people"], done["met"]) == ("done", 3, 2), done
    after = (await cme_client.get("/t/alpha/api/compliance/people", params={"year": year})).json()
    assert after["source"] == "stored" and after["computed_at"]
    assert {p["id"]: p["met"] for p in after["items"]} == {
        ids["learner"]: True,
        ids["colleague"]: False,
        ids["other"]: True,
    }
    narrowed = (
        await cme_client.get(
            "/t/alpha/api/compliance/people", params={"year": year, "institution_id": cworld.institution_id}
        )
    ).json()
    assert narrowed["source"] == "live" and narrowed["total"] == 2
    stats = (await cme_client.get("/t/alpha/api/compliance/statistics", params={"year": year})).json()
    assert stats["source"] == "stored" and stats["overall"]["met"] == 2
    runs = (await cme_client.get("/t/alpha/api/compliance/runs")).json()
    assert runs["total"] == 1 and runs["items"][0]["status_label"] == "已完成"
    assert (await cme_client.get("/t/alpha/api/compliance/runs/999999")).status_code == 404
    with scope(cworld.tenant):
        assert await AuditEvent.count().where(AuditEvent.action == "compliance.recompute") == 1


async def test_openapi_and_the_cli_recompute(cme_client, cworld):
    schema = (await cme_client.get("/schema/openapi.json")).json()
    paths = {p for p in schema["paths"] if "compliance" in p}
    assert {
        "/api/my/compliance",
        "/api/my/compliance/export",
        "/api/compliance/people",
        "/api/compliance/people/{person_id}",
        "/api/compliance/statistics",
        "/api/compliance/standards",
        "/api/compliance/runs",
        "/api/compliance/runs/{run_id}",
    } <= paths
    tags = {t for p in paths for op in schema["paths"][p].values() for t in op.get("tags", [])}
    assert tags == {"达标 compliance"}

    await people(cworld)
    lines: list[str] = []

    def echo(text: str, **_: Any) -> None:
        lines.append(text)

    pm = build_plugin_manager({PROVINCE: ComplianceProvince()})
    assert await run_cli(pm, "nowhere", 2026, echo) == 2
    assert await run_cli(pm, "alpha", today().year, echo) == 0
    assert lines[-1] == "已完成：3 人，达标 2 人"
    with scope(cworld.tenant):
        runs = await ComplianceRun.select(ComplianceRun.status, ComplianceRun.people)
    assert runs == [{"status": "done", "people": 3}]
