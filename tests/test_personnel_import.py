"""Excel import and export of people: template, validation, modes, idempotence, jobs, CLI, audit."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from cme_platform.audit.tables import AuditEvent
from cme_platform.audit.verify import verify_chain
from cme_platform.identity.id_number import check_character
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.orgs.access import OrgAccess
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.excel_template import (
    COLUMNS,
    EXAMPLE_ROW,
    HELP_SHEET_NAME,
    SHEET_NAME,
    template_workbook,
)
from cme_platform.personnel.import_reader import WorkbookError, read_workbook
from cme_platform.personnel.jobs import create_job, run_job
from cme_platform.personnel.tables import Person, PersonImport, PersonYear
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld

TENANT_WIDE = PersonAccess(org=OrgAccess(tenant_wide=True))


def id_number(index: int) -> str:
    """A valid, fictitious resident ID number of a man, distinct per ``index`` (0–9999)."""
    rest = index % 500
    first17 = f"110105{1950 + index // 500:04d}0307{rest // 5:02d}{(rest % 5) * 2 + 1}"
    return first17 + check_character(first17)


def person_row(index: int, code: str, **changes: Any) -> dict[str, Any]:
    """One row of the import sheet, keyed by column header."""
    row = {
        "单位编码": code,
        "科室": "内科",
        "证件号码": id_number(index),
        "姓名": f"测试{index}",
        "手机": f"139{index:08d}",
        "当前职称": "主治医师",
        "专业": "内科学",
        "在编状态": "在编",
        "人员状态": "正常",
    }
    return {**row, **changes}


def workbook(
    rows: list[dict[str, Any]], *, sheet: str = SHEET_NAME, columns: tuple[str, ...] = COLUMNS
) -> bytes:
    """An xlsx workbook with the header ``columns`` and ``rows`` (``None`` rows stay empty)."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    ws.append(list(columns))
    for row in rows:
        ws.append([row.get(c) for c in columns] if row else [])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def import_file(
    world: OrgWorld, tmp_path: Path, data: bytes, *, mode: str = "all", access: PersonAccess = TENANT_WIDE
) -> dict[str, Any]:
    """Run an import job in the foreground and return its job row."""
    path = tmp_path / "people.xlsx"
    path.write_bytes(data)
    with scope(world.tenant):
        job_id = await create_job(file_name="people.xlsx", mode=mode, institution_id=None, account_id=None)
        await run_job(job_id, path, access)
        return dict(
            await PersonImport.select().where(PersonImport.id == job_id).output(load_json=True).first() or {}
        )


async def count(world: OrgWorld, table: Any) -> int:
    """Rows of ``table`` in the world's tenant."""
    with scope(world.tenant):
        return int(await table.count())


# -- template and reading ------------------------------------------------------------------------


def test_template_has_columns_example_and_help(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_workbook())
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [SHEET_NAME, HELP_SHEET_NAME]
    header = [c.value for c in book[SHEET_NAME][1]]
    assert tuple(header) == COLUMNS and header[:2] == ["单位编码", "科室"]
    help_text = " ".join(str(c.value) for row in book[HELP_SHEET_NAME].iter_rows() for c in row)
    assert "主治医师" in help_text and "非在编" in help_text
    rows = read_workbook(path)
    assert len(rows) == 1 and rows[0].number == 2
    assert rows[0].values["id_number"] == EXAMPLE_ROW["证件号码"]


async def test_template_example_row_imports(world: OrgWorld, tmp_path: Path) -> None:
    from cme_platform.orgs.tables import Department, Institution

    with scope(world.tenant):
        institution = Institution(name="模板医院", code=EXAMPLE_ROW["单位编码"], region=world.region_id)
        await institution.save()
        await Department(name=EXAMPLE_ROW["科室"], institution=institution.id).save()
    job = await import_file(world, tmp_path, template_workbook())
    assert (job["status"], job["created_count"], job["errors"]) == ("done", 1, [])
    with scope(world.tenant):
        person = await Person.select().first()
    assert person is not None
    assert (person["ethnicity"], person["title_appointed_year"], person["degree"]) == ("汉族", 2019, "学士")
    assert (
        person["birth_date"].isoformat() == EXAMPLE_ROW["出生日期"] and person["email"] == EXAMPLE_ROW["邮箱"]
    )


