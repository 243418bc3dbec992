"""Declaring a project in the platform (新项目申报) through the JSON API, in a Zhejiang tenant where 科室
accounts and 立项用户 declare 省级 and 市级 projects: a 科室 saves a declaration (未提交, no number),
submits it, his institution checks it (单位审核) and the commission publishes it (继教委评审) with the next
number of its year and level; the project then shows in the public query, its declarer is told its
number and may add runs. A return comes back with its reason for changes and a new submission. Who may
not declare, levels and credits out of bounds and other departments' projects are refused and store
nothing; in a tenant with the core's default policy (a test province answering no project hook) only
立项用户 declare. Publications decided in
parallel never share a number."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from api_kit import field_messages, ok, refused, sign_out
from cme_platform import clock
from cme_platform.approvals.kinds import PROJECT_DECLARATION
from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity.roles import Role
from cme_platform.orgs.tables import Department
from cme_platform.plugins import hookimpl
from cme_platform.plugins.types import PluginInfo
from cme_platform.projects.tables import Project, ProjectNumberCounter, ProjectRun
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld, build_world

ZJ = "/t/zj/api"
CORE = "/t/core/api"
CORE_PROVINCE = "coreprov"
YEAR = clock.today().year
NAME = "基层医院急危重症救治能力提升班"


@pytest.fixture
async def zj(tenant_factory: Any, account_factory: Any) -> OrgWorld:
    """Tenant ``zj`` (Zhejiang plugin) with its organisation and role accounts, plus ``surgery`` (the 科室
    of a second department, 外科, of the same institution) and ``owner`` (立项用户 of the first one)."""
    tenant = await tenant_factory(slug="zj", plugin="zhejiang", name="浙江省继教委")
    world = await build_world(tenant, account_factory, "Z")
    with scope(tenant):
        surgery = Department(name="外科", institution=world.institution_id)
        await surgery.save()
    unit = {"institution": world.institution_id}
    world.accounts["surgery"] = await account_factory(
        tenant, "surgery", [(Role.DEPARTMENT_ADMIN, {**unit, "department": surgery.id})]
    )
    world.accounts["owner"] = await account_factory(
        tenant, "owner", [(Role.PROJECT_OWNER, {**unit, "department": world.department_id})]
    )
    return world


def declaration_body(**changes: Any) -> dict[str, Any]:
    """A 省级 declaration of this year (no number: it gets one when published)."""
    return {
        "year": YEAR,
        "name": NAME,
        "level": "省级",
        "nature": "申报项目",
        "leader": "王主任",
        "credits": "8",
        "hours": "24",
        "hosting_form": "面授",
        "assessment": "考试",
        "description": "急危重症的识别与早期处置",
        **changes,
    }


async def declare(client: Any, api: str = ZJ, **changes: Any) -> dict[str, Any]:
    """新项目申报 as the signed-in declarer."""
    return ok(await client.post(f"{api}/projects/declarations", json=declaration_body(**changes)), 201)


async def submit(client: Any, project_id: int, api: str = ZJ) -> Any:
    return await client.post(f"{api}/projects/{project_id}/submit")


async def get_project(client: Any, project_id: int, api: str = ZJ) -> dict[str, Any]:
    return ok(await client.get(f"{api}/projects/{project_id}"))


async def waiting(client: Any, project_id: int, api: str = ZJ) -> dict[str, Any] | None:
    """The signed-in approver's inbox item of ``project_id``'s declaration, if it waits for him."""
    inbox = ok(await client.get(f"{api}/approvals/inbox", params={"kind": PROJECT_DECLARATION}))
    return next((i for i in inbox["items"] if i["subject_id"] == project_id), None)


async def decide(client: Any, project_id: int, action: str, comment: str = "", api: str = ZJ) -> Any:
    """Decide the declaration ``project_id`` from the signed-in approver's inbox."""
    item = await waiting(client, project_id, api)
    assert item is not None, f"project {project_id} does not wait for this approver"
    return await client.post(
        f"{api}/approvals/{item['request_id']}/decision", json={"action": action, "comment": comment}
    )


async def publish(client: Any, login: Any, world: OrgWorld, project_id: int) -> dict[str, Any]:
    """单位审核 then 继教委评审 of a submitted declaration; the published project, read by the commission."""
    await login(client, world.tenant, "institution")
    ok(await decide(client, project_id, "approve"))
    await login(client, world.tenant, "commission")
    assert ok(await decide(client, project_id, "approve"))["status"] == "approved"
    return await get_project(client, project_id)


