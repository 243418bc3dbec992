"""CME projects through the JSON API: a project owner (立项用户) enters a national project, adds a run
(期数) with a session and the 会议通知 and 会议日程, and applies to hold it (举办申请); his institution
confirms (单位确认) and the commission approves (继教委审核), after which the project shows in the public
query. A return comes back to the owner with its reason and he submits again. Bad input is refused in
Chinese and stores nothing; other owners, learners and administrators see what they should; parallel new
runs keep 期数 unique and contiguous; the owner's list exports as Excel."""

from __future__ import annotations

import asyncio
import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from api_kit import field_messages, ok, refused, sign_out
from cme_platform import clock
from cme_platform.approvals.kinds import PROJECT_HOSTING
from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity.roles import Role
from cme_platform.projects import FILE_PURPOSE
from cme_platform.projects.tables import Project, ProjectRun, ProjectSession, RunMaterial
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld, build_world
from PIL import Image

API = "/t/alpha/api"
YEAR = clock.today().year
NUMBER = f"{YEAR}-04-01-017 (国)"
NAME = "心血管介入诊疗新进展学习班"
STARTS, ENDS = date(YEAR, 5, 10), date(YEAR, 5, 11)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def add_owner(world: OrgWorld, account_factory: Any, name: str) -> None:
    """A project owner ``name`` of the world's first institution and department."""
    unit = {"institution": world.institution_id, "department": world.department_id}
    world.accounts[name] = await account_factory(world.tenant, name, [(Role.PROJECT_OWNER, unit)])


@pytest.fixture
async def owner_world(tenant_factory: Any, account_factory: Any) -> OrgWorld:
    """A Jiangsu tenant (seed 004's two-level hosting application: 国家级 projects entered by their
    owners, at most 25 credits) with its organisation and a project owner (``owner``) of its first
    institution."""
    tenant = await tenant_factory(slug="alpha", plugin="jiangsu", name="甲省继教委")
    world = await build_world(tenant, account_factory, "A")
    await add_owner(world, account_factory, "owner")
    return world


def project_body(number: str = NUMBER, **changes: Any) -> dict[str, Any]:
    return {
        "year": YEAR,
        "number": number,
        "name": NAME,
        "level": "国家级",
        "nature": "申报项目",
        "leader": "张主任",
        "credits": "10",
        "hours": "30",
        "hosting_form": "面授",
        "assessment": "考试",
        **changes,
    }


def run_body(starts: date = STARTS, ends: date = ENDS, **changes: Any) -> dict[str, Any]:
    return {
        "venue": "北京国际会议中心",
        "starts_on": starts.isoformat(),
        "ends_on": ends.isoformat(),
        **changes,
    }


def session_body(
    day: date = STARTS, start: str = "09:00", end: str = "12:00", **changes: Any
) -> dict[str, Any]:
    """A session on ``day`` in China time (no offset)."""
    return {
        "title": "冠脉介入并发症的处理",
        "speakers": "李教授",
        "starts_at": f"{day.isoformat()}T{start}:00",
        "ends_at": f"{day.isoformat()}T{end}:00",
        **changes,
    }


def png() -> bytes:
    """A real (tiny) PNG: a photo of a stamped notice."""
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


async def enter(client: Any, number: str = NUMBER, **changes: Any) -> dict[str, Any]:
    """项目录入 as the signed-in owner."""
    return ok(await client.post(f"{API}/projects", json=project_body(number, **changes)), 201)


async def add_run(client: Any, project_id: int, **changes: Any) -> dict[str, Any]:
    return ok(await client.post(f"{API}/projects/{project_id}/runs", json=run_body(**changes)), 201)


async def add_session(client: Any, run_id: int, **changes: Any) -> dict[str, Any]:
    return ok(await client.post(f"{API}/project-runs/{run_id}/sessions", json=session_body(**changes)), 201)


async def upload(client: Any, name: str = "会议通知.png", purpose: str = FILE_PURPOSE) -> int:
    """A PNG uploaded through the files API by the signed-in account; its id."""
    response = await client.post(
        f"{API}/files", data={"purpose": purpose}, files={"file": (name, png(), "image/png")}
    )
    return int(ok(response, 201)["id"])