def test_non_excel_file_and_wrong_sheet_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.xlsx"
    text.write_text("姓名,证件号码\n张三,1\n")
    with pytest.raises(WorkbookError, match="不是有效的 Excel"):
        read_workbook(text)
    wrong = tmp_path / "wrong.xlsx"
    wrong.write_bytes(workbook([person_row(1, "X")], sheet="Sheet1"))
    with pytest.raises(WorkbookError, match="人员信息"):
        read_workbook(wrong)
    missing = tmp_path / "missing.xlsx"
    missing.write_bytes(workbook([], columns=("单位编码", "姓名")))
    with pytest.raises(WorkbookError, match="证件号码"):
        read_workbook(missing)


# -- importing -----------------------------------------------------------------------------------


async def test_mixed_rows_all_mode_writes_nothing(world: OrgWorld, tmp_path: Path) -> None:
    rows = [
        person_row(1, "AI1"),
        person_row(2, "AI1", 手机="12345"),
        person_row(3, "BI1"),
        person_row(4, "AI1", 证件号码=id_number(1)),
        person_row(5, "AI1", 科室="外科"),
    ]
    job = await import_file(world, tmp_path, workbook(rows))
    assert job["status"] == "failed" and job["created_count"] == 0
    problems = {(e["row"], e["field"]) for e in job["errors"]}
    assert problems == {(3, "手机"), (4, "单位编码"), (5, "证件号码"), (6, "科室")}
    assert all(e["message"] and "：" not in e["message"][:3] for e in job["errors"])
    assert await count(world, Person) == 0 and await count(world, PersonYear) == 0


async def test_mixed_rows_valid_mode_writes_the_valid_rows(world: OrgWorld, tmp_path: Path) -> None:
    rows = [person_row(1, "AI1"), person_row(2, "AI1", 手机="12345"), person_row(3, "AI2", 科室="")]
    job = await import_file(world, tmp_path, workbook(rows), mode="valid")
    assert job["status"] == "done" and (job["created_count"], job["error_count"]) == (2, 1)
    with scope(world.tenant):
        people = await Person.select().order_by(Person.person_number)
        assert [p["name"] for p in people] == ["测试1", "测试3"]
        assert people[0]["department"] == world.department_id and people[1]["department"] is None
        assert people[0]["id_masked"] == id_number(1)[:3] + "*****" + id_number(1)[-2:]
        account = await Account.select().where(Account.id == people[0]["account"]).first()
        assert account is not None and account["username"] == people[0]["person_number"]
        assert account["must_change_password"] and account["password_hash"] == ""
        grant = await RoleGrant.select().where(RoleGrant.account == account["id"]).first()
        assert grant is not None and grant["role"] == Role.LEARNER.value
        assert grant["institution"] == world.institution_id
        assert await PersonYear.count().where(PersonYear.person == people[0]["id"]) == 1
        actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action)]
        assert actions.count("personnel.person.create") == 2 and actions.count("personnel.import.finish") == 1
        assert (await verify_chain(world.tenant.id)).ok


async def test_reimport_updates_and_never_duplicates(world: OrgWorld, tmp_path: Path) -> None:
    rows = [person_row(i, "AI1") for i in range(1, 4)]
    first = await import_file(world, tmp_path, workbook(rows))
    assert (first["created_count"], first["updated_count"]) == (3, 0)
    rows[0]["当前职称"] = "副主任医师"
    second = await import_file(world, tmp_path, workbook(rows))
    assert (second["status"], second["created_count"], second["updated_count"]) == ("done", 0, 3)
    assert await count(world, Person) == 3 and await count(world, PersonYear) == 3
    with scope(world.tenant):
        changed = await Person.select().where(Person.name == "测试1").first()
        assert changed is not None and (changed["title"], changed["title_level"]) == ("副主任医师", "副高")
        year = await PersonYear.select().where(PersonYear.person == changed["id"]).first()
        assert year is not None and year["title"] == "副主任医师"
        updates = await AuditEvent.select().where(AuditEvent.action == "personnel.person.update")
        assert len(updates) == 1 and "副主任医师" in (updates[0]["after"] or "")
        assert (await verify_chain(world.tenant.id)).ok
    assert await count(world, Account) == 5 + 3  # the role accounts and one learner per person


