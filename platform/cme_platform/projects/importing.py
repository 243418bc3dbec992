"""Importing lists of projects approved elsewhere from Excel (Beijing's 申报项目导入 and 许可发项目导入).

A province names its lists in :attr:`~cme_platform.projects.policy.ProjectPolicy.import_lists`, each with
the levels its rows may have. An administrator of institutions (the commission, a region, an institution)
downloads the list's template, fills one project per row of the sheet "项目信息" and uploads it; every row
is checked as an entered project is (:func:`~cme_platform.projects.service.checked_values`) and each
problem is reported with its Excel row and column.

- A row's 举办单位编码 names the institution responsible for the project, one the importer administers;
  an institution administrator may leave it blank for his own institution.
- Mode ``all`` writes nothing when any row has an error; ``valid`` writes the valid rows.
- The number (审批编号) identifies a project: a number imported before updates that project (a file
  imported twice changes nothing the second time), a number the province's own projects use is an error,
  and one number twice in a file is an error on its second row.
- The whole file is written in one transaction, each created or changed project audited; imported projects
  are published at once and have no owner account.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import anyio.to_thread
import msgspec
import pluggy
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from cme_platform.api.errors import translate_validation
from cme_platform.audit.service import AuditEntry, record_many
from cme_platform.db.errors import is_unique_violation
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from cme_platform.files.sheet_table import ImportRowError, RawRow, WorkbookError, is_empty, read_sheet_table
from cme_platform.identity.principal import Principal
from cme_platform.orgs.access import OrgAccess
from cme_platform.orgs.tables import Institution
from cme_platform.projects.access import IMPORTERS, named_roles
from cme_platform.projects.policy import ImportList, ProjectPolicy
from cme_platform.projects.schemas import ProjectImportOut, ProjectIn
from cme_platform.projects.service import AUDITED, checked_values, project_policy
from cme_platform.projects.states import ProjectSource, ProjectStatus
from cme_platform.projects.tables import Project

SHEET = "项目信息"
HELP_SHEET = "填写说明"
MAX_ROWS = 5_000
"""Rows one file may hold (a province's yearly list is a few thousand projects at most)."""
MAX_ERRORS = 500
"""Row errors reported (the count is always complete)."""
MODES: dict[str, str] = {"all": "全部正确才导入", "valid": "只导入正确的行"}
"""Import modes and their labels."""


class Column(msgspec.Struct, frozen=True):
    """A column of the template: its label, the field it fills, whether it is required and a note."""

    label: str
    field: str
    required: bool = False
    note: str = ""
    aliases: tuple[str, ...] = ()
    """Other headers accepted for it (the names the province's own lists use)."""


COLUMNS: tuple[Column, ...] = (
    Column("审批编号", "number", True, "项目的审批编号；已导入的编号会更新原项目", ("项目编号",)),
    Column("项目名称", "name", True, "", ("名称",)),
    Column("项目级别", "level", True, "", ("学分类别",)),
    Column("年度", "year", True, "如 2026"),
    Column("举办单位编码", "institution_code", False, "负责该项目的本省单位的单位编码", ("单位编码",)),
    Column("项目负责人", "leader", True),
    Column("学分", "credits", True, "最多两位小数", ("总学分",)),
    Column("学时", "hours", False, "最多两位小数"),
    Column("二级学科", "discipline", False, "本省学科目录中的二级学科", ("学科",)),
    Column("三级学科", "subdiscipline", False, "所填二级学科下的三级学科"),
    Column("项目性质", "nature"),
    Column("举办方式", "hosting_form"),
    Column("考核方式", "assessment"),
    Column("项目简介", "description", False, "最多2000字"),
)
"""The template's columns, in order."""

LABEL_OF_FIELD = {column.field: column.label for column in COLUMNS}
FIELD_OF_LABEL = {label: column.field for column in COLUMNS for label in (column.label, *column.aliases)}


def import_list(
    pm: pluggy.PluginManager, principal: Principal, code: str
) -> tuple[ProjectPolicy, ImportList]:
    """The policy and its import list ``code`` when ``principal`` may import it (403/404 otherwise)."""
    if not principal.has_any(*IMPORTERS):
        raise Forbidden("只有继教委、地区或单位的管理员可以导入项目")
    policy = project_policy(pm)
    listed = policy.import_list(code)
    if listed is None:
        raise NotFound("本省没有这个项目导入")
    roles = named_roles(listed.importers)
    if not principal.has_any(*roles):
        raise Forbidden(f"{listed.label}由{'、'.join(role.label for role in roles)}导入")
    return policy, listed


def _choices(policy: ProjectPolicy, listed: ImportList) -> dict[str, Sequence[str]]:
    return {
        "level": listed.levels,
        "nature": policy.natures,
        "hosting_form": policy.hosting_forms,
        "assessment": policy.assessments,
    }


def template_workbook(policy: ProjectPolicy, listed: ImportList) -> bytes:
    """The list's template as xlsx bytes: the header row, and a sheet "填写说明" with each column's rule
    and allowed values."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append([column.label for column in COLUMNS])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[cell.column_letter].width = 16
        sheet.column_dimensions[cell.column_letter].number_format = "@"
    sheet.freeze_panes = "A2"
    guide = book.create_sheet(HELP_SHEET)
    guide.append(["列", "必填", "可选值或说明"])
    for cell in guide[1]:
        cell.font = bold
    choices = _choices(policy, listed)
    for column in COLUMNS:
        allowed = "、".join(choices.get(column.field, ()))
        guide.append([column.label, "是" if column.required else "否", allowed or column.note])
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["C"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0`` (Excel stores 2026 as 2026.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _amount(value: Any) -> Decimal | str:
    """A credits or hours cell as a decimal (the text itself when it is not a number)."""
    text = _text(value)
    if not text:
        return Decimal(0)
    try:
        return Decimal(str(round(value, 6)) if isinstance(value, float) else text)
    except InvalidOperation:
        return text


class _Row(msgspec.Struct):
    number: int
    institution_id: int
    values: dict[Any, Any]


class _Checker:
    """Checks rows against the policy, the list's levels and the importer's institutions."""

    def __init__(
        self,
        policy: ProjectPolicy,
        listed: ImportList,
        institutions: _Scope,
        existing: dict[str, dict[str, Any]],
    ):
        self.policy, self.listed = policy, listed
        self.institutions, self.existing = institutions, existing
        self.errors: list[ImportRowError] = []
        self.error_count = 0
        self.numbers: dict[str, int] = {}
        self.audit: list[AuditEntry] = []

    def problem(self, row: int, field: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(
                ImportRowError(row=row, field=LABEL_OF_FIELD.get(field, field), message=message)
            )

    def check(self, raw: RawRow) -> _Row | None:
        before = self.error_count
        cells = raw.values
        code = _text(cells.get("institution_code"))
        institution = self.institutions.codes.get(code) if code else self.institutions.own
        if institution is None:
            self.problem(
                raw.number,
                "institution_code",
                f"单位编码“{code}”不存在或不在您的管理范围内" if code else "请填写举办单位编码",
            )
        data = self._input(raw)
        if data is not None:
            try:
                values = checked_values(self.policy, data, self.listed.levels)
            except InvalidInput as exc:
                for error in exc.errors:
                    self.problem(raw.number, error.field, error.message)
            else:
                number = values[Project.number]
                first = self.numbers.setdefault(number, raw.number)
                if first != raw.number:
                    self.problem(raw.number, "number", f"审批编号与第 {first} 行重复")
                taken = self.taken(number, self.existing.get(number))
                if taken:
                    self.problem(raw.number, "number", taken)
                if self.error_count == before and institution is not None:
                    return _Row(number=raw.number, institution_id=institution, values=values)
        return None

    def taken(self, number: str, existing: dict[str, Any] | None) -> str:
        """Why a row may not write the project ``existing`` of its number ("" when it may update it, or
        there is none): one of the province's own projects or another list's, or one imported for an
        institution the importer does not administer."""
        if existing is None:
            return ""
        if existing["source"] != ProjectSource.IMPORTED.value or existing["level"] not in self.listed.levels:
            return f"审批编号“{number}”已被本省的其他项目使用"
        if existing["institution"] not in self.institutions.ids:
            return f"审批编号“{number}”已由其他单位导入，如需修改请联系该单位或继教委"
        return ""

    def _input(self, raw: RawRow) -> ProjectIn | None:
        cells = {
            field: _text(raw.values.get(field)) for field in LABEL_OF_FIELD if field != "institution_code"
        }
        fields: dict[str, Any] = {k: v for k, v in cells.items() if k not in ("credits", "hours", "year")}
        fields["credits"], fields["hours"] = (
            _amount(raw.values.get("credits")),
            _amount(raw.values.get("hours")),
        )
        year = cells["year"]
        fields["year"] = int(year) if year.isascii() and year.isdigit() else year
        if not year:
            self.problem(raw.number, "year", "请填写年度")
            return None
        for field in ("credits", "hours", "year"):
            if isinstance(fields[field], str):
                self.problem(raw.number, field, f"{LABEL_OF_FIELD[field]}须为数字")
                return None
        try:
            return msgspec.convert(fields, ProjectIn)
        except msgspec.ValidationError as exc:
            error = translate_validation(str(exc))
            field = error.field or "name"
            empty = is_empty(cells.get(field))
            self.problem(
                raw.number, field, f"请填写{LABEL_OF_FIELD.get(field, field)}" if empty else error.message
            )
            return None


async def _existing(rows: list[RawRow]) -> dict[str, dict[str, Any]]:
    """The tenant's projects that have the numbers of ``rows``, by number."""
    numbers = sorted({number for raw in rows if (number := _text(raw.values.get("number")))})
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(numbers), 1_000):
        chunk = numbers[start : start + 1_000]
        for row in await Project.select(
            Project.number, Project.source, Project.level, Project.institution
        ).where(Project.number.is_in(chunk)):
            found[row["number"]] = row
    return found


