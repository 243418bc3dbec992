"""Importing people from the rows of a workbook: validate every row, then write all or the valid ones.

Each row is checked with :func:`~cme_platform.personnel.validation.clean_person`, its 单位编码 resolved
to an institution in the importer's reach and its 科室 to a department of that institution. An ID number
seen earlier in the file is an error on the later row. A row whose ID number (keyed hash) is already
registered in the tenant updates that person, never duplicates it; the others become new people with
person numbers, a year row for the current year and a learner account with its grant.

Mode ``all`` writes nothing when any row has an error; mode ``valid`` writes the valid rows and reports
the rest. The writing happens in one transaction (see :mod:`~cme_platform.personnel.import_writer`),
audited per person plus one ``personnel.import.finish`` record.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread

from cme_platform import pii
from cme_platform.api.text_guard import FIELD_MESSAGE, has_control_characters
from cme_platform.audit.service import record_many
from cme_platform.db.transactions import write_transaction
from cme_platform.orgs.tables import Department, Institution
from cme_platform.personnel import bulk
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.import_reader import HEADER_OF_FIELD, RawRow
from cme_platform.personnel.import_writer import BATCH, ImportWriter, ValidRow, finish_entry, write_rows
from cme_platform.personnel.tables import Person
from cme_platform.personnel.validation import LABELS, clean_person

MODES: dict[str, str] = {"all": "全部正确才导入", "valid": "只导入正确的行"}
"""Import modes and their labels."""

MAX_STORED_ERRORS = 1_000
"""Row errors kept with the import (the count is always complete)."""

Progress = Callable[[int], Coroutine[Any, Any, None]]
"""Called with the number of rows validated so far, after every batch."""


@dataclass
class ImportOutcome:
    """What an import found and did."""

    total: int = 0
    created: int = 0
    updated: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False
    rows_with_errors: set[int] = field(default_factory=set)

    def add_error(self, row: int, field_name: str, message: str) -> None:
        """Count a row error (kept up to :data:`MAX_STORED_ERRORS`) and the row it is in."""
        self.error_count += 1
        self.rows_with_errors.add(row)
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"row": row, "field": field_name, "message": message})


class OrgIndex:
    """The tenant's institutions by code and departments by name, with the importer's write reach."""

    def __init__(self, access: PersonAccess) -> None:
        self.access = access
        self.institutions: dict[str, tuple[int, int | None]] = {}
        self.departments: dict[tuple[int, str], int] = {}
        self.regions: dict[int, int | None] = {}

    async def load(self) -> OrgIndex:
        """Read the organisation tree of the active tenant."""
        for row in await Institution.select(Institution.id, Institution.code, Institution.region):
            self.institutions[str(row["code"]).strip()] = (row["id"], row["region"])
            self.regions[row["id"]] = row["region"]
        for row in await Department.select(Department.id, Department.institution, Department.name):
            self.departments[(row["institution"], str(row["name"]).strip())] = row["id"]
        return self

    def writable(self, institution_id: int, department_id: int | None) -> bool:
        """Whether the importer may add or change people of this institution and department."""
        return self.access.can_write(institution_id, department_id, self.regions.get(institution_id))

    def resolve(self, code: str, department: str) -> tuple[int, int | None] | tuple[str, str]:
        """(institution id, department id) of a row's org columns, or (column key, Chinese problem)."""
        found = self.institutions.get(code)
        org = self.access.org
        if found is None or not (self.writable(found[0], None) or found[0] in org.department_institution_ids):
            return "institution_code", f"单位编码“{code}”不存在或不在您的管理范围内"
        institution_id = found[0]
        department_id = self.departments.get((institution_id, department)) if department else None
        if department and department_id is None:
            return "department", f"该单位没有名为“{department}”的科室"
        if not self.writable(institution_id, department_id):
            return "department", "您只能导入本科室的人员" if department else "请填写您管理的科室"
        return institution_id, department_id


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _problem(field_name: str, message: str) -> tuple[str, str]:
    """(column, message without the repeated column label) of a validation error."""
    label = HEADER_OF_FIELD.get(field_name, LABELS.get(field_name, field_name))
    return label, message.removeprefix(f"{label}：")


class _Validator:
    def __init__(self, orgs: OrgIndex, institution_id: int | None, outcome: ImportOutcome) -> None:
        self.orgs, self.institution_id, self.outcome = orgs, institution_id, outcome
        self.seen: dict[str, int] = {}
        self.default_code = next(
            (code for code, (i, _) in orgs.institutions.items() if i == institution_id), None
        )

    def check_all(self, rows: list[RawRow]) -> list[ValidRow]:
        """The valid rows of ``rows`` (run in a worker thread: it keeps the server's event loop free)."""
        return [v for raw in rows if (v := self.check(raw)) is not None]

    def check(self, raw: RawRow) -> ValidRow | None:
        values = dict(raw.values)
        code = _text(values.pop("institution_code", None))
        department = _text(values.pop("department", None))
        cleaned, errors = clean_person(values)
        problems = [_problem(e.field, e.message) for e in errors]
        problems += self._place(code, department, cleaned)
        id_hash = ""
        if cleaned.get("id_number") and not any(p[0] == LABELS["id_number"] for p in problems):
            id_hash = pii.lookup_hash(cleaned["id_number"])
            first = self.seen.setdefault(id_hash, raw.number)
            if first != raw.number:
                problems.append((LABELS["id_number"], f"与第 {first} 行的证件号码重复"))
        for column, message in problems:
            self.outcome.add_error(raw.number, column, message)
        return None if problems else ValidRow(raw.number, cleaned, id_hash)

    def _place(self, code: str, department: str, cleaned: dict[str, Any]) -> list[tuple[str, str]]:
        """Resolve a row's 单位编码 and 科室 into ``cleaned``; the (column, problem) pairs if they do not."""
        unreadable = [
            (HEADER_OF_FIELD[key], FIELD_MESSAGE)
            for key, text in (("institution_code", code), ("department", department))
            if has_control_characters(text)
        ]
        if unreadable:
            return unreadable
        if self.institution_id is not None and code and code != self.default_code:
            return [(HEADER_OF_FIELD["institution_code"], "与导入时选择的单位不一致")]
        if not code and self.default_code is None:
            return [(HEADER_OF_FIELD["institution_code"], "必填")]
        resolved = self.orgs.resolve(code or self.default_code or "", department)
        if isinstance(resolved[0], str):
            return [(HEADER_OF_FIELD[resolved[0]], str(resolved[1]))]
        cleaned["institution"], cleaned["department"] = resolved
        return []