async def public_numbers(client: Any, api: str = ZJ) -> dict[str, str]:
    """The public query as a visitor: each project's name by number."""
    sign_out(client)
    page = ok(await client.get(f"{api}/public/projects"))
    return {p["number"]: p["name"] for p in page["items"]}


async def stored(world: OrgWorld) -> dict[str, int]:
    """How many projects, approval requests and number counters the tenant holds."""
    with scope(world.tenant):
        return {
            "projects": await Project.count(),
            "requests": await ApprovalRequest.count(),
            "counters": await ProjectNumberCounter.count(),
        }


async def project_audit(world: OrgWorld, project_id: int) -> list[str]:
    """The audited actions on the project ``project_id``, in order."""
    with scope(world.tenant):
        rows = await (
            AuditEvent.select(AuditEvent.action)
            .where((AuditEvent.object_type == "projects_project") & (AuditEvent.object_id == str(project_id)))
            .order_by(AuditEvent.seq)
        )
    return [r["action"] for r in rows]


async def test_a_department_declares_its_institution_and_the_commission_publish_it_with_a_number(
    cme_client, zj, login
):
    client = cme_client
    await login(client, zj.tenant, "department")
    project = await declare(client, number="2099-自拟-999")  # a number sent with it is ignored
    assert project["source"] == "declared" and project["source_label"] == "本系统申报"
    assert project["status"] == "draft" and project["status_label"] == "未提交" and project["number"] == ""
    assert project["level"] == "省级" and project["credits"] == 800 and project["hours_text"] == "24"
    assert (project["institution_id"], project["department_id"]) == (zj.institution_id, zj.department_id)
    assert project["department_name"] == "内科" and project["owner_id"] == zj.accounts["department"]
    assert project["mine"] is True and project["approval_id"] is None
    pid = project["id"]

    project = ok(await submit(client, pid))
    assert project["status"] == "submitted" and project["status_label"] == "评审中"
    assert project["approval_id"] and project["number"] == "" and project["review_comment"] == ""
    assert await waiting(client, pid) is None  # a declarer never reviews his own declaration
    assert NAME not in (await public_numbers(client)).values()

    await login(client, zj.tenant, "institution")
    item = await waiting(client, pid)
    assert item is not None and item["kind_label"] == "项目申报" and item["step_label"] == "单位审核"
    assert item["title"] == f"{YEAR}年度省级项目申报：{NAME}" and item["link"] == f"/projects/{pid}"
    fields = {f["label"]: f["value"] for f in item["fields"]}
    assert fields["申报单位"] == "Z医院1 内科" and fields["学分 / 学时"] == "8 / 24"
    decided = ok(await decide(client, pid, "approve"))
    assert decided["status"] == "pending" and decided["step_label"] == "继教委评审"
    assert await waiting(client, pid) is None
    project = await get_project(client, pid)
    assert project["status"] == "submitted" and project["number"] == "" and project["mine"] is False
    assert NAME not in (await public_numbers(client)).values()  # checked by the institution only

    await login(client, zj.tenant, "commission")
    assert ok(await decide(client, pid, "approve"))["status"] == "approved"
    project = await get_project(client, pid)
    assert project["status"] == "published" and project["status_label"] == "已公布"
    assert project["number"] == f"{YEAR}-省级-001" and project["review_comment"] == ""

    # the next publication of the same year and level takes the next number; another level its own
    await login(client, zj.tenant, "department")
    second = await declare(client, name="社区慢病管理规范化培训班")
    ok(await submit(client, second["id"]))
    city = await declare(client, name="县域胸痛中心建设研修班", level="市级")
    ok(await submit(client, city["id"]))
    assert (await publish(client, login, zj, second["id"]))["number"] == f"{YEAR}-省级-002"
    assert (await publish(client, login, zj, city["id"]))["number"] == f"{YEAR}-市级-001"

    assert await public_numbers(client) == {
        f"{YEAR}-省级-001": NAME,
        f"{YEAR}-省级-002": "社区慢病管理规范化培训班",
        f"{YEAR}-市级-001": "县域胸痛中心建设研修班",
    }
    detail = ok(await client.get(f"{ZJ}/public/projects/{pid}"))
    assert detail["number"] == f"{YEAR}-省级-001" and detail["full"] is False

    await login(client, zj.tenant, "department")
    mine = ok(await client.get(f"{ZJ}/notifications"))
    first = next(m for m in mine["items"] if m["path"] == f"/projects/{pid}")
    assert first["kind"] == "projects.declaration.approved" and first["kind_label"] == "项目申报通过"
    assert f"{YEAR}-省级-001" in first["body"] and NAME in first["title"]
    assert sorted(m["kind"] for m in mine["items"]) == ["projects.declaration.approved"] * 3

    run = ok(
        await client.post(
            f"{ZJ}/projects/{pid}/runs",
            json={
                "venue": "杭州国际博览中心",
                "starts_on": date(YEAR, 6, 1).isoformat(),
                "ends_on": date(YEAR, 6, 2).isoformat(),
            },
        ),
        201,
    )
    assert run["seq"] == 1 and run["status"] == "draft"
    assert await project_audit(zj, pid) == [
        "projects.project.declare",
        "projects.project.submit",
        "projects.project.advanced",
        "projects.project.approved",
    ]


