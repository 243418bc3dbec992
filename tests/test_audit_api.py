"""The audit API and page: search filters and paging, export, chain status, change logs, who may see them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from cme_platform.audit.context import Actor, acting_as
from cme_platform.audit.query import object_history
from cme_platform.audit.service import record
from cme_platform.clock import CHINA
from cme_platform.tenancy.scope import scope
from openpyxl import load_workbook

API = "/t/alpha/api/audit"


async def _seed(tenant, accounts) -> None:
    """Three kinds of events by two actors from two addresses."""
    clerk = Actor(kind="account", account_id=accounts["institution"], name="institution 测试", ip="10.0.0.2")
    boss = Actor(kind="account", account_id=accounts["commission"], name="commission 测试", ip="10.0.0.1")
    with scope(tenant):
        with acting_as(clerk):
            for _ in range(3):
                await record("auth.login_failed", object_type="account", object_id=accounts["institution"])
            await record("orgs.department.update", object_type="department", object_id=5, summary="修改科室")
        with acting_as(boss):
            await record(
                "identity.account.update",
                object_type="account",
                object_id=accounts["learner"],
                summary="修改账号",
                before={"phone": "13800000000", "name": "甲"},
                after={"phone": "13900000000", "name": "甲"},
            )


async def test_search_filters_and_paging(cme_client, world, login):
    await _seed(world.tenant, world.accounts)
    await login(cme_client, world.tenant, "commission")  # records auth.login itself
    r = await cme_client.get(f"{API}/events")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 6
    seqs = [e["seq"] for e in body["items"]]
    assert seqs == sorted(seqs, reverse=True), "newest first"

    async def total(**params) -> int:
        r = await cme_client.get(f"{API}/events", params=params)
        assert r.status_code == 200, r.text
        return r.json()["total"]

    assert await total(action="auth.login_failed") == 3
    assert await total(action="auth.") == 4
    assert await total(action="auth") == 0, "without the dot the name is exact"
    assert await total(account="institution") == 4, "by username"
    assert await total(account="commission 测") == 2, "by name"
    assert await total(account_id=world.accounts["commission"]) == 2, "the update and the login"
    assert await total(ip="10.0.0.1") == 1
    assert await total(object_type="department", object_id="5") == 1
    today = datetime.now(CHINA).date()
    assert await total(date_from=today.isoformat(), date_to=today.isoformat()) == 6
    assert await total(date_to=(today - timedelta(days=1)).isoformat()) == 0
    assert await total(date_from=(today + timedelta(days=1)).isoformat()) == 0
    assert await total(date_from="", date_to="", account="", ip="") == 6, "blank form fields filter nothing"

    r = await cme_client.get(f"{API}/events", params={"page_size": 4, "page": 2})
    assert [e["seq"] for e in r.json()["items"]] == [2, 1]
    event = next(e for e in body["items"] if e["action"] == "identity.account.update")
    assert event["action_label"] == "修改账号" and event["actor_name"] == "commission 测试"
    change = {"field": "phone", "before": "13800000000", "after": "13900000000", "label": ""}
    assert event["changes"] == [change]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-01"},
        {"date_to": "昨天"},
        {"page": 0},
        {"page_size": 1000},
        {"account_id": "x"},
        {"ip": "1" * 46},
    ],
)
async def test_bad_filters_are_a_400(cme_client, world, login, params):
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.get(f"{API}/events", params=params)
    assert r.status_code == 400, r.text


async def test_export_is_a_real_workbook_and_is_recorded(cme_client, world, login):
    await _seed(world.tenant, world.accounts)
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.get(f"{API}/events/export", params={"action": "auth.login_failed"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("序号", "时间", "账号ID", "操作人", "IP", "操作")
    assert [row[0] for row in rows[1:]] == [3, 2, 1]
    assert {row[5] for row in rows[1:]} == {"登录失败"} and {row[4] for row in rows[1:]} == {"10.0.0.2"}

    r = await cme_client.get(f"{API}/events", params={"action": "audit.export"})
    export = r.json()["items"]
    assert len(export) == 1 and export[0]["summary"] == "导出操作日志 3 条"
    assert export[0]["account_id"] == world.accounts["commission"]


async def test_export_over_the_cap_is_refused_with_a_message(cme_client, world, login, monkeypatch):
    from cme_platform.audit import export

    monkeypatch.setattr(export, "EXPORT_LIMIT", 2)
    await _seed(world.tenant, world.accounts)
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.get(f"{API}/events/export")
    assert r.status_code == 400
    assert "导出上限" in r.json()["message"]
    r = await cme_client.get(f"{API}/events", params={"action": "audit.export"})
    assert r.json()["total"] == 0, "a refused export records nothing"


async def test_verify_reports_the_chain(cme_client, world, login):
    await _seed(world.tenant, world.accounts)
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.get(f"{API}/verify")
    assert r.status_code == 200
    assert r.json() == {
        "ok": True,
        "records": 6,
        "first_broken_seq": None,
        "message": "日志完整，共 6 条记录",
    }


async def test_an_org_update_records_before_and_after(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.patch(
        f"/t/alpha/api/orgs/institutions/{world.institution_id}", json={"staff_count": 150, "name": "A医院1"}
    )
    assert r.status_code == 200, r.text
    r = await cme_client.post("/t/alpha/api/orgs/regions", json={"name": "新区", "code": "NEW", "kind": "区"})
    region_id = r.json()["id"]

    r = await cme_client.get(f"{API}/objects/institution/{world.institution_id}")
    assert r.status_code == 200
    [event] = r.json()["items"]
    assert event["action"] == "orgs.institution.update" and event["action_label"] == "修改单位"
    assert event["before"] == {"staff_count": 0} and event["after"] == {"staff_count": 150}, "changed only"
    assert event["actor_name"] and event["account_id"] == world.accounts["commission"]
    assert event["ip"]

    with scope(world.tenant):
        history = await object_history("region", region_id)
    [created] = history.items
    assert created.action == "orgs.region.create"
    assert created.after == {"name": "新区", "code": "NEW", "kind": "区"}


async def test_an_unchanged_org_update_records_nothing(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.patch(f"/t/alpha/api/orgs/regions/{world.region_id}", json={"name": "A区1"})
    assert r.status_code == 200, r.text
    r = await cme_client.get(f"{API}/objects/region/{world.region_id}")
    assert r.json()["total"] == 0


@pytest.mark.parametrize("role", ["region", "institution", "department", "learner"])
async def test_other_roles_are_refused(cme_client, world, login, role):
    await login(cme_client, world.tenant, role)
    for path in ("/events", "/events/export", "/verify", "/objects/region/1"):
        r = await cme_client.get(API + path)
        assert r.status_code == 403, path
    r = await cme_client.get("/t/alpha/audit")
    assert r.status_code == 403


async def test_anonymous_is_refused(cme_client, world):
    for path in ("/events", "/events/export", "/verify", "/objects/region/1"):
        r = await cme_client.get(API + path)
        assert r.status_code == 401, path


async def test_another_tenants_events_are_never_visible(cme_client, world, other_world, login):
    await _seed(other_world.tenant, other_world.accounts)
    with scope(other_world.tenant):
        await record("orgs.region.update", object_type="region", object_id=world.region_id, summary="乙省")
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.get(f"{API}/events", params={"page_size": 200})
    assert {e["action"] for e in r.json()["items"]} == {"auth.login"}
    r = await cme_client.get(f"{API}/objects/region/{world.region_id}")
    assert r.json()["total"] == 0
    sheet = load_workbook(io.BytesIO((await cme_client.get(f"{API}/events/export")).content)).active
    assert [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["auth.login"]
    assert (await cme_client.get(f"{API}/verify")).json()["records"] == 2  # the login and the export


async def test_the_page_lists_filters_and_shows_the_chain(cme_client, world, login):
    await _seed(world.tenant, world.accounts)
    await login(cme_client, world.tenant, "commission")
    home = await cme_client.get("/t/alpha/")
    assert "操作日志" in home.text and "系统管理" in home.text
    r = await cme_client.get("/t/alpha/audit")
    assert r.status_code == 200
    assert "完整" in r.text and "修改账号" in r.text and "13900000000" in r.text
    assert 'href="/t/alpha/api/audit/events/export"' in r.text
    r = await cme_client.get("/t/alpha/audit", params={"action": "auth.login_failed", "page": 1})
    assert r.text.count('class="audit-item"') == 3 and "修改账号" not in r.text.split("audit-list")[1]
    assert "/t/alpha/api/audit/events/export?action=auth.login_failed" in r.text


async def test_the_page_names_a_broken_chain(cme_client, world, login):
    from cme_platform.audit.append_only import install_triggers, remove_triggers
    from cme_platform.tenancy.tables import Tenant

    await _seed(world.tenant, world.accounts)
    await remove_triggers()
    try:
        await Tenant.raw(
            "UPDATE audit_event SET ip = '6.6.6.6' WHERE tenant = {} AND seq = 4", world.tenant.id
        )
    finally:
        await install_triggers()
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.get("/t/alpha/audit")
    assert "已损坏" in r.text and "自第 4 条起" in r.text


def test_times_are_china_time():
    assert datetime(2026, 1, 1, 16, tzinfo=UTC).astimezone(CHINA).day == 2