async def test_formulas_and_empty_rows(world: OrgWorld, tmp_path: Path) -> None:
    rows = [person_row(1, "AI1"), {}, {}, person_row(2, "AI1", 姓名='=CONCAT("张","三")'), {}]
    job = await import_file(world, tmp_path, workbook(rows))
    assert job["total_rows"] == 2
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(5, "姓名")]


async def test_bad_file_fails_the_job_and_writes_nothing(world: OrgWorld, tmp_path: Path) -> None:
    job = await import_file(world, tmp_path, b"not a workbook at all")
    assert job["status"] == "failed" and "Excel" in job["message"]
    assert await count(world, Person) == 0


async def test_department_admin_imports_only_into_its_department(world: OrgWorld, tmp_path: Path) -> None:
    with scope(world.tenant):
        from cme_platform.identity.principal import load_principal_by_id

        principal = await load_principal_by_id(world.accounts["department"])
    assert principal is not None
    access = PersonAccess.of(principal)
    rows = [person_row(1, "AI1"), person_row(2, "AI1", 科室="")]
    job = await import_file(world, tmp_path, workbook(rows), mode="valid", access=access)
    assert job["created_count"] == 1
    assert [(e["row"], e["field"], e["message"]) for e in job["errors"]] == [
        (3, "科室", "请填写您管理的科室")
    ]


async def test_institution_out_of_reach_reveals_nothing(world: OrgWorld, tmp_path: Path) -> None:
    access = PersonAccess(org=OrgAccess(institution_ids=frozenset({world.institution_id})))
    rows = [person_row(1, "AI2"), person_row(2, "AI2", 科室="不存在的科室")]
    job = await import_file(world, tmp_path, workbook(rows), access=access)
    assert {(e["field"], e["message"]) for e in job["errors"]} == {
        ("单位编码", "单位编码“AI2”不存在或不在您的管理范围内")
    }


# -- over HTTP -----------------------------------------------------------------------------------


def api(world: OrgWorld, path: str) -> str:
    return f"/t/{world.tenant.slug}/api/personnel{path}"


async def upload(
    client: Any, world: OrgWorld, content: bytes, *, name: str = "人员.xlsx", query: str = ""
) -> Any:
    return await client.post(
        api(world, f"/imports{query}"),
        data={"purpose": "personnel_import"},
        files={"file": (name, content, "application/octet-stream")},
    )


async def finished(client: Any, world: OrgWorld, job_id: int) -> dict[str, Any]:
    """Poll the job until it is done or failed."""
    for _ in range(200):
        job = (await client.get(api(world, f"/imports/{job_id}"))).json()
        if job["status"] in ("done", "failed"):
            return dict(job)
        await asyncio.sleep(0.05)
    raise AssertionError(f"import {job_id} did not finish: {job}")


async def test_upload_runs_in_the_background_in_both_modes(
    cme_client: Any, world: OrgWorld, login: Any
) -> None:
    await login(cme_client, world.tenant, "institution")
    bad = person_row(2, "AI1", 当前职称="院长", 手机="12")
    data = workbook([person_row(1, "AI1"), bad, person_row(3, "AI1")])
    response = await upload(cme_client, world, data)
    assert response.status_code == 202, response.text
    job = await finished(cme_client, world, response.json()["id"])
    assert job["status"] == "failed" and job["created_count"] == 0
    assert sorted((e["row"], e["field"]) for e in job["errors"]) == [(3, "当前职称"), (3, "手机")]
    assert job["message"].startswith("1 行有错误（共 2 处），未导入任何数据")
    assert await count(world, Person) == 0

    response = await upload(cme_client, world, data, query="?mode=valid")
    job = await finished(cme_client, world, response.json()["id"])
    assert (job["status"], job["created_count"], job["error_count"]) == ("done", 2, 2)
    assert job["message"] == "已导入：新增 2 人，更新 0 人；1 行有错误（共 2 处），这些行未导入"
    listing = (await cme_client.get(api(world, "/imports"))).json()
    assert [j["id"] for j in listing["items"]] == [job["id"], job["id"] - 1] and listing["items"][0][
        "errors"
    ] == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("people.xlsx", "姓名,证件号码\n张三,1\n".encode()),
        ("people.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    ],
)
async def test_non_excel_upload_is_refused_and_nothing_written(
    cme_client: Any, world: OrgWorld, login: Any, name: str, content: bytes
) -> None:
    from cme_platform.files.tables import StoredFile

    await login(cme_client, world.tenant, "institution")
    response = await upload(cme_client, world, content, name=name)
    assert response.status_code in (400, 415), response.text
    assert "xlsx" in response.json()["message"] or "Excel" in response.json()["message"]
    assert await count(world, PersonImport) == 0 and await count(world, StoredFile) == 0