async def attach(client: Any, run_id: int, kind: str, file_id: int) -> Any:
    return await client.post(
        f"{API}/project-runs/{run_id}/materials", json={"kind": kind, "file_id": file_id}
    )


async def prepared(client: Any, number: str = NUMBER) -> tuple[dict[str, Any], dict[str, Any]]:
    """A project of the signed-in owner with one run ready to submit (a session, both materials)."""
    project = await enter(client, number)
    run = await add_run(client, project["id"])
    await add_session(client, run["id"])
    for kind, name in (("notice", "会议通知.png"), ("schedule", "会议日程.png")):
        ok(await attach(client, run["id"], kind, await upload(client, name)))
    return project, run


async def submit(client: Any, run_id: int) -> Any:
    return await client.post(f"{API}/project-runs/{run_id}/submit")


async def get_run(client: Any, run_id: int) -> dict[str, Any]:
    return ok(await client.get(f"{API}/project-runs/{run_id}"))


async def waiting(client: Any, run_id: int) -> dict[str, Any] | None:
    """The signed-in approver's inbox item of ``run_id``'s hosting application, if it waits for him."""
    inbox = ok(await client.get(f"{API}/approvals/inbox", params={"kind": PROJECT_HOSTING}))
    return next((i for i in inbox["items"] if i["subject_id"] == run_id), None)


async def decide(client: Any, run_id: int, action: str, comment: str = "") -> Any:
    """Decide the application of ``run_id`` from the signed-in approver's inbox."""
    item = await waiting(client, run_id)
    assert item is not None, f"run {run_id} does not wait for this approver"
    return await client.post(
        f"{API}/approvals/{item['request_id']}/decision", json={"action": action, "comment": comment}
    )


async def public_numbers(client: Any) -> dict[str, list[dict[str, Any]]]:
    """The public query as a visitor: each project number with its (approved) runs."""
    sign_out(client)
    page = ok(await client.get(f"{API}/public/projects"))
    return {p["number"]: p["runs"] for p in page["items"]}


async def stored(world: OrgWorld) -> dict[str, int]:
    """How many projects, runs, sessions, materials and approval requests the tenant holds."""
    with scope(world.tenant):
        return {
            "projects": await Project.count(),
            "runs": await ProjectRun.count(),
            "sessions": await ProjectSession.count(),
            "materials": await RunMaterial.count(),
            "requests": await ApprovalRequest.count(),
        }


async def project_audit(world: OrgWorld) -> list[str]:
    with scope(world.tenant):
        rows = await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.seq)
    return [r["action"] for r in rows if r["action"].startswith("projects.")]