async def _attach_existing(rows: list[ValidRow], orgs: OrgIndex, outcome: ImportOutcome) -> list[ValidRow]:
    """Find the people already registered with the rows' ID numbers; refuse those out of reach."""
    if not rows:
        return rows
    found = {
        row["id_hash"]: row
        for row in await Person.select(*Person._meta.columns).where(
            Person.id_hash.is_in([r.id_hash for r in rows])
        )
    }
    kept = []
    for row in rows:
        existing = found.get(row.id_hash)
        if existing is not None and not orgs.writable(existing["institution"], existing["department"]):
            outcome.add_error(row.number, LABELS["id_number"], "该人员已在其他单位登记，请联系上级管理员办理")
            continue
        row.existing = existing
        kept.append(row)
    return kept


async def validate_rows(
    raw_rows: list[RawRow], validator: _Validator, *, progress: Progress | None = None
) -> list[ValidRow]:
    """The valid rows of ``raw_rows`` (errors go to the validator's outcome), matched with existing people."""
    valid: list[ValidRow] = []
    for start in range(0, len(raw_rows), BATCH):
        batch = await anyio.to_thread.run_sync(validator.check_all, raw_rows[start : start + BATCH])
        valid.extend(await _attach_existing(batch, validator.orgs, validator.outcome))
        if progress is not None:
            await progress(min(start + BATCH, len(raw_rows)))
    return valid


class _Discard(Exception):
    """Rolls back an import's transaction when nothing may be written."""


async def _validate_while_writing(
    raw_rows: list[RawRow], validator: _Validator, mode: str, job_id: int, file_name: str, progress: Progress
) -> bool:
    """Validate batch N+1 while batch N is being written, all in one transaction; whether it was kept.

    The first batch is validated before the transaction starts. In mode ``all`` writing stops at the
    first error and the transaction is rolled back at the end, as when no row was written at all.
    """
    outcome = validator.outcome
    batches = [raw_rows[start : start + BATCH] for start in range(0, len(raw_rows), BATCH)] or [[]]
    current = await validate_rows(batches[0], validator, progress=progress)
    done = len(batches[0])
    writer = ImportWriter(job_id)
    try:
        async with write_transaction(Person):
            try:
                for raw in [*batches[1:], []]:
                    if mode == "valid" or outcome.error_count == 0:
                        await writer.stage(current)
                    writer.launch()

                    def prepare_and_check(raw: list[RawRow] = raw) -> list[ValidRow]:
                        writer.prepare()
                        return validator.check_all(raw)

                    checked = await anyio.to_thread.run_sync(prepare_and_check)
                    await writer.wait()
                    current = await _attach_existing(checked, validator.orgs, outcome)
                    if raw:
                        done += len(raw)
                        await progress(done)
                if not writer.written or (mode == "all" and outcome.error_count):
                    raise _Discard
                outcome.created, outcome.updated = await writer.finish(file_name, outcome.error_count)
            except BaseException:
                writer.cancel()
                raise
    except _Discard:
        return False
    return True


async def import_people(
    raw_rows: list[RawRow],
    *,
    access: PersonAccess,
    mode: str,
    institution_id: int | None,
    job_id: int,
    file_name: str,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Validate ``raw_rows`` and write them according to ``mode`` (``all`` or ``valid``).

    Nothing is written in mode ``all`` when any row has an error, nor when no row is valid; the
    ``personnel.import.finish`` audit record is written in every case. On PostgreSQL validating and
    writing overlap inside the one transaction (progress is saved outside it); SQLite, with a single
    writer, validates every row first.
    """
    outcome = ImportOutcome(total=len(raw_rows))
    validator = _Validator(await OrgIndex(access).load(), institution_id, outcome)
    if bulk.is_postgres(Person):
        outside = contextvars.copy_context()

        async def report(done: int) -> None:
            if progress is not None:
                await asyncio.get_running_loop().create_task(progress(done), context=outside)

        outcome.written = await _validate_while_writing(raw_rows, validator, mode, job_id, file_name, report)
    else:
        valid = await validate_rows(raw_rows, validator, progress=progress)
        if valid and (mode == "valid" or outcome.error_count == 0):
            outcome.created, outcome.updated = await write_rows(
                valid, job_id=job_id, file_name=file_name, error_count=outcome.error_count
            )
            outcome.written = True
    if not outcome.written:
        await record_many([finish_entry(job_id, file_name, 0, 0, outcome.error_count)])
    outcome.errors.sort(key=lambda e: e["row"])
    return outcome
