"""Reading an import workbook into raw rows (python-calamine: fast, values only).

Rules, each refused with one clear Chinese message and nothing written:

- the file must be an xlsx workbook (judged by its content, whatever its name) within the bounds of
  :mod:`~cme_platform.personnel.xlsx_guard` (at most 200,000 data rows and 60 columns, 1 GB decompressed),
  which also reads it in a child process with limited memory;
- it must have a sheet named "人员信息" (the template's), whose first non-empty row is the header;
- the header must hold the required columns (by their template labels);
- cells with formulas count with the value Excel last computed and saved with the file (a formula
  never calculated, e.g. written by a script, reads as empty and fails the row's validation);
- rows whose cells are all empty are skipped; row numbers are Excel's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cme_platform.errors import FieldError, InvalidInput
from cme_platform.personnel.excel_template import DEPARTMENT_COLUMN, INSTITUTION_COLUMN, SHEET_NAME
from cme_platform.personnel.validation import LABELS, REQUIRED
from cme_platform.personnel.xlsx_guard import WorkbookRejected, read_rows

ORG_FIELDS: dict[str, str] = {INSTITUTION_COLUMN: "institution_code", DEPARTMENT_COLUMN: "department"}
"""The organisation columns and the keys their values get in a raw row."""

FIELD_OF_HEADER: dict[str, str] = {**ORG_FIELDS, **{label: field for field, label in LABELS.items()}}
"""Column header → raw-row key."""

HEADER_OF_FIELD: dict[str, str] = {field: header for header, field in FIELD_OF_HEADER.items()}
"""Raw-row key → column header (for error messages)."""

_REQUIRED_COLUMNS = tuple(LABELS[f] for f in REQUIRED if f != "gender")
"""Columns every file needs (gender may come from a resident ID number)."""

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


@dataclass
class RawRow:
    """One non-empty data row: its Excel row number and its values keyed by field name."""

    number: int
    values: dict[str, Any]


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_map(header: list[Any], need_institution: bool) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, cell in enumerate(header):
        field = FIELD_OF_HEADER.get(str(cell).strip().replace("*", "")) if not _is_empty(cell) else None
        if field is not None and field not in columns.values():
            columns[index] = field
    names = {HEADER_OF_FIELD[f] for f in columns.values()}
    required = (*_REQUIRED_COLUMNS, INSTITUTION_COLUMN) if need_institution else _REQUIRED_COLUMNS
    missing = [label for label in required if label not in names]
    if missing:
        raise WorkbookError(
            f"工作表“{SHEET_NAME}”的第一行缺少必需的列：{'、'.join(missing)}。请使用导入模板填写"
        )
    return columns


def _rows(raw: Iterator[list[Any]], need_institution: bool) -> list[RawRow]:
    numbered = enumerate(raw, start=1)
    header = next((row for _, row in numbered if not all(_is_empty(c) for c in row)), None)
    if header is None:
        raise WorkbookError(f"工作表“{SHEET_NAME}”是空的")
    columns = _header_map(header, need_institution)
    rows = []
    for number, row in numbered:
        values = {field: row[i] for i, field in columns.items() if i < len(row)}
        if not all(_is_empty(v) for v in values.values()):
            rows.append(RawRow(number=number, values=values))
    return rows


def _refusal(exc: WorkbookRejected) -> str:
    """The Chinese message for a workbook the reader refused."""
    if exc.code == "no_sheet":
        return f"找不到名为“{SHEET_NAME}”的工作表（现有：{exc.detail}），请使用导入模板"
    return exc.message or _REFUSALS[exc.code]


def read_workbook(path: Path, *, need_institution: bool = True) -> list[RawRow]:
    """The non-empty data rows of the workbook at ``path``; :class:`WorkbookError` when it cannot be read.

    ``need_institution``: whether the 单位编码 column is required (not when the import names one). The
    file is checked against the bounds of :mod:`~cme_platform.personnel.xlsx_guard` and read in a child
    process with limited memory, so no file can take the server down; only the import's columns of each
    row are kept.
    """
    try:
        with closing(read_rows(path, SHEET_NAME)) as raw:  # stops the child at once on a refusal
            return _rows(raw, need_institution)
    except WorkbookRejected as exc:
        raise WorkbookError(_refusal(exc)) from exc