async def test_an_entered_national_project_is_applied_for_approved_and_then_public(
    cme_client, owner_world, login
):
    client = cme_client
    await login(client, owner_world.tenant, "owner")
    project = await enter(client)
    assert project["source"] == "entered" and project["status"] == "published"
    assert project["level"] == "国家级" and project["credits"] == 1000 and project["credits_text"] == "10"
    assert (
        project["institution_id"] == owner_world.institution_id
        and project["department_id"] == owner_world.department_id
    )
    assert project["owner_id"] == owner_world.accounts["owner"] and project["mine"] is True
    run = await add_run(client, project["id"])
    assert (
        run["seq"] == 1 and run["status"] == "draft" and run["status_label"] == "未上报" and run["editable"]
    )
    assert [m["kind"] for m in run["materials"]] == ["notice", "schedule"]
    assert [m["label"] for m in run["materials"]] == ["会议通知", "会议日程"]
    run = await add_session(client, run["id"])
    assert [(s["title"], s["hours"], s["hours_text"]) for s in run["sessions"]] == [
        ("冠脉介入并发症的处理", 300, "3")
    ]
    for kind, name in (("notice", "会议通知.png"), ("schedule", "会议日程.png")):
        run = ok(await attach(client, run["id"], kind, await upload(client, name)))
    assert [(m["file_name"], m["content_type"]) for m in run["materials"]] == [
        ("会议通知.png", "image/png"),
        ("会议日程.png", "image/png"),
    ]
    run = ok(await submit(client, run["id"]))
    assert run["status"] == "submitted" and run["status_label"] == "审核中" and run["editable"] is False
    assert run["step_label"] == "单位确认" and run["approval_id"] and run["submitted_at"]
    assert NUMBER not in await public_numbers(client)  # entered, but no run approved yet

    await login(client, owner_world.tenant, "institution")
    item = await waiting(client, run["id"])
    assert item is not None and item["step_label"] == "单位确认" and item["kind_label"] == "项目举办申请"
    assert item["title"] == f"{NUMBER} {NAME} 第1期" and item["link"] == f"/projects/runs/{run['id']}"
    fields = {f["label"]: f["value"] for f in item["fields"]}
    assert fields["项目级别"] == "国家级" and fields["学分"] == "10" and fields["举办单位"] == "A医院1"
    assert fields["举办日期"] == f"{STARTS} 至 {ENDS}"
    assert sorted(a["name"] for a in item["attachments"]) == ["会议日程.png", "会议通知.png"]
    decided = ok(await decide(client, run["id"], "approve"))
    assert decided["status"] == "pending" and decided["step_label"] == "继教委审核"
    assert await waiting(client, run["id"]) is None
    assert (await get_run(client, run["id"]))["step_label"] == "继教委审核"
    assert NUMBER not in await public_numbers(client)  # confirmed by the institution only

    await login(client, owner_world.tenant, "commission")
    decided = ok(await decide(client, run["id"], "approve"))
    assert decided["status"] == "approved"
    run = await get_run(client, run["id"])
    assert run["status"] == "approved" and run["status_label"] == "已批准举办" and run["decided_at"]
    assert run["step_label"] == "" and run["review_comment"] == ""

    public = await public_numbers(client)
    assert [(r["id"], r["status"]) for r in public[NUMBER]] == [(run["id"], "approved")]
    detail = ok(await client.get(f"{API}/public/projects/{project['id']}"))
    assert detail["full"] is False and detail["mine"] is False
    assert [r["id"] for r in detail["runs"]] == [run["id"]] and detail["runs"][0]["materials"] == []

    await login(client, owner_world.tenant, "owner")
    mine = ok(await client.get(f"{API}/notifications"))
    assert [(m["kind"], m["path"]) for m in mine["items"]] == [
        ("projects.hosting.approved", f"/projects/runs/{run['id']}")
    ]
    assert mine["items"][0]["title"] == f"举办申请审核通过：{NUMBER} {NAME} 第1期"
    assert await project_audit(owner_world) == [
        "projects.project.create",
        "projects.run.create",
        "projects.session.create",
        "projects.material.upload",
        "projects.material.upload",
        "projects.run.submit",
        "projects.run.advanced",
        "projects.run.approved",
    ]


async def test_a_returned_application_is_corrected_and_submitted_again(cme_client, owner_world, login):
    client = cme_client
    await login(client, owner_world.tenant, "owner")
    _, run = await prepared(client)
    first = ok(await submit(client, run["id"]))["approval_id"]
    await login(client, owner_world.tenant, "institution")
    ok(await decide(client, run["id"], "approve"))

    await login(client, owner_world.tenant, "commission")
    refused(await decide(client, run["id"], "return"), 400, "退回时请填写退回原因")
    refused(await decide(client, run["id"], "return", "   "), 400, "退回时请填写退回原因")
    assert (await get_run(client, run["id"]))["status"] == "submitted"
    returned = ok(await decide(client, run["id"], "return", "会议日程缺少授课教师职称"))
    assert returned["status"] == "returned"
    run = await get_run(client, run["id"])
    assert run["status"] == "returned" and run["status_label"] == "退回修改" and run["editable"] is True
    assert run["review_comment"] == "会议日程缺少授课教师职称" and run["decided_at"]

    await login(client, owner_world.tenant, "owner")
    mine = ok(await client.get(f"{API}/notifications"))
    assert mine["unread"] == 1
    message = mine["items"][0]
    assert message["kind"] == "projects.hosting.returned" and message["kind_label"] == "举办申请退回"
    assert "会议日程缺少授课教师职称" in message["body"] and message["path"] == f"/projects/runs/{run['id']}"
    assert (await get_run(client, run["id"]))["review_comment"] == "会议日程缺少授课教师职称"
    refused(await client.delete(f"{API}/project-runs/{run['id']}"), 409, "已上报过的举办申请不能删除")

    changed = ok(await client.put(f"{API}/project-runs/{run['id']}", json=run_body(venue="北京饭店")))
    assert changed["venue"] == "北京饭店"
    ok(await attach(client, run["id"], "schedule", await upload(client, "会议日程（修订）.png")))
    run = ok(await submit(client, run["id"]))
    assert run["status"] == "submitted" and run["review_comment"] == "" and run["step_label"] == "单位确认"
    assert run["approval_id"] != first
    names = [m["file_name"] for m in run["materials"]]
    assert names == ["会议通知.png", "会议日程（修订）.png"]

    await login(client, owner_world.tenant, "institution")
    item = await waiting(client, run["id"])
    assert item is not None and item["request_id"] == run["approval_id"]
    assert (await stored(owner_world))["requests"] == 2


