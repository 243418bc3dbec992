"""Beijing's activity plans (教学活动计划上传 / 审核): a plugin module with its own table, pages and API,
reviewed in the one approvals inbox beside credit records."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from cme_beijing.activity_plans import FILE_PURPOSE, SUBJECT_TYPE
from cme_beijing.activity_plans.tables import ActivityPlan
from cme_platform.approvals.kinds import PROJECT_HOSTING
from cme_platform.audit.tables import AuditEvent
from cme_platform.credits import ledger
from cme_platform.credits.queries import record_row
from cme_platform.credits.review import open_review
from cme_platform.credits.sources import CreditSource
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.identity.roles import Role
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.service import document_columns
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld, build_world, stored_file
from PIL import Image

BJ = "/t/bj"
API = f"{BJ}/p/beijing/api/activity-plans"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
async def bj(tenant_factory: Any, account_factory: Any) -> OrgWorld:
    """A Beijing tenant; ``reviewer`` is both the district's and the hospital's administrator."""
    tenant = await tenant_factory(slug="bj", plugin="beijing", name="北京市继续医学教育委员会")
    world = await build_world(tenant, account_factory, "京")
    world.accounts["reviewer"] = await account_factory(
        tenant,
        "reviewer",
        [
            (Role.REGION_ADMIN, {"region": world.region_id}),
            (Role.INSTITUTION_ADMIN, {"institution": world.other_institution_id}),
        ],
    )
    return world


async def _file(world: OrgWorld, account: str) -> int:
    return await stored_file(world, account, FILE_PURPOSE, "计划.pdf")


def _plan(file_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": "2026年度教学活动计划",
        "plan_type": "年度计划",
        "activity_form": "学术讲座",
        "year": 2026,
        "file_id": file_id,
        **extra,
    }


async def test_an_institution_uploads_through_the_page_and_the_district_passes_it_in_the_one_inbox(
    cme_client: Any, bj: OrgWorld, login: Any
) -> None:
    await login(cme_client, bj.tenant, "institution")
    page = await cme_client.get(f"{BJ}/p/beijing/activity-plans/new")
    assert (
        page.status_code == 200 and "计划类型" in page.text and 'enctype="multipart/form-data"' in page.text
    )
    created = await cme_client.post(
        f"{BJ}/p/beijing/activity-plans",
        data={
            "name": "全院年度教学活动计划",
            "plan_type": "年度计划",
            "activity_form": "病例讨论",
            "year": "2026",
            "note": "每月两次",
            "action": "submit",
        },
        files={"file": ("年度计划.png", _png(), "image/png")},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text[-1500:]
    detail = await cme_client.get(created.headers["location"])
    assert "待审核" in detail.text and "已提交到主管部门审核" in detail.text and "年度计划.png" in detail.text

    with scope(bj.tenant):
        plan = await ActivityPlan.select().first()
    assert plan is not None
    await login(cme_client, bj.tenant, "region")
    inbox = (await cme_client.get(f"{BJ}/api/approvals/inbox")).json()
    assert [(i["subject_type"], i["subject_id"]) for i in inbox["items"]] == [(SUBJECT_TYPE, plan["id"])]
    item = inbox["items"][0]
    assert item["kind_label"] == "教学活动计划" and item["step_label"] == "主管部门审核"
    assert {"label": "活动形式", "value": "病例讨论"} in item["fields"] and item["attachments"][0]["name"]
    counts = {k["subject_type"]: k["count"] for k in inbox["kinds"]}
    assert {"credit", PROJECT_HOSTING, SUBJECT_TYPE} <= set(counts)  # every kind, waiting or not
    assert {kind: n for kind, n in counts.items() if n} == {SUBJECT_TYPE: 1}
    html = await cme_client.get(f"{BJ}/approvals?kind={SUBJECT_TYPE}")
    assert "全院年度教学活动计划" in html.text and "教学活动计划（1）" in html.text
    decided = await cme_client.post(
        f"{BJ}/api/approvals/{item['request_id']}/decision", json={"action": "approve", "comment": "同意备案"}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"

    await login(cme_client, bj.tenant, "institution")
    mine = (await cme_client.get(API)).json()["items"][0]
    assert mine["status"] == "approved" and mine["status_label"] == "审核通过"
    assert mine["review_comment"] == "同意备案"
    home = await cme_client.get(f"{BJ}/")
    assert '<section class="plugin-slot"><h2>教学活动计划</h2>' in home.text, "the start page's slot"
    assert "审核通过 1" in home.text and "上传新计划" in home.text
    await login(cme_client, bj.tenant, "learner")
    assert "plugin-slot" not in (await cme_client.get(f"{BJ}/")).text
    with scope(bj.tenant):
        actions = [r["action"] for r in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.seq)]
    assert {
        "beijing.activity_plan.create",
        "beijing.activity_plan.submit",
        "beijing.activity_plan.approved",
    } <= set(actions)


async def test_one_inbox_holds_credits_and_plans_alike(
    cme_app: Any, cme_client: Any, bj: OrgWorld, login: Any, account_factory: Any
) -> None:
    """The reviewer administers the district and the second hospital: its credit and the first hospital's
    plan wait in his one list, each described by its own handler."""
    pm = cme_app.state.plugin_manager
    await login(cme_client, bj.tenant, "institution")
    plan = await cme_client.post(API, json=_plan(await _file(bj, "institution"), submit=True))
    assert plan.status_code == 201, plan.text
    clerk = await account_factory(
        bj.tenant,
        "clerk",
        [
            (
                Role.DEPARTMENT_ADMIN,
                {"institution": bj.other_institution_id, "department": bj.other_department_id},
            )
        ],
    )
    with scope(bj.tenant):
        facts: dict[str, Any] = {
            "name": "京学员",
            "gender": "男",
            "person_number": (await reserve_person_numbers(1))[0],
            "institution": bj.other_institution_id,
            "department": bj.other_department_id,
            **document_columns("110101199003070011"),
        }
        person = Person(**facts)
        await person.save()
        principal = await load_principal_by_id(clerk)
        assert principal is not None
        posting = ledger.Posting(
            person_id=int(person.id),
            source=CreditSource.PERSONAL,
            activity_date=date(2026, 3, 2),
            activity_name="院内专题讲座",
            category="继续医学教育实践活动",
            credits=100,
        )
        record_id, _ = await ledger.post(pm, principal, posting, granted=False, entered_as="department_admin")
        row = await record_row(record_id)
        assert row is not None
        await open_review(pm, principal, row, "department_admin")
    await login(cme_client, bj.tenant, "reviewer")
    inbox = (await cme_client.get(f"{BJ}/api/approvals/inbox")).json()
    assert sorted(i["subject_type"] for i in inbox["items"]) == ["beijing.activity_plan", "credit"]
    counts = {k["subject_type"]: k["count"] for k in inbox["kinds"]}
    assert {kind: n for kind, n in counts.items() if n} == {"credit": 1, SUBJECT_TYPE: 1}
    titles = {i["subject_type"]: i["title"] for i in inbox["items"]}
    assert titles["credit"] == "京学员：院内专题讲座" and titles[SUBJECT_TYPE].endswith(
        "2026年度教学活动计划"
    )
    page = await cme_client.get(f"{BJ}/approvals")
    assert "个人学分（1）" in page.text and "教学活动计划（1）" in page.text and "院内专题讲座" in page.text


async def test_bad_input_and_other_peoples_plans(
    cme_client: Any, bj: OrgWorld, login: Any, tenant_factory: Any, account_factory: Any
) -> None:
    await login(cme_client, bj.tenant, "institution")
    file_id = await _file(bj, "institution")
    bad = await cme_client.post(API, json=_plan(file_id, plan_type="周计划", activity_form="旅游"))
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"plan_type", "activity_form"}
    foreign = await cme_client.post(API, json=_plan(await _file(bj, "commission")))
    assert foreign.status_code == 400 and foreign.json()["errors"][0]["field"] == "file_id"
    assert (await cme_client.post(API, json={**_plan(file_id), "year": 1800})).status_code == 400
    saved = (await cme_client.post(API, json=_plan(file_id))).json()
    assert saved["status"] == "draft" and saved["can_submit"]

    await login(cme_client, bj.tenant, "learner")
    assert (await cme_client.get(API)).status_code == 403
    await login(cme_client, bj.tenant, "department")  # of the same hospital, but no uploader or reviewer
    assert (await cme_client.get(API)).status_code == 403
    assert (await cme_client.get(f"{BJ}/api/files/{file_id}")).status_code == 404, (
        "the plan file stays closed"
    )
    await login(cme_client, bj.tenant, "reviewer")  # another hospital's administrator (and the district's)
    assert (await cme_client.post(f"{API}/{saved['id']}/submit")).status_code == 403

    other = await tenant_factory(slug="bj2", plugin="beijing", name="另一北京租户")
    await account_factory(other, "intruder", [(Role.COMMISSION_ADMIN, {})])
    await login(cme_client, other, "intruder")
    assert (await cme_client.get(f"/t/bj2/p/beijing/api/activity-plans/{saved['id']}")).status_code == 404
    assert (await cme_client.get("/t/bj2/p/beijing/api/activity-plans")).json()["total"] == 0
