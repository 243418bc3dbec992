"""Reading one sheet of an uploaded workbook as a table: a header row naming the columns, then data rows.

Every Excel import (people, projects) reads its file this way, within the bounds and in the child process
of :mod:`cme_platform.personnel.xlsx_guard`:

- the first non-empty row is the header; a header cell names a field by its label (any ``*``, marking a
  required column, is ignored), and a column whose label is unknown is skipped;
- the required labels must all be present, or the file is refused with one message naming the missing ones;
- rows whose cells are all empty are skipped; row numbers are Excel's own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from cme_platform.errors import FieldError, InvalidInput
from cme_platform.personnel.xlsx_guard import WorkbookRejected, read_rows

_REFUSALS: dict[str, str] = {
    "not_xlsx": "文件不是有效的 Excel 工作簿（xlsx），请使用导入模板填写后上传",
    "unreadable": "工作表无法读取，文件可能已损坏",
    "crashed": "读取表格时超出了内存或时间限制，未写入任何数据；请检查文件，或分成多个较小的文件导入",
}
"""Messages for the reader's refusal codes (a ``bounds`` refusal brings its own message)."""


class WorkbookError(InvalidInput):
    """The file cannot be imported at all (not xlsx, wrong sheet, missing columns)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [FieldError("file", message)])


class ImportRowError(msgspec.Struct, kw_only=True):
    """One problem of an import file: the Excel row, the column (its header label) and what is wrong."""

    row: int
    field: str
    message: str


@dataclass
class RawRow:
    """One non-empty data row: its Excel row number and its values keyed by field name."""

    number: int
    values: dict[str, Any]


def is_empty(value: Any) -> bool:
    """True for a cell with nothing in it (``None`` or blank text)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _header_map(
    header: list[Any], sheet: str, field_of_label: Mapping[str, str], required: Collection[str]
) -> dict[int, str]:
    columns: dict[int, str] = {}
    labels: set[str] = set()
    for index, cell in enumerate(header):
        label = "" if is_empty(cell) else str(cell).strip().replace("*", "")
        field = field_of_label.get(label)
        if field is not None and field not in columns.values():
            columns[index] = field
            labels.add(label)
    fields = set(columns.values())
    missing = [label for label in required if field_of_label[label] not in fields]
    if missing:
        raise WorkbookError(f"工作表“{sheet}”的第一行缺少必需的列：{'、'.join(missing)}。请使用导入模板填写")
    return columns


def _rows(
    raw: Iterator[list[Any]], sheet: str, field_of_label: Mapping[str, str], required: Collection[str]
) -> list[RawRow]:
    numbered = enumerate(raw, start=1)
    header = next((row for _, row in numbered if not all(is_empty(c) for c in row)), None)
    if header is None:
        raise WorkbookError(f"工作表“{sheet}”是空的")
    columns = _header_map(header, sheet, field_of_label, required)
    rows = []
    for number, row in numbered:
        values = {field: row[i] for i, field in columns.items() if i < len(row)}
        if not all(is_empty(v) for v in values.values()):
            rows.append(RawRow(number=number, values=values))
    return rows


def _refusal(exc: WorkbookRejected, sheet: str) -> str:
    """The Chinese message for a workbook the reader refused."""
    if exc.code == "no_sheet":
        return f"找不到名为“{sheet}”的工作表（现有：{exc.detail}），请使用导入模板"
    return exc.message or _REFUSALS[exc.code]


def read_sheet_table(
    path: Path, sheet: str, field_of_label: Mapping[str, str], required: Collection[str]
) -> list[RawRow]:
    """The non-empty data rows of sheet ``sheet`` of the workbook at ``path``, keyed by field name.

    ``field_of_label`` maps each header label (several labels may name one field) to its field;
    ``required`` lists the labels that must be present (one of a field's labels is enough: pass one).
    Raises :class:`WorkbookError` with a Chinese message when the file cannot be read; the reader stops
    (and its child process is killed) at once on a refusal.
    """
    try:
        with closing(read_rows(path, sheet)) as raw:
            return _rows(raw, sheet, field_of_label, required)
    except WorkbookRejected as exc:
        raise WorkbookError(_refusal(exc, sheet)) from exc