async def test_bad_projects_are_refused_in_chinese_and_store_nothing(cme_client, owner_world, login):
    client = cme_client
    await login(client, owner_world.tenant, "owner")
    await enter(client)
    before = await stored(owner_world)
    cases: list[tuple[dict[str, Any], str, str]] = [
        (project_body("N-1", credits="-1"), "credits", "学分不能为负数"),
        (project_body("N-2", credits="25.01"), "credits", "学分不能超过25"),
        (project_body("N-3", credits=26), "credits", "学分不能超过25"),
        (project_body("N-4", credits="1.255"), "credits", "学分最多两位小数"),
        (project_body("N-5", credits="0"), "credits", "请填写项目学分"),
        (project_body("N-6", level="省级"), "level", "项目级别只能是：国家级"),
        (project_body("N-7", nature="自拟"), "nature", "项目性质只能是：申报项目、备案项目"),
        (project_body("N-8", leader="   "), "leader", "不能只填空格"),
        (project_body(f" {NUMBER} "), "number", f"项目编号“{NUMBER}”已存在"),
    ]
    for body, field, message in cases:
        error = refused(await client.post(f"{API}/projects", json=body), 400)
        assert field_messages(error).get(field) == message, (body, error)
    duplicate = refused(await client.post(f"{API}/projects", json=project_body()), 400)
    assert duplicate["message"] == f"项目编号“{NUMBER}”已存在"
    assert field_messages(duplicate) == {"number": f"项目编号“{NUMBER}”已存在"}
    unknown = refused(
        await client.post(f"{API}/projects", json={**project_body("N-9"), "status": "draft"}), 400
    )
    assert "status" in field_messages(unknown)
    missing = refused(await client.post(f"{API}/projects", json={"year": YEAR, "number": "N-10"}), 400)
    assert "name" in field_messages(missing) or "leader" in field_messages(missing)
    assert await stored(owner_world) == before
    assert ok(await client.get(f"{API}/projects"))["total"] == 1


async def test_bad_runs_and_sessions_are_refused_in_chinese_and_store_nothing(cme_client, owner_world, login):
    client = cme_client
    await login(client, owner_world.tenant, "owner")
    project = await enter(client)
    run = await add_run(client, project["id"])
    await add_session(client, run["id"])
    before = await stored(owner_world)
    runs = f"{API}/projects/{project['id']}/runs"
    error = refused(await client.post(runs, json=run_body(ENDS, STARTS)), 400, "请检查标注的字段")
    assert field_messages(error) == {"ends_on": "结束日期不能早于开始日期"}
    error = refused(await client.post(runs, json=run_body(date(YEAR - 1, 12, 30), date(YEAR, 1, 2))), 400)
    assert field_messages(error) == {"starts_on": f"举办日期须在项目年度（{YEAR}年）内"}
    error = refused(await client.post(runs, json=run_body(date(YEAR, 12, 30), date(YEAR + 1, 1, 2))), 400)
    assert field_messages(error) == {"ends_on": f"举办日期须在项目年度（{YEAR}年）内"}
    error = refused(await client.post(runs, json=run_body(venue="  ")), 400)
    assert field_messages(error) == {"venue": "请填写会场地址"}
    error = refused(await client.post(runs, json={**run_body(), "seq": 7}), 400)
    assert "seq" in field_messages(error)

    sessions = f"{API}/project-runs/{run['id']}/sessions"
    outside = f"课程须在举办日期（{STARTS} 至 {ENDS}）内"
    error = refused(await client.post(sessions, json=session_body(date(YEAR, 5, 12))), 400)
    assert field_messages(error) == {"starts_at": outside}
    late = session_body(
        ENDS, "22:00", "23:59", starts_at=f"{ENDS}T23:00:00+08:00", ends_at=f"{ENDS}T16:30:00Z"
    )
    error = refused(await client.post(sessions, json=late), 400)  # 00:30 the next day in China
    assert field_messages(error) == {"starts_at": outside}
    error = refused(await client.post(sessions, json=session_body(start="12:00", end="09:00")), 400)
    assert field_messages(error) == {"ends_at": "结束时间须晚于开始时间"}
    error = refused(await client.post(sessions, json=session_body(hours="-1")), 400)
    assert field_messages(error) == {"hours": "学时不能为负数"}
    error = refused(await client.post(sessions, json=session_body(hours="3.5")), 400)
    assert field_messages(error) == {"hours": "学时不能超过课程时长（3 小时）"}
    error = refused(await client.post(sessions, json=session_body(hours="0.125")), 400)
    assert field_messages(error) == {"hours": "学时最多两位小数"}
    error = refused(await client.post(sessions, json={**session_body(), "room": "A"}), 400)
    assert "room" in field_messages(error)

    moved = refused(await client.put(f"{API}/project-runs/{run['id']}", json=run_body(ENDS, ENDS)), 400)
    assert field_messages(moved) == {"starts_on": "已有课程不在新的举办日期内，请先调整课程"}
    assert await stored(owner_world) == before
    detail = ok(await client.get(f"{API}/projects/{project['id']}"))
    assert [(r["seq"], r["starts_on"], len(r["sessions"])) for r in detail["runs"]] == [(1, str(STARTS), 1)]


