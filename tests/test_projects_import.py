"""Beijing's project lists imported from Excel (申报项目导入, 许可发项目导入): a file with good and bad rows
writes nothing in mode "all" and its good rows in mode "valid", each problem named by row and column; a
second upload of the same file changes nothing, a corrected one updates; numbers of the province's own
projects, institutions outside the importer's scope, other provinces and other roles are refused in
Chinese; the template, the page and the public query show what the lists hold."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import openpyxl
import pytest
from api_kit import field_messages, ok, refused
from cme_platform import clock
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity.roles import Role
from cme_platform.projects.importing import COLUMNS
from cme_platform.projects.tables import Project
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld

API = "/t/alpha/api/project-imports"
YEAR = clock.today().year
HEADER = ["审批编号", "项目名称", "学分类别", "年度", "单位编码", "项目负责人", "总学分", "学时", "学科"]
EXTERNAL = "外地国家级继续医学教育项目"


def workbook(rows: list[list[Any]], header: list[str] = HEADER, sheet: str = "项目信息") -> bytes:
    book = openpyxl.Workbook()
    page = book.active
    assert page is not None
    page.title = sheet
    page.append(header)
    for row in rows:
        page.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good(number: str, name: str = "儿科护理新进展学习班", credits: Any = 5, code: str = "AI1") -> list[Any]:
    return [number, name, EXTERNAL, YEAR, code, "张主任", credits, 15, ""]


MIXED = [
    good(f"{YEAR}-CS-01"),
    good(f"{YEAR}-CS-02", "重症护理培训班", 2.5),
    [f"{YEAR}-CS-03", "级别不对的项目", "区级继续医学教育项目", YEAR, "AI1", "张主任", 3, 9, ""],
    good(f"{YEAR}-CS-04", credits=12),
    good(f"{YEAR}-CS-05", code="BI1"),
    good(f"{YEAR}-CS-01", "编号重复的项目"),
    [f"{YEAR}-CS-06", "", EXTERNAL, YEAR, "AI1", "张主任", 3, 9, ""],
    [f"{YEAR}-CS-07", "学分不是数字", EXTERNAL, YEAR, "AI1", "张主任", "三分", 9, ""],
    [f"{YEAR}-CS-08", "学科不存在", EXTERNAL, YEAR, "AI1", "张主任", 3, 9, "火星医学"],
    [None, None, None, None, None, None, None, None, None],
]
"""Two good rows (2, 3) and one problem on each of rows 4–10; the empty row 11 is skipped."""


async def upload(client: Any, content: bytes, code: str = "external", mode: str = "all", **form: str) -> Any:
    return await client.post(
        f"{API}/{code}?mode={mode}",
        data={"purpose": "project_import", **form},
        files={"file": ("外地项目.xlsx", content, "application/octet-stream")},
    )


async def numbers(world: OrgWorld) -> dict[str, dict[str, Any]]:
    with scope(world.tenant):
        rows = await Project.select().order_by(Project.number)
    return {row["number"]: row for row in rows}


@pytest.fixture
async def commission(cme_client: Any, world: OrgWorld, login: Any) -> Any:
    await login(cme_client, world.tenant, "commission")
    return cme_client


async def test_mixed_rows_write_nothing_in_mode_all_and_the_good_rows_in_mode_valid(
    commission: Any, world: OrgWorld
) -> None:
    content = workbook(MIXED)
    outcome = ok(await upload(commission, content))
    assert (outcome["written"], outcome["rows"], outcome["created"]) == (False, 9, 0)
    problems = {(e["row"], e["field"]): e["message"] for e in outcome["errors"]}
    assert problems == {
        (4, "项目级别"): f"项目级别只能是：{EXTERNAL}、外地省市级继续医学教育项目",
        (5, "学分"): "学分不能超过10",
        (6, "举办单位编码"): "单位编码“BI1”不存在或不在您的管理范围内",
        (7, "审批编号"): "审批编号与第 2 行重复",
        (8, "项目名称"): "请填写项目名称",
        (9, "学分"): "学分须为数字",
        (10, "二级学科"): "没有“火星医学”这个学科",
    }
    assert outcome["error_count"] == 7
    assert await numbers(world) == {}

    outcome = ok(await upload(commission, content, mode="valid"))
    assert (outcome["written"], outcome["created"], outcome["error_count"]) == (True, 2, 7)
    stored = await numbers(world)
    assert set(stored) == {f"{YEAR}-CS-01", f"{YEAR}-CS-02"}
    second = stored[f"{YEAR}-CS-02"]
    assert (second["credits"], second["hours"], second["source"], second["status"]) == (
        250,
        1500,
        "imported",
        "published",
    )
    assert (second["institution"], second["owner"], second["level"]) == (world.institution_id, None, EXTERNAL)

    public = ok(await commission.get("/t/alpha/api/public/projects", params={"level": EXTERNAL}))
    assert {item["number"] for item in public["items"]} == set(stored)


async def test_the_same_file_twice_changes_nothing_and_a_corrected_one_updates(
    commission: Any, world: OrgWorld
) -> None:
    rows = [good(f"{YEAR}-CS-01"), good(f"{YEAR}-CS-02", "重症护理培训班")]
    assert ok(await upload(commission, workbook(rows)))["created"] == 2
    again = ok(await upload(commission, workbook(rows)))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    rows[1] = good(f"{YEAR}-CS-02", "重症护理培训班（修订）", 4)
    corrected = ok(await upload(commission, workbook(rows)))
    assert (corrected["created"], corrected["updated"], corrected["unchanged"]) == (0, 1, 1)
    stored = (await numbers(world))[f"{YEAR}-CS-02"]
    assert (stored["name"], stored["credits"]) == ("重症护理培训班（修订）", 400)
    with scope(world.tenant):
        actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.seq)]
    assert actions.count("projects.project.import") == 2
    assert actions.count("projects.project.reimport") == 1
    assert actions.count("projects.import") == 3


async def test_a_number_of_the_provinces_own_projects_or_another_list_is_an_error(
    commission: Any, world: OrgWorld
) -> None:
    level = "北京市继教委许可发证书项目"
    licensed = [f"{YEAR}-CS-09", "许可发证书项目", level, YEAR, "AI1", "张主任", 2, 6, ""]
    assert ok(await upload(commission, workbook([licensed]), code="licensed"))["created"] == 1
    outcome = ok(await upload(commission, workbook([good(f"{YEAR}-CS-09")])))
    assert not outcome["written"]
    assert outcome["errors"] == [
        {"row": 2, "field": "审批编号", "message": f"审批编号“{YEAR}-CS-09”已被本省的其他项目使用"}
    ]
    assert (await numbers(world))[f"{YEAR}-CS-09"]["level"] == "北京市继教委许可发证书项目"


async def test_an_institution_imports_for_itself_only(cme_client: Any, world: OrgWorld, login: Any) -> None:
    await login(cme_client, world.tenant, "institution")
    rows = [good(f"{YEAR}-CS-01", code=""), good(f"{YEAR}-CS-02", code="AI2")]
    outcome = ok(await upload(cme_client, workbook(rows), mode="valid"))
    assert outcome["created"] == 1
    assert outcome["errors"] == [
        {"row": 3, "field": "举办单位编码", "message": "单位编码“AI2”不存在或不在您的管理范围内"}
    ]
    assert (await numbers(world))[f"{YEAR}-CS-01"]["institution"] == world.institution_id


@pytest.mark.parametrize("username", ["learner", "department"])
async def test_other_roles_may_not_import(
    cme_client: Any, world: OrgWorld, login: Any, username: str
) -> None:
    await login(cme_client, world.tenant, username)
    refused(await upload(cme_client, workbook([good(f"{YEAR}-CS-01")])), 403)
    refused(await cme_client.get(f"{API}/external/template"), 403)
    assert await numbers(world) == {}


async def test_a_province_without_lists_has_none(cme_client: Any, other_world: OrgWorld, login: Any) -> None:
    await login(cme_client, other_world.tenant, "commission")
    assert ok(await cme_client.get("/t/beta/api/project-imports")) == []
    template = await cme_client.get("/t/beta/api/project-imports/external/template")
    refused(template, 404, "本省没有这个项目导入")
    response = await cme_client.post(
        "/t/beta/api/project-imports/external",
        data={"purpose": "project_import"},
        files={"file": ("a.xlsx", workbook([good("X-1")]), "application/octet-stream")},
    )
    refused(response, 404, "本省没有这个项目导入")


async def test_bad_files_are_refused_in_chinese(commission: Any, world: OrgWorld) -> None:
    disguised = refused(await upload(commission, b"%PDF-1.4 not a workbook"), 415)
    assert disguised["message"] == "文件内容不是允许的类型；项目导入表格只接受 Excel 表格（xlsx）"
    missing = refused(await upload(commission, workbook([["X"]], header=["审批编号"])), 400)
    assert field_messages(missing)["file"] == (
        "工作表“项目信息”的第一行缺少必需的列：项目名称、项目级别、年度、项目负责人、学分。请使用导入模板填写"
    )
    wrong_sheet = refused(await upload(commission, workbook([good("X-1")], sheet="Sheet1")), 400)
    assert "找不到名为“项目信息”的工作表" in wrong_sheet["message"]
    purpose = await commission.post(
        f"{API}/external",
        data={"purpose": "personnel_import"},
        files={"file": ("a.xlsx", workbook([good("X-1")]), "application/octet-stream")},
    )
    refused(purpose, 400, "请以用途 project_import 上传项目导入表格")
    refused(await commission.post(f"{API}/BAD!", data={"purpose": "project_import"}), 400)
    assert await numbers(world) == {}


async def test_the_template_and_the_page(commission: Any, world: OrgWorld) -> None:
    lists = ok(await commission.get(API))
    assert [(item["code"], item["label"]) for item in lists] == [
        ("external", "申报项目导入"),
        ("licensed", "许可发项目导入"),
    ]
    response = await commission.get(f"{API}/licensed/template")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in book["项目信息"][1]] == [column.label for column in COLUMNS]
    guide = {row[0]: row[2] for row in book["填写说明"].iter_rows(min_row=2, values_only=True)}
    assert guide["项目级别"] == "北京市继教委许可发证书项目"

    page = await commission.get("/t/alpha/projects/imports/external")
    assert page.status_code == 200 and "申报项目导入" in page.text and "下载导入模板" in page.text
    result = await commission.post(
        "/t/alpha/projects/imports/external?mode=valid",
        data={"purpose": "project_import", "_csrf": commission.headers["X-CSRF-Token"]},
        files={"file": ("外地项目.xlsx", workbook(MIXED), "application/octet-stream")},
    )
    assert result.status_code == 200, result.text[:500]
    assert "已导入：新增 2 个项目" in result.text and "审批编号与第 2 行重复" in result.text
    home = await commission.get("/t/alpha/")
    assert "/projects/imports/external" in home.text and "/projects/imports/licensed" in home.text


async def test_parallel_uploads_of_one_file_store_each_project_once(
    cme_parallel_client: Any, world: OrgWorld, login: Any
) -> None:
    client = cme_parallel_client
    await login(client, world.tenant, "commission")
    content = workbook([good(f"{YEAR}-CS-{n:02d}", f"并发导入项目{n}") for n in range(1, 6)])
    responses = await asyncio.gather(*(upload(client, content) for _ in range(4)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}, [r.text for r in responses]
    answered = [r.json() for r in responses if r.status_code == 200]
    assert sum(outcome["created"] for outcome in answered) == 5
    for response in responses:
        if response.status_code == 409:
            refused(response, 409, "另一次导入正在写入相同的审批编号，未写入任何数据，请稍后重新上传")
    assert len(await numbers(world)) == 5
    retried = ok(await upload(client, content))
    assert (retried["created"], retried["unchanged"]) == (0, 5)


async def test_an_institution_does_not_take_over_another_institutions_project(
    cme_client: Any, world: OrgWorld, login: Any, account_factory: Any
) -> None:
    other = {"institution": world.other_institution_id}
    await account_factory(world.tenant, "other_inst", [(Role.INSTITUTION_ADMIN, other)])
    await login(cme_client, world.tenant, "institution")
    assert ok(await upload(cme_client, workbook([good(f"{YEAR}-CS-01", code="")])))["created"] == 1
    await login(cme_client, world.tenant, "other_inst")
    outcome = ok(await upload(cme_client, workbook([good(f"{YEAR}-CS-01", "改名", code="")])))
    assert not outcome["written"]
    assert outcome["errors"] == [
        {
            "row": 2,
            "field": "审批编号",
            "message": f"审批编号“{YEAR}-CS-01”已由其他单位导入，如需修改请联系该单位或继教委",
        }
    ]
    stored = (await numbers(world))[f"{YEAR}-CS-01"]
    assert (stored["institution"], stored["name"]) == (world.institution_id, "儿科护理新进展学习班")
    no_year = ok(
        await upload(cme_client, workbook([[f"{YEAR}-CS-02", "无年度", EXTERNAL, None, "", "张", 1]]))
    )
    assert no_year["errors"] == [{"row": 2, "field": "年度", "message": "请填写年度"}]
    licensed = await upload(cme_client, workbook([good("X-1")]), code="licensed")
    refused(licensed, 403, "许可发项目导入由管理用户（继教委）导入")

    await login(cme_client, world.tenant, "commission")
    moved = ok(await upload(cme_client, workbook([good(f"{YEAR}-CS-01", "改名", code="AI2")])))
    assert moved["updated"] == 1
    assert (await numbers(world))[f"{YEAR}-CS-01"]["institution"] == world.other_institution_id