async def test_another_tenants_institution_is_a_row_error(
    cme_client: Any, world: OrgWorld, other_world: OrgWorld, login: Any
) -> None:
    await login(cme_client, world.tenant, "commission")
    response = await upload(cme_client, world, workbook([person_row(1, "BI1")]))
    job = await finished(cme_client, world, response.json()["id"])
    assert job["errors"] == [
        {"row": 2, "field": "单位编码", "message": "单位编码“BI1”不存在或不在您的管理范围内"}
    ]
    assert await count(other_world, Person) == 0 and await count(world, Person) == 0


async def test_imports_of_others_are_not_found(cme_client: Any, world: OrgWorld, login: Any) -> None:
    await login(cme_client, world.tenant, "institution")
    response = await upload(cme_client, world, workbook([person_row(1, "AI1")]))
    job_id = response.json()["id"]
    await finished(cme_client, world, job_id)
    await login(cme_client, world.tenant, "department")
    assert (await cme_client.get(api(world, f"/imports/{job_id}"))).status_code == 404
    assert (await cme_client.get(api(world, "/imports"))).json()["total"] == 0
    await login(cme_client, world.tenant, "learner")
    assert (await cme_client.get(api(world, "/imports"))).status_code == 403


async def test_institution_of_the_upload_fills_blank_codes(
    cme_client: Any, world: OrgWorld, login: Any
) -> None:
    await login(cme_client, world.tenant, "institution")
    query = f"?institution_id={world.other_institution_id}"
    refused = await upload(cme_client, world, workbook([person_row(1, "")]), query=query)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "institution_id"
    response = await upload(
        cme_client, world, workbook([person_row(1, "")]), query=f"?institution_id={world.institution_id}"
    )
    job = await finished(cme_client, world, response.json()["id"])
    assert job["created_count"] == 1, job


async def test_template_download(cme_client: Any, world: OrgWorld, login: Any) -> None:
    await login(cme_client, world.tenant, "department")
    response = await cme_client.get(api(world, "/import-template"))
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert "attachment" in response.headers["content-disposition"]


async def test_export_honours_filters_and_masks_per_role(
    cme_client: Any, world: OrgWorld, login: Any, tmp_path: Path
) -> None:
    rows = [person_row(1, "AI1"), person_row(2, "AI1", 当前职称="主任医师"), person_row(3, "AI2", 科室="")]
    rows.append(person_row(4, "AI2", 科室=""))
    await import_file(world, tmp_path, workbook(rows))
    with scope(world.tenant):  # a name that looks like a formula must be exported as text
        await Person.update({Person.name: "=1+2"}).where(Person.name == "测试4")

    async def exported(query: str) -> list[list[Any]]:
        response = await cme_client.get(api(world, f"/export{query}"))
        assert response.status_code == 200, response.text
        path = tmp_path / "export.xlsx"
        path.write_bytes(response.content)
        sheet = openpyxl.load_workbook(path).active
        assert sheet is not None
        return [list(r) for r in sheet.iter_rows(values_only=True)]

    await login(cme_client, world.tenant, "commission")
    table = await exported("?title_level=正高")
    assert (
        len(table) == 2
        and table[1][1] == "测试2"
        and table[1][4] == id_number(2)
        and table[1][6] == "13900000002"
    )
    everyone = await exported("")
    assert len(everyone) == 5 and everyone[4][1] == "=1+2"
    with zipfile.ZipFile(tmp_path / "export.xlsx") as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    await login(cme_client, world.tenant, "department")
    table = await exported("")
    assert [r[1] for r in table[1:]] == ["测试1", "测试2"]
    assert table[1][4] == id_number(1)[:3] + "*****" + id_number(1)[-2:] and table[1][6] == "139****0001"
    with scope(world.tenant):
        events = (
            await AuditEvent.select().where(AuditEvent.action == "personnel.export").order_by(AuditEvent.seq)
        )
    assert len(events) == 3 and '"rows":1' in events[0]["after"] and '"revealed":false' in events[2]["after"]