async def test_an_application_takes_the_owners_own_materials_and_is_submitted_once_complete(
    cme_client, owner_world, account_factory, login
):
    client = cme_client
    await add_owner(owner_world, account_factory, "owner2")
    await login(client, owner_world.tenant, "owner2")
    theirs = await upload(client)
    await login(client, owner_world.tenant, "owner")
    project = await enter(client)
    run = await add_run(client, project["id"])
    notice = await upload(client)
    evidence = await upload(client, "证明.png", purpose="evidence")

    # a material is one of the province's kinds, with a file the owner uploaded as project_material
    before = await stored(owner_world)
    error = refused(await attach(client, run["id"], "poster", notice), 400, "不支持的资料类型")
    assert field_messages(error) == {"kind": "不支持的资料类型"}
    for file_id in (theirs, evidence, 2**31 - 1):
        error = refused(await attach(client, run["id"], "notice", file_id), 400, "请上传资料文件")
        assert field_messages(error) == {"file_id": "请上传资料文件"}
    error = refused(await attach(client, run["id"], "notice", 0), 400)
    assert "file_id" in field_messages(error)
    error = refused(
        await client.post(f"{API}/project-runs/{run['id']}/materials", json={"kind": "notice"}), 400
    )
    assert "file_id" in field_messages(error)
    assert await stored(owner_world) == before
    assert [m["file_id"] for m in (await get_run(client, run["id"]))["materials"]] == [None, None]

    # submitting names what is missing, until nothing is
    error = refused(await submit(client, run["id"]), 400, "举办申请还不完整")
    assert field_messages(error) == {
        "sessions": "请至少添加一个课程（课题）",
        "material.notice": "请上传会议通知",
        "material.schedule": "请上传会议日程",
    }
    await add_session(client, run["id"])
    ok(await attach(client, run["id"], "notice", notice))
    error = refused(await submit(client, run["id"]), 400, "举办申请还不完整")
    assert field_messages(error) == {"material.schedule": "请上传会议日程"}
    assert (await get_run(client, run["id"]))["status"] == "draft"
    assert (await stored(owner_world))["requests"] == 0

    ok(await attach(client, run["id"], "schedule", await upload(client, "会议日程.png")))
    ok(await submit(client, run["id"]))
    refused(await submit(client, run["id"]), 409)  # a second application for the same run
    assert (await stored(owner_world))["requests"] == 1
    assert (await get_run(client, run["id"]))["status"] == "submitted"