async def test_a_returned_declaration_is_changed_and_submitted_again_until_published(cme_client, zj, login):
    client = cme_client
    await login(client, zj.tenant, "department")
    pid = (await declare(client))["id"]
    first = ok(await submit(client, pid))["approval_id"]
    refused(await submit(client, pid), 409, "申报正在审核中，不能再提交申报")
    locked = "申报正在审核中，不能再修改基本信息"
    refused(await client.put(f"{ZJ}/projects/{pid}", json=declaration_body(name="改名")), 409, locked)
    refused(await client.delete(f"{ZJ}/projects/{pid}"), 409)
    await login(client, zj.tenant, "institution")
    ok(await decide(client, pid, "approve"))

    await login(client, zj.tenant, "commission")
    refused(await decide(client, pid, "return"), 400, "退回时请填写退回原因")
    returned = ok(await decide(client, pid, "return", "请补充授课教师名单"))
    assert returned["status"] == "returned"

    await login(client, zj.tenant, "department")
    project = await get_project(client, pid)
    assert project["status"] == "returned" and project["status_label"] == "已退回"
    assert project["review_comment"] == "请补充授课教师名单" and project["number"] == ""
    message = ok(await client.get(f"{ZJ}/notifications"))["items"][0]
    assert message["kind"] == "projects.declaration.returned" and "请补充授课教师名单" in message["body"]
    refused(await client.delete(f"{ZJ}/projects/{pid}"), 409, "申报已提交过审核，不能删除")

    changed = ok(
        await client.put(f"{ZJ}/projects/{pid}", json=declaration_body(description="授课教师：李教授等"))
    )
    assert changed["description"] == "授课教师：李教授等" and changed["status"] == "returned"
    project = ok(await submit(client, pid))
    assert project["status"] == "submitted" and project["review_comment"] == ""
    assert project["approval_id"] != first
    refused(await submit(client, pid), 409)
    await login(client, zj.tenant, "institution")
    item = await waiting(client, pid)
    assert item is not None and item["request_id"] == project["approval_id"]
    assert item["step_label"] == "单位审核"  # a new submission is checked from the start

    project = await publish(client, login, zj, pid)
    assert project["number"] == f"{YEAR}-省级-001" and project["description"] == "授课教师：李教授等"
    await login(client, zj.tenant, "department")
    published = "项目已公布，不能再修改基本信息"
    refused(await client.put(f"{ZJ}/projects/{pid}", json=declaration_body()), 409, published)
    refused(await client.delete(f"{ZJ}/projects/{pid}"), 409)
    refused(await submit(client, pid), 409, "项目已公布，不能再提交申报")
    assert (await get_project(client, pid))["status"] == "published"

    # a declaration never submitted may be deleted
    draft = await declare(client, name="草稿项目")
    assert (await client.delete(f"{ZJ}/projects/{draft['id']}")).status_code == 204
    refused(await client.get(f"{ZJ}/projects/{draft['id']}"), 404, "项目不存在")
    assert await stored(zj) == {"projects": 1, "requests": 2, "counters": 1}
    assert await project_audit(zj, pid) == [
        "projects.project.declare",
        "projects.project.submit",
        "projects.project.advanced",
        "projects.project.returned",
        "projects.project.update",
        "projects.project.submit",
        "projects.project.advanced",
        "projects.project.approved",
    ]