class _Scope(msgspec.Struct):
    """The institutions an importer administers: the active ones by code (rows may name them), all by id
    (projects imported for them he may update), and his own when he administers exactly one."""

    codes: dict[str, int]
    ids: set[int]
    own: int | None


async def _institutions(principal: Principal) -> _Scope:
    """The institutions ``principal`` administers."""
    org = OrgAccess.of(principal)
    rows = await Institution.select(Institution.id, Institution.code, Institution.region, Institution.active)
    mine = [row for row in rows if org.can_manage_departments_of(int(row["id"]), row["region"])]
    codes = {row["code"]: int(row["id"]) for row in mine if row["active"]}
    own = sorted(org.institution_ids)
    return _Scope(
        codes=codes,
        ids={int(row["id"]) for row in mine},
        own=own[0] if len(own) == 1 and own[0] in codes.values() else None,
    )


def read_file(path: Path) -> list[RawRow]:
    """The rows of an uploaded project list (:class:`WorkbookError` when it cannot be read or is too long)."""
    required = [column.label for column in COLUMNS if column.required]
    rows = read_sheet_table(path, SHEET, FIELD_OF_LABEL, required)
    if len(rows) > MAX_ROWS:
        raise WorkbookError(f"一次最多导入 {MAX_ROWS:,} 个项目（本文件 {len(rows):,} 行），请分成多个文件")
    return rows


