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

from pathlib import Path

from cme_platform.files.sheet_table import RawRow, WorkbookError, read_sheet_table
from cme_platform.personnel.excel_template import DEPARTMENT_COLUMN, INSTITUTION_COLUMN, SHEET_NAME
from cme_platform.personnel.validation import LABELS, REQUIRED

__all__ = ["HEADER_OF_FIELD", "RawRow", "WorkbookError", "read_workbook"]

ORG_FIELDS: dict[str, str] = {INSTITUTION_COLUMN: "institution_code", DEPARTMENT_COLUMN: "department"}
"""The organisation columns and the keys their values get in a raw row."""

FIELD_OF_HEADER: dict[str, str] = {**ORG_FIELDS, **{label: field for field, label in LABELS.items()}}
"""Column header → raw-row key."""

HEADER_OF_FIELD: dict[str, str] = {field: header for header, field in FIELD_OF_HEADER.items()}
"""Raw-row key → column header (for error messages)."""

_REQUIRED_COLUMNS = tuple(LABELS[f] for f in REQUIRED if f != "gender")
"""Columns every file needs (gender may come from a resident ID number)."""


def read_workbook(path: Path, *, need_institution: bool = True) -> list[RawRow]:
    """The non-empty data rows of the workbook at ``path``; :class:`WorkbookError` when it cannot be read.

    ``need_institution``: whether the 单位编码 column is required (not when the import names one). The
    file is checked against the bounds of :mod:`~cme_platform.personnel.xlsx_guard` and read in a child
    process with limited memory, so no file can take the server down; only the import's columns of each
    row are kept.
    """
    required = (*_REQUIRED_COLUMNS, INSTITUTION_COLUMN) if need_institution else _REQUIRED_COLUMNS
    return read_sheet_table(path, SHEET_NAME, FIELD_OF_HEADER, required)