async def test_who_may_not_declare_and_bad_declarations_are_refused_and_store_nothing(cme_client, zj, login):
    client = cme_client
    await login(client, zj.tenant, "department")
    pid = (await declare(client))["id"]
    before = await stored(zj)

    cases: list[tuple[dict[str, Any], str, str]] = [
        (declaration_body(level="国家级"), "level", "项目级别只能是：省级、市级"),
        (declaration_body(level="县级"), "level", "项目级别只能是：省级、市级"),
        (declaration_body(credits="-1"), "credits", "学分不能为负数"),
        (declaration_body(credits="25.01"), "credits", "学分不能超过25"),
        (declaration_body(credits=26), "credits", "学分不能超过25"),
        (declaration_body(credits="0"), "credits", "请填写项目学分"),
        (declaration_body(leader="  "), "leader", "不能只填空格"),
    ]
    for body, field, message in cases:
        error = refused(await client.post(f"{ZJ}/projects/declarations", json=body), 400)
        assert field_messages(error).get(field) == message, (body, error)
    unknown = refused(
        await client.post(f"{ZJ}/projects/declarations", json={**declaration_body(), "status": "published"}),
        400,
    )
    assert "status" in field_messages(unknown)
    error = refused(await client.put(f"{ZJ}/projects/{pid}", json=declaration_body(level="国家级")), 400)
    assert field_messages(error) == {"level": "项目级别只能是：省级、市级"}

    await login(client, zj.tenant, "learner")
    refused(await client.post(f"{ZJ}/projects/declarations", json=declaration_body()), 403)
    await login(client, zj.tenant, "institution")
    error = refused(await client.post(f"{ZJ}/projects/declarations", json=declaration_body()), 403)
    assert error["message"] == "本省由科室管理员、立项用户申报项目"
    refused(await submit(client, pid), 403)  # he sees his departments' declarations, submits none

    # the 科室 of another department and a 立项用户 of the same institution: the declaration is not there
    for other in ("surgery", "owner"):
        await login(client, zj.tenant, other)
        refused(await client.get(f"{ZJ}/projects/{pid}"), 404, "项目不存在")
        refused(await submit(client, pid), 404, "项目不存在")
        refused(await client.put(f"{ZJ}/projects/{pid}", json=declaration_body()), 404, "项目不存在")
        refused(await client.delete(f"{ZJ}/projects/{pid}"), 404, "项目不存在")
    assert await stored(zj) == before
    await login(client, zj.tenant, "department")
    assert (await get_project(client, pid))["status"] == "draft"

    # a 立项用户 declares too in Zhejiang, under his own unit
    await login(client, zj.tenant, "owner")
    mine = await declare(client, name="立项用户的申报", level="市级")
    assert mine["owner_id"] == zj.accounts["owner"] and mine["department_id"] == zj.department_id
    assert ok(await submit(client, mine["id"]))["status"] == "submitted"