async def test_other_owners_learners_and_administrators_see_what_they_should(
    cme_client, owner_world, account_factory, login
):
    client = cme_client
    await add_owner(owner_world, account_factory, "owner2")
    await login(client, owner_world.tenant, "owner")
    project, run = await prepared(client)
    draft = await add_run(client, project["id"], starts=date(YEAR, 9, 1), ends=date(YEAR, 9, 1))
    run = ok(await submit(client, run["id"]))
    pid, rid, session_id = project["id"], run["id"], run["sessions"][0]["id"]
    notice_id = run["materials"][0]["file_id"]

    # the owner may change nothing of a run under review, nor delete it or the project
    conflict = "举办申请已上报，审核完成前不能修改；如需修改请等待退回"
    refused(await client.put(f"{API}/project-runs/{rid}", json=run_body(venue="别处")), 409, conflict)
    refused(await client.delete(f"{API}/project-runs/{rid}"), 409, conflict)
    refused(await client.post(f"{API}/project-runs/{rid}/sessions", json=session_body()), 409, conflict)
    refused(await client.delete(f"{API}/project-runs/sessions/{session_id}"), 409, conflict)
    refused(await attach(client, rid, "notice", await upload(client)), 409, conflict)
    refused(await client.delete(f"{API}/projects/{pid}"), 409, "项目已提交举办申请，不能删除")
    refused(await client.put(f"{API}/projects/{pid}", json=project_body(name="改名")), 409)
    assert (await get_run(client, rid))["venue"] == "北京国际会议中心"
    assert (await client.delete(f"{API}/project-runs/{draft['id']}")).status_code == 204  # never submitted
    before = await stored(owner_world)

    # another owner of the same institution: neither the project nor its runs exist for him
    await login(client, owner_world.tenant, "owner2")
    assert ok(await client.get(f"{API}/projects"))["total"] == 0
    refused(await client.get(f"{API}/projects/{pid}"), 404, "项目不存在")
    refused(await client.get(f"{API}/project-runs/{rid}"), 404, "项目期数不存在")
    refused(await client.post(f"{API}/projects/{pid}/runs", json=run_body()), 404, "项目不存在")
    refused(await client.put(f"{API}/projects/{pid}", json=project_body()), 404, "项目不存在")
    refused(await client.delete(f"{API}/projects/{pid}"), 404, "项目不存在")
    refused(await client.put(f"{API}/project-runs/{rid}", json=run_body()), 404, "项目期数不存在")
    refused(await client.post(f"{API}/project-runs/{rid}/submit"), 404, "项目期数不存在")
    refused(await client.delete(f"{API}/project-runs/sessions/{session_id}"), 404, "项目期数不存在")
    refused(await client.get(f"{API}/files/{notice_id}"), 404, "文件不存在")  # nor its materials

    # a learner has no projects API at all
    await login(client, owner_world.tenant, "learner")
    refused(await client.get(f"{API}/projects"), 403)
    refused(await client.post(f"{API}/projects", json=project_body("L-1")), 403)
    refused(await client.get(f"{API}/project-runs/{rid}"), 403)

    # the institution's administrator reads it in full, but adds no run to another's project
    await login(client, owner_world.tenant, "institution")
    detail = ok(await client.get(f"{API}/projects/{pid}"))
    assert detail["full"] is True and detail["mine"] is False
    assert [m["file_name"] for m in detail["runs"][0]["materials"]] == ["会议通知.png", "会议日程.png"]
    assert ok(await client.get(f"{API}/files/{notice_id}"))["original_name"] == "会议通知.png"
    refused(await client.post(f"{API}/projects/{pid}/runs", json=run_body()), 403)
    refused(await client.post(f"{API}/projects", json=project_body("I-1")), 403, "只有立项用户可以录入项目")
    assert await stored(owner_world) == before


async def test_the_institution_admin_lists_its_projects_with_view_managed(cme_client, owner_world, login):
    client = cme_client
    await login(client, owner_world.tenant, "owner")
    project = await enter(client)
    await login(client, owner_world.tenant, "institution")
    managed = ok(await client.get(f"{API}/projects", params={"view": "managed"}))
    assert [p["id"] for p in managed["items"]] == [project["id"]]
    assert ok(await client.get(f"{API}/projects", params={"view": "mine"}))["total"] == 0
    export = await client.get(f"{API}/projects/export", params={"view": "managed"})  # the list page's link
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [NUMBER]