async def import_projects(
    pm: pluggy.PluginManager, principal: Principal, code: str, path: Path, *, mode: str, file_name: str
) -> ProjectImportOut:
    """Import the project list ``code`` from the workbook at ``path`` (see the module's rules)."""
    import_list(pm, principal, code)
    rows = await anyio.to_thread.run_sync(read_file, path)
    return await import_rows(pm, principal, code, rows, mode=mode, file_name=file_name)


async def import_rows(
    pm: pluggy.PluginManager,
    principal: Principal,
    code: str,
    rows: list[RawRow],
    *,
    mode: str,
    file_name: str,
) -> ProjectImportOut:
    """Check and write ``rows`` of the project list ``code`` (the file's rows, or the demo's)."""
    policy, listed = import_list(pm, principal, code)
    checker = _Checker(policy, listed, await _institutions(principal), await _existing(rows))
    valid = [row for raw in rows if (row := checker.check(raw)) is not None]
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    written = bool(valid) and (mode == "valid" or checker.error_count == 0)
    if written:
        try:
            async with write_transaction(Project):
                for row in valid:
                    outcome = await _write(row, listed, checker)
                    if outcome:
                        counts[outcome] += 1
                if mode == "all" and checker.error_count:
                    raise _Discard
                summary = f"{listed.label}：{file_name}，新增 {counts['created']}，更新 {counts['updated']}"
                after = {"list": code, "file": file_name, **counts, "errors": checker.error_count}
                checker.audit.append(AuditEntry(action="projects.import", summary=summary, after=after))
                await record_many(checker.audit)
        except _Discard:
            written, counts = False, dict.fromkeys(counts, 0)
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict("另一次导入正在写入相同的审批编号，未写入任何数据，请稍后重新上传") from exc
            raise
    checker.errors.sort(key=lambda error: error.row)
    return ProjectImportOut(
        code=code,
        label=listed.label,
        mode=mode,
        rows=len(rows),
        written=written,
        error_count=checker.error_count,
        errors=checker.errors,
        **counts,
    )


class _Discard(Exception):
    """Rolls the import back (mode ``all`` with errors found while writing)."""


async def _write(row: _Row, listed: ImportList, checker: _Checker) -> str:
    """Create or update the project of ``row``; "" (and a row error) when its number is not the list's."""
    values = {**row.values, Project.institution: row.institution_id}
    number = values[Project.number]
    existing = await Project.select().where(Project.number == number).first()
    if existing is None:
        project = Project(
            {
                **values,
                Project.source: ProjectSource.IMPORTED.value,
                Project.status: ProjectStatus.PUBLISHED.value,
            }
        )
        await project.save()
        checker.audit.append(
            AuditEntry(
                action="projects.project.import",
                object_type="projects_project",
                object_id=int(project.id),
                summary=f"{listed.label}：{number} {values[Project.name]}",
                after={name: getattr(project, name) for name in AUDITED},
            )
        )
        return "created"
    taken = checker.taken(number, existing)
    if taken:  # written by someone else since the file was checked
        checker.problem(row.number, "number", taken)
        return ""
    changed = {column: value for column, value in values.items() if existing[column._meta.name] != value}
    if not changed:
        return "unchanged"
    await Project.update({**changed, Project.updated_at: datetime.now(UTC)}).where(
        Project.id == existing["id"]
    )
    checker.audit.append(
        AuditEntry(
            action="projects.project.reimport",
            object_type="projects_project",
            object_id=int(existing["id"]),
            summary=f"{listed.label}（更新）：{number} {values[Project.name]}",
            before={column._meta.name: existing[column._meta.name] for column in changed},
            after={column._meta.name: value for column, value in changed.items()},
        )
    )
    return "updated"