class CoreProvince:
    """A test province that answers no project hook: the core's default policy, chain and numbering."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name=CORE_PROVINCE, title="默认规则省", province="测试省", version="1")


@pytest.mark.parametrize("cme_plugins", [{CORE_PROVINCE: CoreProvince()}])
async def test_with_the_core_policy_only_project_owners_declare(
    cme_client, tenant_factory, account_factory, login
):
    client = cme_client
    tenant = await tenant_factory(slug="core", plugin=CORE_PROVINCE, name="默认规则省继教委")
    world = await build_world(tenant, account_factory, "C")
    unit = {"institution": world.institution_id, "department": world.department_id}
    world.accounts["owner"] = await account_factory(tenant, "owner", [(Role.PROJECT_OWNER, unit)])
    await login(client, tenant, "department")
    error = refused(await client.post(f"{CORE}/projects/declarations", json=declaration_body()), 403)
    assert error["message"] == "本省由立项用户申报项目"
    assert (await stored(world))["projects"] == 0

    await login(client, tenant, "owner")
    project = await declare(client, CORE)
    assert project["status"] == "draft" and project["owner_id"] == world.accounts["owner"]
    error = refused(
        await client.post(f"{CORE}/projects/declarations", json=declaration_body(level="国家级")), 400
    )
    assert field_messages(error) == {"level": "项目级别只能是：省级、市级"}
    assert ok(await submit(client, project["id"], CORE))["status"] == "submitted"
    await login(client, tenant, "institution")
    ok(await decide(client, project["id"], "approve", api=CORE))
    await login(client, tenant, "commission")
    assert ok(await decide(client, project["id"], "approve", api=CORE))["status"] == "approved"
    assert (await get_project(client, project["id"], CORE))["number"] == f"{YEAR}-省级-001"


async def test_publications_decided_in_parallel_get_distinct_contiguous_numbers(
    cme_parallel_client, zj, login
):
    client = cme_parallel_client
    await login(client, zj.tenant, "department")
    ids = []
    for i in range(4):
        project = await declare(client, name=f"{NAME}（第{i + 1}批）")
        ok(await submit(client, project["id"]))
        ids.append(project["id"])
    await login(client, zj.tenant, "institution")
    for pid in ids:
        ok(await decide(client, pid, "approve"))

    await login(client, zj.tenant, "commission")
    items = [await waiting(client, pid) for pid in ids]
    assert all(item is not None for item in items)
    responses = await asyncio.gather(
        *(
            client.post(f"{ZJ}/approvals/{item['request_id']}/decision", json={"action": "approve"})
            for item in items
            if item is not None
        )
    )
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    assert all(r.json()["status"] == "approved" for r in responses)
    numbers = [(await get_project(client, pid))["number"] for pid in ids]
    assert sorted(numbers) == [f"{YEAR}-省级-{n:03d}" for n in range(1, 5)], numbers
    with scope(zj.tenant):
        counter = await ProjectNumberCounter.select().where(ProjectNumberCounter.level == "省级").first()
        assert counter is not None and counter["last_value"] == 4
        published = await Project.count().where(Project.status == "published")
        assert published == 4 and await ProjectRun.count() == 0


async def test_an_institution_delegates_a_project_to_one_of_its_departments(cme_client, zj, login):
    client = cme_client
    await login(client, zj.tenant, "department")
    pid = (await declare(client))["id"]
    ok(await submit(client, pid))
    await publish(client, login, zj, pid)
    with scope(zj.tenant):
        surgery = await Department.select(Department.id).where(Department.name == "外科").first()
    assert surgery is not None
    await login(client, zj.tenant, "surgery")
    refused(await client.post(f"{ZJ}/projects/{pid}/runs", json=RUN), 404)  # not his department's yet
    assert ok(await client.get(f"{ZJ}/projects", params={"view": "delegated"}))["total"] == 0

    await login(client, zj.tenant, "department")  # a 科室 does not delegate
    refused(await client.put(f"{ZJ}/projects/{pid}/delegate", json={"department_id": surgery["id"]}), 403)
    await login(client, zj.tenant, "institution")
    other = {"department_id": zj.other_department_id}  # a department of another institution
    wrong = refused(await client.put(f"{ZJ}/projects/{pid}/delegate", json=other), 400)
    assert field_messages(wrong) == {"department_id": "请选择本单位的科室"}
    delegated = ok(await client.put(f"{ZJ}/projects/{pid}/delegate", json={"department_id": surgery["id"]}))
    assert delegated["delegate_id"] == surgery["id"] and delegated["delegate_name"] == "外科"

    await login(client, zj.tenant, "surgery")
    listed = ok(await client.get(f"{ZJ}/projects", params={"view": "delegated"}))
    assert [p["id"] for p in listed["items"]] == [pid] and listed["items"][0]["holds"] is True
    run = ok(await client.post(f"{ZJ}/projects/{pid}/runs", json=RUN), 201)
    assert run["seq"] == 1
    refused(
        await client.put(f"{ZJ}/projects/{pid}", json=declaration_body()), 403
    )  # the facts stay the owner's

    await login(client, zj.tenant, "institution")
    ok(await client.put(f"{ZJ}/projects/{pid}/delegate", json={"department_id": None}))
    await login(client, zj.tenant, "surgery")
    refused(await client.get(f"{ZJ}/project-runs/{run['id']}"), 404)


RUN = {"venue": "本院学术报告厅", "starts_on": f"{YEAR}-06-01", "ends_on": f"{YEAR}-06-02"}
