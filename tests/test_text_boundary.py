"""Control characters are refused at the boundary: JSON bodies, query parameters, urlencoded forms (the
sign-in form too), multipart text fields, and the cells of an imported spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from cme_platform.api.text_guard import (
    FIELD_MESSAGE,
    REFUSED_MESSAGE,
    has_control_characters,
    json_strings,
)
from cme_platform.audit.tables import AuditEvent
from cme_platform.credits.tables import CreditRecord
from cme_platform.files.tables import StoredFile
from cme_platform.orgs.tables import Department
from cme_platform.personnel.excel_template import COLUMNS, SHEET_NAME
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.pytest_plugin import submit_login
from test_credits_pages import SCI_PAPER, guided_form, png_bytes, post_entry
from test_credits_pages import zj as zj  # the fixture, shared
from test_personnel_api import person
from test_personnel_import import import_file, person_row

ORGS = "/t/alpha/api/orgs"


@pytest.mark.parametrize("text", ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b", "a\x9fb", "\ud800"])
def test_refused_characters(text: str) -> None:
    assert has_control_characters(text)


@pytest.mark.parametrize("text", ["第一行\n第二行\r\n", "a\tb", "张三 Zhang", "😀", "\u00a0", "\ufffd"])
def test_allowed_characters(text: str) -> None:
    assert not has_control_characters(text)


def test_json_strings_name_every_string_by_its_path() -> None:
    document = {"name": "x", "items": [{"note": "y"}, 3, ["z"]], "n": None}
    assert sorted(json_strings(document)) == sorted(
        [
            ("name", "name"),
            ("name", "x"),
            ("items", "items"),
            ("items[0].note", "note"),
            ("items[0].note", "y"),
            ("items[2][0]", "z"),
            ("n", "n"),
        ]
    )
    deep: Any = "bottom"
    for _ in range(5000):
        deep = [deep]
    assert list(json_strings(deep)) == [("[0]" * 5000, "bottom")]


def _refused(response: Any, *fields: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "validation_error" and body["message"] == REFUSED_MESSAGE
    assert [e["field"] for e in body["errors"]] == list(fields)
    assert all(e["message"] == FIELD_MESSAGE for e in body["errors"])


async def _departments(world: Any) -> list[str]:
    with scope(world.tenant):
        return [r["name"] for r in await Department.select(Department.name).order_by(Department.id)]


async def test_json_bodies_with_control_characters_are_refused(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    before = await _departments(world)
    for name in ("内\x07科", "内\x00科", "内\x85科"):  # NUL gave 500 on PostgreSQL
        r = await cme_client.post(
            f"{ORGS}/departments", json={"institution_id": world.institution_id, "name": name}
        )
        _refused(r, "name")
    assert await _departments(world) == before, "nothing written"
    r = await cme_client.patch(
        f"{ORGS}/departments/{world.department_id}", json={"name": "外科", "code": "A\x08"}
    )
    _refused(r, "code")
    r = await cme_client.post("/t/alpha/api/personnel/people", json=person(world, name="张\x1b三"))
    _refused(r, "name")
    with scope(world.tenant):
        assert await Person.count() == 0
    deep = b"[" * 100_000 + b"]" * 100_000
    r = await cme_client.post(
        f"{ORGS}/departments", content=deep, headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_json", r.text
    # tab, line feed and carriage return are text
    r = await cme_client.post(
        f"{ORGS}/departments", json={"institution_id": world.institution_id, "name": "心内科\t二病区"}
    )
    assert r.status_code == 201, r.text


async def test_query_parameters_with_control_characters_are_refused(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.get(f"{ORGS}/institutions", params={"q": "医院\x07", "active": "true"})
    _refused(r, "q")
    assert (await cme_client.get(f"{ORGS}/institutions", params={"q": "医院"})).status_code == 200
    page = await cme_client.get("/t/alpha/orgs/institutions", params={"q": "\x00"})
    assert page.status_code == 400 and "text/html" in page.headers["content-type"]
    assert REFUSED_MESSAGE in page.text


async def test_path_parameters_with_control_characters_are_refused(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    for text in ("%00", "a%07b"):  # NUL gave 500 on PostgreSQL
        _refused(await cme_client.get(f"/t/alpha/api/audit/objects/region/{text}"), "object_id")
    assert (await cme_client.get("/t/alpha/api/audit/objects/region/1")).status_code == 200


async def test_the_sign_in_form_refuses_a_control_character_in_the_user_name(cme_client, world, cme_scope):
    r = await submit_login(cme_client, world.tenant, "probe\x07user", "wrong")
    assert r.status_code == 400 and REFUSED_MESSAGE in r.text and "username" in r.text
    with cme_scope(world.tenant):
        assert await AuditEvent.count().where(AuditEvent.action == "auth.login_failed") == 0
    r = await submit_login(cme_client, world.tenant, "probe-user", "wrong")
    assert r.status_code == 400 and REFUSED_MESSAGE not in r.text
    with cme_scope(world.tenant):
        assert await AuditEvent.count().where(AuditEvent.action == "auth.login_failed") == 1


async def test_multipart_text_fields_and_file_names_are_refused(zj, cme_client):
    r = await post_entry(
        cme_client, f"/credits/new/guided/{SCI_PAPER}", guided_form(activity_name="心肌\x07保护")
    )
    assert r.status_code == 400 and REFUSED_MESSAGE in r.text and "activity_name" in r.text
    with scope(zj.tenant):
        assert await CreditRecord.count() == 0
    boundary = "cme-boundary"
    body = (
        (  # written by hand: HTTP clients percent-encode a control character in a file name
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nevidence\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="证书\x07.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + png_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    r = await cme_client.post(
        "/t/beta/api/files",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    _refused(r, "file")
    with scope(zj.tenant):
        assert await StoredFile.count() == 0


def _raw_workbook(path: Path, rows: list[dict[str, Any]]) -> bytes:
    """An import sheet written with XlsxWriter, which (unlike openpyxl) stores control characters."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(SHEET_NAME)
    sheet.write_row(0, 0, COLUMNS)
    for index, row in enumerate(rows, start=1):
        for column, header in enumerate(COLUMNS):
            sheet.write_string(index, column, str(row.get(header, "")))
    book.close()
    return path.read_bytes()


async def test_imported_cells_with_control_characters_get_an_error_each(world, tmp_path):
    rows = [
        person_row(1, "AI1", 姓名="张\x07三"),
        person_row(2, "AI1", 专业="内科学\x00"),
        person_row(3, "AI1"),
        person_row(4, "AI1", 科室="内\x07科"),
        person_row(5, "AI\x1b1"),
    ]
    job = await import_file(world, tmp_path, _raw_workbook(tmp_path / "raw.xlsx", rows))
    assert [(e["row"], e["field"], e["message"]) for e in job["errors"]] == [
        (2, "姓名", FIELD_MESSAGE),
        (3, "专业", FIELD_MESSAGE),
        (5, "科室", FIELD_MESSAGE),
        (6, "单位编码", FIELD_MESSAGE),
    ]
    with scope(world.tenant):
        names = [r["name"] for r in await Person.select(Person.name)]
    assert not any(has_control_characters(n) for n in names)