async def test_parallel_new_runs_get_unique_contiguous_seqs(cme_parallel_client, owner_world, login):
    client = cme_parallel_client
    await login(client, owner_world.tenant, "owner")
    project = await enter(client)
    responses = await asyncio.gather(
        *(
            client.post(f"{API}/projects/{project['id']}/runs", json=run_body(venue=f"会场{i}"))
            for i in range(5)
        )
    )
    statuses = [r.status_code for r in responses]
    assert statuses == [201] * 5, [r.text for r in responses]  # serialised: each gets the next 期数
    runs = ok(await client.get(f"{API}/projects/{project['id']}"))["runs"]
    seqs = sorted(r["seq"] for r in runs)
    assert seqs == list(range(1, statuses.count(201) + 1))
    assert sorted(r.json()["seq"] for r in responses if r.status_code == 201) == seqs

    run_id = runs[0]["id"]
    await add_session(client, run_id)
    for kind in ("notice", "schedule"):
        ok(await attach(client, run_id, kind, await upload(client)))
    submits = await asyncio.gather(*(submit(client, run_id) for _ in range(4)))
    assert sorted(r.status_code for r in submits) == [200, 409, 409, 409], [r.text for r in submits]
    assert (await stored(owner_world))["requests"] == 1


async def test_the_owners_projects_export_as_an_excel_workbook(cme_client, owner_world, login):
    client = cme_client
    await login(client, owner_world.tenant, "owner")
    project = await enter(client)
    await add_run(client, project["id"])
    response = await client.get(f"{API}/projects/export", params={"view": "mine"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(XLSX)
    assert response.content.startswith(b"PK") and ".xlsx" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("项目编号", "项目名称") and len(rows) == 2
    assert rows[1][0] == NUMBER and rows[1][1] == NAME and rows[1][-1] == "未上报"
    assert "projects.export" in await project_audit(owner_world)


async def test_the_public_query_shows_no_review_and_ignores_application_states(
    cme_client, owner_world, login, account_factory
):
    client = cme_client
    await login(client, owner_world.tenant, "owner")
    project, run = await prepared(client)
    ok(await client.post(f"{API}/projects/{project['id']}/runs", json=run_body()), 201)  # a draft: private
    ok(await submit(client, run["id"]))
    await login(client, owner_world.tenant, "institution")
    ok(await decide(client, run["id"], "approve", "同意上报"))
    await login(client, owner_world.tenant, "commission")
    ok(await decide(client, run["id"], "approve", "内部意见：注意控制规模"))
    sign_out(client)
    for status in ("", "draft", "approved"):
        page = ok(await client.get(f"{API}/public/projects", params={"run_status": status}))
        assert [p["number"] for p in page["items"]] == [NUMBER]  # the runs' states are not for the public
        (listed,) = page["items"]
        assert [r["id"] for r in listed["runs"]] == [run["id"]]  # the second run is not approved
        assert listed["owner_id"] is None and listed["approval_id"] is None
        assert all(r["review_comment"] == "" and r["approval_id"] is None for r in listed["runs"])
    detail = ok(await client.get(f"{API}/public/projects/{project['id']}"))
    assert "内部意见" not in str(detail) and detail["runs"][0]["materials"] == []
    page = await client.get(f"/t/{owner_world.tenant.slug}/projects", params={"year": "²"})
    assert page.status_code == 200  # a digit that is not ASCII is no year: ignored


async def test_an_owner_who_is_also_the_institution_admin_goes_straight_to_the_commission(
    cme_client, owner_world, login, account_factory
):
    unit = {"institution": owner_world.institution_id}
    owner_world.accounts["both"] = await account_factory(
        owner_world.tenant, "both", [(Role.PROJECT_OWNER, unit), (Role.INSTITUTION_ADMIN, unit)]
    )
    client = cme_client
    await login(client, owner_world.tenant, "both")
    _, run = await prepared(client)
    submitted = ok(await submit(client, run["id"]))
    assert submitted["step_label"] == "继教委审核"  # his own 单位确认 is skipped, never waits for him
    too_long = session_body(starts_at=f"{STARTS}T08:00:00", ends_at=f"{ENDS}T17:00:00")
    second = ok(await client.post(f"{API}/projects/{run['project_id']}/runs", json=run_body()), 201)
    body = refused(await client.post(f"{API}/project-runs/{second['id']}/sessions", json=too_long), 400)
    assert "24小时" in field_messages(body)["ends_at"]
