"""Excel export of the people a list filter selects (the same :func:`filter_clause` as the list).

ID numbers and phones are masked, as in the list, unless the account may see them in full
(:attr:`PersonAccess.can_reveal`); every export is audited as ``personnel.export`` with its filter, its
row count and whether full values were included (a keyword only in its masked form). The workbook is
written with the shared writer (:mod:`cme_platform.xlsx`) in ``constant_memory`` mode to a temporary
file, in a worker thread: 50,000 rows take a few seconds and little memory.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import anyio.to_thread

from cme_platform import pii
from cme_platform.audit.service import record
from cme_platform.orgs.tables import Department, Institution
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.pii_search import audited_filter, charge_search
from cme_platform.personnel.schemas import PersonFilter
from cme_platform.personnel.service import filter_clause
from cme_platform.personnel.tables import Person
from cme_platform.personnel.validation import LABELS
from cme_platform.xlsx import Workbook

SHEET_NAME = "人员名单"

_FIELDS = (
    "person_number",
    "name",
    "gender",
    "id_type",
    "id_number",
    "birth_date",
    "phone",
    "institution_code",
    "institution_name",
    "department_name",
    "title",
    "title_level",
    "specialty",
    "establishment",
    "status",
    "position",
    "education",
    "degree",
)
_HEADERS = {
    **LABELS,
    "person_number": "人员编号",
    "institution_code": "单位编码",
    "institution_name": "单位",
    "department_name": "科室",
    "title_level": "职称级别",
}
_SELECTED = (
    Person.person_number,
    Person.name,
    Person.gender,
    Person.id_type,
    Person.id_sealed,
    Person.id_masked,
    Person.birth_date,
    Person.phone,
    Person.institution,
    Person.department,
    Person.title,
    Person.title_level,
    Person.specialty,
    Person.establishment,
    Person.status,
    Person.position,
    Person.education,
    Person.degree,
)


def export_file_name() -> str:
    """The download name of an export (``人员名单-2026-01-31.xlsx``)."""
    return f"{SHEET_NAME}-{date.today().isoformat()}.xlsx"


async def _org_names() -> tuple[dict[int, tuple[str, str]], dict[int, str]]:
    institutions = {
        r["id"]: (r["code"], r["name"])
        for r in await Institution.select(Institution.id, Institution.code, Institution.name)
    }
    departments = {r["id"]: r["name"] for r in await Department.select(Department.id, Department.name)}
    return institutions, departments


def _row_maker(
    reveal: bool, institutions: dict[int, tuple[str, str]], departments: dict[int, str]
) -> Callable[[dict[str, Any]], list[Any]]:
    def make(row: dict[str, Any]) -> list[Any]:
        code, name = institutions.get(row["institution"], ("", ""))
        values = {
            **row,
            "id_number": pii.unseal(row["id_sealed"]) if reveal else row["id_masked"],
            "phone": row["phone"] if reveal else pii.mask_phone(row["phone"]),
            "institution_code": code,
            "institution_name": name,
            "department_name": departments.get(row["department"], "") if row["department"] else "",
        }
        return [values[f] for f in _FIELDS]

    return make


def _write(path: Path, rows: list[dict[str, Any]], make: Callable[[dict[str, Any]], list[Any]]) -> None:
    book = Workbook(path, constant_memory=True)
    sheet = book.sheet(SHEET_NAME)
    sheet.row(0, [_HEADERS[f] for f in _FIELDS], bold=True)
    sheet.freeze_header()
    sheet.widths(0, len(_FIELDS) - 1, 14)
    for index, row in enumerate(rows, start=1):
        sheet.row(index, make(row))
    book.close()


async def export_people(access: PersonAccess, filters: PersonFilter, *, tmp_dir: Path) -> tuple[Path, int]:
    """Write the people ``filters`` select to a new xlsx file under ``tmp_dir``; returns it and the count.

    The caller removes the file once it has been sent.
    """
    await charge_search(access, filters.q_field, filters.q)
    where = filter_clause(access, filters)
    query = Person.select(*_SELECTED).order_by(Person.person_number)
    rows = await (query.where(where) if where is not None else query)
    institutions, departments = await _org_names()
    reveal = access.can_reveal
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="export-", suffix=".xlsx", dir=tmp_dir)
    path = Path(name)
    os.close(handle)
    try:
        await anyio.to_thread.run_sync(_write, path, rows, _row_maker(reveal, institutions, departments))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    await record(
        "personnel.export",
        object_type="person_list",
        summary=f"导出人员名单 {len(rows)} 人{'（含完整证件号码和手机）' if reveal else ''}",
        after={
            "filter": audited_filter(filters),
            "rows": len(rows),
            "revealed": reveal,
        },
    )
    return path, len(rows)