# -- CLI -------------------------------------------------------------------------------------------


async def test_cli_import_and_template(world: OrgWorld, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from cme_platform.cli import main

    template = tmp_path / "template.xlsx"
    result = await asyncio.to_thread(CliRunner().invoke, main, ["personnel", "template", str(template)])
    assert result.exit_code == 0 and template.read_bytes().startswith(b"PK")
    people = tmp_path / "people.xlsx"
    people.write_bytes(workbook([person_row(1, ""), person_row(2, "", 手机="1")]))
    args = ["personnel", "import", str(people), "--tenant", world.tenant.slug, "--institution", "AI1"]
    result = await asyncio.to_thread(CliRunner().invoke, main, args)
    assert result.exit_code == 1, result.output
    assert "第 3 行 [手机]" in result.output and "未导入任何数据" in result.output
    result = await asyncio.to_thread(CliRunner().invoke, main, [*args, "--mode", "valid"])
    assert result.exit_code == 0, result.output
    assert "新增 1 人" in result.output and await count(world, Person) == 1
    result = await asyncio.to_thread(CliRunner().invoke, main, [*args[:3], "--tenant", "nope"])
    assert result.exit_code == 2


async def test_record_many_extends_the_chain_like_record(world: OrgWorld) -> None:
    from cme_platform.audit.service import AuditEntry, record, record_many

    with scope(world.tenant):
        await record("test.one", summary="单条")
        entries = [
            AuditEntry(action="test.bulk", object_type="person", object_id=i, after={"i": i})
            for i in range(5)
        ]
        last = await record_many(entries)
        assert await record("test.two") == last + 1
        assert await record_many([]) == 0
        rows = await AuditEvent.select(AuditEvent.seq, AuditEvent.action).order_by(AuditEvent.seq)
        assert [r["action"] for r in rows][-7:] == ["test.one", *["test.bulk"] * 5, "test.two"]
        report = await verify_chain(world.tenant.id)
    assert report.ok, report


async def test_person_registered_during_the_import_fails_it_cleanly(
    world: OrgWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cme_platform.personnel import importer
    from cme_platform.personnel.service import document_columns

    validate = importer.validate_rows

    async def validate_then_register(*args: Any, **kwargs: Any) -> Any:
        valid = await validate(*args, **kwargs)
        number = document_columns(id_number(2))
        await Person.insert(
            Person(
                name="并发",
                gender="男",
                person_number="8299999999",
                institution=world.institution_id,
                **number,
            )
        )
        return valid

    monkeypatch.setattr(importer, "validate_rows", validate_then_register)
    job = await import_file(world, tmp_path, workbook([person_row(1, "AI1"), person_row(2, "AI1")]))
    assert job["status"] == "failed" and "其他操作登记" in job["message"]
    assert await count(world, Person) == 1 and await count(world, Account) == 5


async def test_pages_answer_admins_only(cme_client: Any, world: OrgWorld, login: Any) -> None:
    prefix = f"/t/{world.tenant.slug}/personnel"
    await login(cme_client, world.tenant, "institution")
    page = await cme_client.get(f"{prefix}/imports")
    assert page.status_code == 200 and "下载导入模板" in page.text and "只导入正确的行" in page.text
    response = await upload(cme_client, world, workbook([person_row(1, "AI1", 手机="1")]))
    detail = await cme_client.get(
        f"{prefix}/imports/{(await finished(cme_client, world, response.json()['id']))['id']}"
    )
    assert detail.status_code == 200 and "应为11位手机号码" in detail.text
    assert "/api/personnel/imports/" not in detail.text, "a finished import must not poll for progress"
    export = await cme_client.get(f"{prefix}/export.xlsx?status=正常&sort=name&desc=false")
    assert export.status_code == 200 and export.content.startswith(b"PK")
    await login(cme_client, world.tenant, "learner")
    assert (await cme_client.get(f"{prefix}/imports")).status_code == 403
