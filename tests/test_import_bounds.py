"""Hostile import workbooks: bounds checked before the reader sees a file, the read isolated in a child."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cme_platform.personnel import xlsx_guard
from cme_platform.personnel.import_reader import WorkbookError, read_workbook
from cme_platform.personnel.tables import Person, PersonImport
from cme_platform.personnel.xlsx_guard import MAX_COLUMNS, MAX_ROWS, WorkbookRejected, check_bounds
from cme_platform.testkit.world import OrgWorld
from test_personnel_import import api, count, finished, import_file, person_row, upload, workbook

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{_PACKAGE}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEET_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SHEET_TYPE}.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
        f'Type="{_OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_OFFICE}"><sheets>'
        '<sheet name="人员信息" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
        f'Type="{_OFFICE}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def hand_made_xlsx(cells: str, dimension: str = "A1", *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal xlsx written by hand: sheet 人员信息 with ``cells`` (row and c elements)."""
    sheet = (
        f'<worksheet xmlns="{_MAIN}"><dimension ref="{dimension}"/><sheetData>{cells}</sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def text_cell(ref: str, text: str = "x") -> str:
    """A cell at ``ref`` holding ``text`` as an inline string."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


ONLY_FAR_CELL = hand_made_xlsx(f'<row r="1048576">{text_cell("XFD1048576")}</row>', "A1:XFD1048576")
"""The file of issue 11: 1.5 KB, its only cell at XFD1048576 (python-calamine asks for ~550 GB)."""
HEADER_AND_FAR_CELL = hand_made_xlsx(
    f'<row r="1">{text_cell("A1", "证件号码")}</row><row r="1048576">{text_cell("XFD1048576")}</row>',
    "A1:XFD1048576",
)


def refusal(tmp_path: Path, data: bytes) -> str:
    """The message with which reading ``data`` as an import workbook is refused."""
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(data)
    with pytest.raises(WorkbookError) as refused:
        read_workbook(path)
    return refused.value.message


@pytest.mark.parametrize(
    "data", [ONLY_FAR_CELL, HEADER_AND_FAR_CELL], ids=["only-far-cell", "header-far-cell"]
)
async def test_crash_file_upload_fails_the_import_and_the_server_still_answers(
    cme_client: Any, world: OrgWorld, login: Any, data: bytes
) -> None:
    assert len(data) < 2048
    await login(cme_client, world.tenant, "department")
    response = await upload(cme_client, world, data)
    assert response.status_code == 202, response.text
    job = await finished(cme_client, world, response.json()["id"])
    assert job["status"] == "failed" and job["created_count"] == 0
    assert "A1:XFD1048576" in job["message"] and "200,000 行数据" in job["message"]
    listing = await cme_client.get(api(world, "/imports"))
    assert listing.status_code == 200 and listing.json()["total"] == 1
    response = await upload(cme_client, world, workbook([person_row(1, "AI1")]))
    assert (await finished(cme_client, world, response.json()["id"]))["status"] == "done"
    assert await count(world, Person) == 1


def test_zip_bomb_is_refused_by_its_size_and_its_ratio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the whole read, in the child, with the real limits: 20 MB of zeros compress about 1,000 times
    ratio_bomb = hand_made_xlsx(text_cell("A1"), extra={"xl/sharedStrings.xml": bytes(20 * xlsx_guard.MB)})
    assert len(ratio_bomb) < 100_000
    assert "压缩比异常" in refusal(tmp_path, ratio_bomb)
    # the size limit, lowered here so that the test need not compress a gigabyte
    monkeypatch.setattr(xlsx_guard, "MAX_TOTAL_BYTES", 8 * xlsx_guard.MB)
    monkeypatch.setattr(xlsx_guard, "MAX_RATIO", 10_000)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(
        hand_made_xlsx(
            text_cell("A1"), extra={f"xl/media/zeros{i}.bin": bytes(3 * xlsx_guard.MB) for i in range(3)}
        )
    )
    with pytest.raises(WorkbookRejected, match="文件解压后超过 8 MB"):
        check_bounds(path)


def test_a_part_larger_than_its_header_says_is_refused(tmp_path: Path) -> None:
    data = bytearray(hand_made_xlsx(text_cell("A1"), extra={"xl/sharedStrings.xml": b"<sst>" + b"a" * 5000}))
    name = b"xl/sharedStrings.xml"
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(name))  # its central directory entry
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # declared uncompressed size
    assert "不是有效的 Excel" in refusal(tmp_path, bytes(data))


def test_cells_beyond_the_row_bound_are_refused_whatever_the_dimension_says(tmp_path: Path) -> None:
    last, beyond = f"A{MAX_ROWS}", f"A{MAX_ROWS + 1}"
    path = tmp_path / "rows.xlsx"
    path.write_bytes(hand_made_xlsx(f'<row r="{MAX_ROWS}">{text_cell(last)}</row>', "A1:W2"))
    check_bounds(path)
    message = refusal(tmp_path, hand_made_xlsx(f'<row r="{MAX_ROWS + 1}">{text_cell(beyond)}</row>', "A1:W2"))
    assert f"单元格 {beyond}" in message and "第 200,002 行" in message and "200,000 行数据" in message
    # a row without its number follows the previous one
    implicit = f'<row r="{MAX_ROWS}">{text_cell(last)}</row><row><c t="inlineStr"><is><t>x</t></is></c></row>'
    assert "第 200,002 行" in refusal(tmp_path, hand_made_xlsx(implicit, "A1:A2"))


def test_prefixed_cells_past_the_first_chunk_are_checked_too(tmp_path: Path) -> None:
    def rows(first: int, last: int) -> str:
        return "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(first, last + 1))

    prefixed = f'<x:c xmlns:x="{_MAIN}" r="XFD30001"><x:v>1</x:v></x:c>'
    far = f'<row r="30001"><c r="A30001"><v>1</v></c>{prefixed}</row>'
    # in a middle chunk (more than 1 MB from both ends of sheetData), where the quick test runs
    sheet = rows(1, 30_000) + far + rows(30_002, 60_000)
    assert "第 XFD 列" in refusal(tmp_path, hand_made_xlsx(sheet, "A1:A60000"))


@pytest.mark.parametrize("attributes", ["", ' s="1"'], ids=["bare", "styled"])
def test_columns_are_counted_by_position_when_cells_carry_no_reference(
    tmp_path: Path, attributes: str
) -> None:
    def row(width: int) -> str:
        cells = "".join(f"<c{attributes}><v>{i}</v></c>" for i in range(width))
        return f'<row r="1">{cells}</row>'

    path = tmp_path / "columns.xlsx"
    path.write_bytes(hand_made_xlsx(row(MAX_COLUMNS)))
    check_bounds(path)
    path.write_bytes(hand_made_xlsx(row(MAX_COLUMNS + 1)))
    with pytest.raises(WorkbookRejected, match="第 BI 列：最多 60 列"):
        check_bounds(path)
    reference_not_first = '<row r="1"><c t="n" r="BI1"><v>1</v></c></row>'
    assert "第 BI 列" in refusal(tmp_path, hand_made_xlsx(reference_not_first))


async def test_a_reader_that_dies_fails_the_import_and_the_server_carries_on(
    world: OrgWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # within the bounds, but a dense 200,001 x 60 range needs about 400 MB: more than the child gets here
    far = f'<row r="{MAX_ROWS}">{text_cell(f"BH{MAX_ROWS}")}</row>'
    widest = hand_made_xlsx(f'<row r="1">{text_cell("A1", "证件号码")}</row>{far}', f"A1:BH{MAX_ROWS}")
    with monkeypatch.context() as patch:
        patch.setattr(xlsx_guard, "CHILD_MEMORY_BYTES", 256 * xlsx_guard.MB)
        job = await import_file(world, tmp_path, widest)
    assert job["status"] == "failed" and "超出了内存或时间限制" in job["message"]
    assert await count(world, Person) == 0 and await count(world, PersonImport) == 1
    job = await import_file(world, tmp_path, workbook([person_row(1, "AI1")]))
    assert job["status"] == "done" and await count(world, Person) == 1
