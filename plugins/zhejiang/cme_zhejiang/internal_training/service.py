"""Internal trainings and their sessions: who sees and manages them, the list with its tabs, adding,
editing, deleting and submitting one for the institution's approval.

A department administrator (科室) manages his department's trainings; an institution administrator his
institution's (and may add one for the whole institution or any of its departments). Region and commission
administrators read those they reach. What the caller may not see is not found; every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

import msgspec
import pluggy
from cme_platform import clock
from cme_platform.approvals import engine
from cme_platform.approvals.chains import Chain, ChainStep
from cme_platform.approvals.engine import Outcome, RequestRow
from cme_platform.approvals.schemas import SubjectSummary, SummaryField
from cme_platform.approvals.status_subjects import StatusSubject
from cme_platform.attendance.scan import attendance_policy
from cme_platform.audit.actions import AuditLabels
from cme_platform.audit.service import record
from cme_platform.credits.disciplines import discipline_tree
from cme_platform.db.paging import and_all, like_pattern
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.labels import LabelledEnum
from cme_platform.notifications.service import notify
from cme_platform.orgs.access import OrgAccess
from cme_platform.orgs.tables import Department, Institution
from cme_platform.plugins.manager import active_plugin_manager
from cme_platform.projects.access import lock_row
from cme_platform.projects.attendance import aware
from cme_platform.projects.runs import checked_session
from cme_platform.projects.service import hundredths
from cme_platform.standards.amounts import format_credits
from cme_platform.tenancy.scope import current_tenant
from piccolo.query.functions.aggregate import Max, Min

from cme_zhejiang import PLUGIN_NAME
from cme_zhejiang.internal_training import (
    ASSESSMENTS,
    FORMS,
    LEVELS,
    MAX_CREDITS,
    MAX_HOURS,
    SUBJECT_TYPE,
)
from cme_zhejiang.internal_training.tables import Training, TrainingSession, TrainingWriteOff

NOT_FOUND = "内部培训不存在"
FIRST_YEAR, LAST_YEAR = 2000, 2100
"""The years a training, its sessions and the list's dates may lie in."""

AUDIT_LABELS = AuditLabels(
    actions={
        "zhejiang.training.create": "新增内部培训",
        "zhejiang.training.update": "修改内部培训",
        "zhejiang.training.delete": "删除内部培训",
        "zhejiang.training.submit": "提交内部培训审核",
        "zhejiang.training.advanced": "内部培训审核通过（转下一级）",
        "zhejiang.training.approved": "内部培训审核通过",
        "zhejiang.training.rejected": "内部培训审核不通过",
        "zhejiang.training.returned": "内部培训退回修改",
        "zhejiang.training.session.create": "新增内部培训课程",
        "zhejiang.training.session.delete": "删除内部培训课程",
        "zhejiang.training.scores": "内部培训授分",
        "zhejiang.training_write_off.submit": "内部培训提交核销",
        "zhejiang.training_write_off.advanced": "内部培训核销通过（转下一级）",
        "zhejiang.training_write_off.approved": "内部培训单位核销通过",
        "zhejiang.training_write_off.rejected": "内部培训核销不通过",
        "zhejiang.training_write_off.returned": "内部培训核销退回",
    },
    objects={
        "zhejiang_training": "内部培训",
        "zhejiang_training_session": "内部培训课程",
        "zhejiang_training_write_off": "内部培训核销",
    },
)
"""What the audit page calls internal training's actions and objects."""
MAX_SESSIONS = 50
"""The most sessions (课程) one training may have."""


class TrainingStatus(LabelledEnum):
    """Where a training's approval stands."""

    DRAFT = "draft", "未提交"
    SUBMITTED = "submitted", "待单位审核"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "审核不通过"
    RETURNED = "returned", "已退回"


class WriteOffStatus(LabelledEnum):
    """Where a training's write-off (核销) stands; a training not yet scored has none (待评分)."""

    DRAFT = "draft", "已评分，待核销"
    SUBMITTED = "submitted", "待单位核销"
    APPROVED = "approved", "已核销"
    REJECTED = "rejected", "核销不通过"
    RETURNED = "returned", "核销退回"


OUTCOME_STATUS = {
    "advanced": TrainingStatus.SUBMITTED,
    "approved": TrainingStatus.APPROVED,
    "rejected": TrainingStatus.REJECTED,
    "returned": TrainingStatus.RETURNED,
}

INSTITUTION_STEP = ChainStep(role="institution_admin", label="单位审核", when_missing="escalate")

TRAINING_CHAIN = Chain(code="zj.training", name="内部培训审核", steps=(INSTITUTION_STEP,))
"""A department's training is approved by its institution (skipped when the institution adds it)."""

TABS: tuple[tuple[str, str], ...] = (
    ("all", "全部"),
    ("held", "已举办"),
    ("pending", "未举办"),
    ("to_score", "待评分"),
)
"""The list's tabs (seed 002 §4.1): every training, those held, those not yet held, those held and not yet
written off."""

COUNTED = ("all", "held", "to_score")
"""The tabs counted by a query of their own (未举办 is the rest of 全部)."""

Text100 = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Text64 = Annotated[str, msgspec.Meta(max_length=64)]


class TrainingIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A training's facts as its department enters them (学分 and 学时 as decimals)."""

    year: Annotated[int, msgspec.Meta(ge=2000, le=2100)]
    name: Text100
    level: Text64
    credits: Decimal
    hours: Decimal
    discipline: Text64 = ""
    subdiscipline: Text64 = ""
    form: Text64
    assessment: Text64 = ""
    other_number: Annotated[str, msgspec.Meta(max_length=50)] = ""
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    department_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)] | None = None
    """The organising department: a department administrator's own (ignored for him); for an institution
    administrator one of his institution's, or none for the whole institution."""


class SessionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A session (课程) of a training's 举办周期."""

    title: Text100
    speaker: Annotated[str, msgspec.Meta(max_length=50)] = ""
    starts_at: datetime
    ends_at: datetime
    venue: Annotated[str, msgspec.Meta(max_length=100)] = ""
    hours: Decimal = Decimal(0)
    """学时; 0 counts the session's length."""


class SessionOut(msgspec.Struct, frozen=True, kw_only=True):
    """A session as the training's schedule shows it."""

    id: int
    title: str
    speaker: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    hours: int
    hours_text: str


class TrainingOut(msgspec.Struct, frozen=True, kw_only=True):
    """A training as the list and its page show it, with what the caller may do next."""

    id: int
    institution_id: int
    institution_name: str
    department_id: int | None
    department_name: str
    year: int
    name: str
    level: str
    credits: int
    credits_text: str
    hours: int
    hours_text: str
    discipline: str
    subdiscipline: str
    form: str
    assessment: str
    other_number: str
    note: str
    status: str
    status_label: str
    review_comment: str
    approval_id: int | None
    held: bool
    """Approved, its last session ended and its check-out closed (已举办)."""
    starts_at: datetime | None
    """Its first session's start (举办开始时间)."""
    write_off_status: str
    write_off_label: str
    created_at: datetime
    sessions: list[SessionOut]
    may_edit: bool
    may_submit: bool
    may_score: bool
    may_show_codes: bool
    """The caller shows its sessions' codes at the venue (its managers, its institution's on-site
    managers) while attendance is open."""


class TrainingPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of trainings, newest first, with the count of each tab."""

    items: list[TrainingOut]
    total: int
    page: int
    page_size: int
    tabs: dict[str, int]


class TrainingFilter(msgspec.Struct, frozen=True, kw_only=True):
    """The list's filters (seed 002 §4.1's query bar)."""

    tab: str = "all"
    year: int | None = None
    level: str = ""
    form: str = ""
    discipline: str = ""
    subdiscipline: str = ""
    name: str = ""
    starts_from: date | None = None
    starts_until: date | None = None
    department_id: int | None = None


def managed(principal: Principal) -> Any:
    """A where-clause on :class:`Training` for the trainings ``principal`` manages: his institution's as
    its administrator, his department's as its 科室 account."""
    org = OrgAccess.of(principal)
    return Training.institution.is_in(sorted(org.institution_ids) or [0]) | Training.department.is_in(
        sorted(org.department_ids) or [0]
    )


def visible(principal: Principal) -> Any:
    """A where-clause for the trainings ``principal`` reads: those he manages, his regions' institutions',
    every one for the commission."""
    org = OrgAccess.of(principal)
    if org.tenant_wide:
        return Training.id.is_not_null()
    clause = managed(principal)
    if org.region_ids:
        in_regions = Institution.select(Institution.id).where(
            Institution.region.is_in(sorted(org.region_ids))
        )
        clause = clause | Training.institution.is_in(in_regions)
    return clause


def may_manage(principal: Principal, row: dict[str, Any]) -> bool:
    """True when ``principal`` manages the training of ``row`` (its institution's or department's admin)."""
    org = OrgAccess.of(principal)
    return row["institution"] in org.institution_ids or (
        row["department"] is not None and row["department"] in org.department_ids
    )


def held_before() -> datetime:
    """A training is held (已举办) once its last session ended before this moment: now, less the time the
    province's check-out codes still work after a session (late check-outs count before anyone scores)."""
    window = attendance_policy(active_plugin_manager()).check_out_window.closes_after
    return clock.now() - timedelta(minutes=window)


def _tab_clause(tab: str, before: datetime) -> Any:
    approved = Training.status == TrainingStatus.APPROVED.value
    held = approved & (Training.ends_at <= before)
    if tab == "held":
        return held
    if tab == "pending":  # not held: not approved, or a session still to end
        return (
            (Training.status != TrainingStatus.APPROVED.value)
            | Training.ends_at.is_null()
            | (Training.ends_at > before)
        )
    if tab == "to_score":  # held, and no write-off sent, passed or refused
        sent = TrainingWriteOff.select(TrainingWriteOff.training).where(
            TrainingWriteOff.status.is_in(
                [WriteOffStatus.SUBMITTED.value, WriteOffStatus.APPROVED.value, WriteOffStatus.REJECTED.value]
            )
        )
        return held & Training.id.not_in(sent)
    return None


def _china_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=clock.CHINA)


def check_filter(data: TrainingFilter) -> None:
    """Refuse a date of the query outside 2000–2100 (400)."""
    for field, day in (("starts_from", data.starts_from), ("starts_until", data.starts_until)):
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise InvalidInput("请检查查询条件", [FieldError(field, "举办开始日期须在2000年至2100年之间")])


def _filter_clause(data: TrainingFilter) -> Any:
    clauses: list[Any] = []
    if data.year:
        clauses.append(Training.year == data.year)
    for column, value in (
        (Training.level, data.level),
        (Training.form, data.form),
        (Training.discipline, data.discipline),
        (Training.subdiscipline, data.subdiscipline),
    ):
        if value:
            clauses.append(column == value)
    if data.name.strip():
        clauses.append(Training.name.ilike(like_pattern(data.name)))
    if data.department_id:
        clauses.append(Training.department == data.department_id)
    if data.starts_from:
        clauses.append(Training.starts_at >= _china_midnight(data.starts_from))
    if data.starts_until:
        clauses.append(Training.starts_at < _china_midnight(data.starts_until) + timedelta(days=1))
    return and_all(*clauses)


_COLUMNS = (
    *Training.all_columns(),
    Training.institution.name.as_alias("institution_name"),
    Training.institution.region.as_alias("region"),
    Training.department.name.as_alias("department_name"),
)


def _session_out(row: dict[str, Any]) -> SessionOut:
    return SessionOut(
        id=row["id"],
        title=row["title"],
        speaker=row["speaker"],
        venue=row["venue"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        hours=row["hours"],
        hours_text=format_credits(row["hours"]),
    )


async def _sessions_of(training_ids: Sequence[int]) -> dict[int, list[SessionOut]]:
    rows = await (
        TrainingSession.select()
        .where(TrainingSession.training.is_in(list(training_ids) or [0]))
        .order_by(TrainingSession.starts_at)
    )
    out: dict[int, list[SessionOut]] = {}
    for r in rows:
        out.setdefault(r["training"], []).append(_session_out(r))
    return out


async def _write_offs(training_ids: Sequence[int]) -> dict[int, str]:
    rows = await TrainingWriteOff.select(TrainingWriteOff.training, TrainingWriteOff.status).where(
        TrainingWriteOff.training.is_in(list(training_ids) or [0])
    )
    return {r["training"]: r["status"] for r in rows}


def is_held(row: dict[str, Any], before: datetime) -> bool:
    """True when the training was approved and its last session ended before ``before``."""
    return (
        row["status"] == TrainingStatus.APPROVED
        and row["ends_at"] is not None
        and aware(row["ends_at"]) <= before
    )


def _out(
    row: dict[str, Any], sessions: list[SessionOut], write_off: str, principal: Principal, before: datetime
) -> TrainingOut:
    mine = may_manage(principal, row)
    editable = row["status"] in (TrainingStatus.DRAFT, TrainingStatus.RETURNED)
    held = is_held(row, before)
    onsite = any(g.institution_id == row["institution"] for g in principal.grants_for(Role.ONSITE_MANAGER))
    return TrainingOut(
        id=row["id"],
        institution_id=row["institution"],
        institution_name=row["institution_name"] or "",
        department_id=row["department"],
        department_name=row["department_name"] or "全院",
        year=row["year"],
        name=row["name"],
        level=row["level"],
        credits=row["credits"],
        credits_text=format_credits(row["credits"]),
        hours=row["hours"],
        hours_text=format_credits(row["hours"]),
        discipline=row["discipline"],
        subdiscipline=row["subdiscipline"],
        form=row["form"],
        assessment=row["assessment"],
        other_number=row["other_number"],
        note=row["note"],
        status=row["status"],
        status_label=TrainingStatus.label_of(row["status"]),
        review_comment=row["review_comment"],
        approval_id=row["approval"],
        held=held,
        starts_at=aware(row["starts_at"]) if row["starts_at"] else None,
        write_off_status=write_off,
        write_off_label=WriteOffStatus.label_of(write_off) if write_off else ("待评分" if held else "—"),
        created_at=row["created_at"],
        sessions=sessions,
        may_edit=mine and editable,
        may_show_codes=(mine or onsite)
        and row["status"] == TrainingStatus.APPROVED
        and write_off != WriteOffStatus.APPROVED,
        may_submit=mine and editable and bool(sessions),
        may_score=mine
        and held
        and write_off not in (WriteOffStatus.SUBMITTED, WriteOffStatus.APPROVED, WriteOffStatus.REJECTED),
    )


async def list_trainings(
    principal: Principal, data: TrainingFilter, page: int = 1, page_size: int = 20
) -> TrainingPage:
    """The trainings the caller reads that match ``data``, newest first, with each tab's count."""
    check_filter(data)
    before = held_before()
    base = and_all(visible(principal), _filter_clause(data))
    where = and_all(base, _tab_clause(data.tab, before))
    rows = await (
        Training.select(*_COLUMNS)
        .where(where)
        .order_by(Training.id, ascending=False)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    ids = [r["id"] for r in rows]
    sessions, write_offs = await _sessions_of(ids), await _write_offs(ids)
    tabs = {tab: await Training.count().where(and_all(base, _tab_clause(tab, before))) for tab in COUNTED}
    tabs["pending"] = tabs["all"] - tabs["held"]  # every training is held or not
    return TrainingPage(
        items=[
            _out(r, sessions.get(r["id"], []), write_offs.get(r["id"], ""), principal, before) for r in rows
        ],
        total=tabs.get(data.tab, tabs["all"]),
        page=page,
        page_size=page_size,
        tabs=tabs,
    )


async def training_row(principal: Principal, training_id: int) -> dict[str, Any]:
    """The training's row (with its institution's and department's names), when the caller reads it."""
    row: dict[str, Any] | None = (
        await Training.select(*_COLUMNS)
        .where(and_all(Training.id == training_id, visible(principal)))
        .first()
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


async def training_rows(training_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Trainings by id with their institution's and department's names, whoever asks (for the approvals
    inbox, which decides itself who sees a request)."""
    rows = await Training.select(*_COLUMNS).where(Training.id.is_in(list(training_ids) or [0]))
    return {r["id"]: r for r in rows}


async def get_training(principal: Principal, training_id: int) -> TrainingOut:
    """One training the caller reads, with its sessions (404 otherwise)."""
    row = await training_row(principal, training_id)
    sessions = (await _sessions_of([training_id])).get(training_id, [])
    write_off = (await _write_offs([training_id])).get(training_id, "")
    return _out(row, sessions, write_off, principal, held_before())


async def managed_row(principal: Principal, training_id: int, *, editable: bool = True) -> dict[str, Any]:
    """The training's row, locked for the caller's transaction, when the caller manages it (404 when he
    does not read it, 403 when he only reads it); with ``editable``, 409 unless it is a draft or was
    returned."""
    row = await training_row(principal, training_id)
    if not may_manage(principal, row):
        raise Forbidden("只有举办科室或其单位管理员可以修改该内部培训")
    await lock_row(Training, training_id)  # its status holds until the caller's transaction ends
    row = await training_row(principal, training_id)
    if editable and row["status"] not in (TrainingStatus.DRAFT, TrainingStatus.RETURNED):
        raise Conflict(f"内部培训{TrainingStatus.label_of(row['status'])}，不能修改")
    return row


def _values(data: TrainingIn) -> dict[Any, Any]:
    """The columns of ``data``, or 400 naming every field that is not acceptable."""
    errors: list[FieldError] = []
    if not data.name.strip():
        errors.append(FieldError("name", "请填写活动名称"))
    for value, choices, field, label in (
        (data.level, LEVELS, "level", "学分级别"),
        (data.form, FORMS, "form", "举办方式"),
    ):
        if value not in choices:
            errors.append(FieldError(field, f"{label}只能是：{'、'.join(choices)}"))
    if data.assessment and data.assessment not in ASSESSMENTS:
        errors.append(FieldError("assessment", f"考核方式只能是：{'、'.join(ASSESSMENTS)}"))
    tree = discipline_tree(current_tenant())
    if data.discipline and data.discipline not in tree:
        errors.append(FieldError("discipline", "请选择列表中的二级学科"))
    elif data.subdiscipline and data.subdiscipline not in tree.get(data.discipline, ()):
        errors.append(FieldError("subdiscipline", "请选择所选二级学科下的三级学科"))
    credits = hundredths(data.credits, "credits", "学分", Decimal(MAX_CREDITS) / 100, errors)
    hours = hundredths(data.hours, "hours", "学时", Decimal(MAX_HOURS) / 100, errors)
    if not errors and credits <= 0:
        errors.append(FieldError("credits", "学分须大于0"))
    if not errors and hours <= 0:
        errors.append(FieldError("hours", "学时须大于0"))
    if errors:
        raise InvalidInput("请检查标注的字段", errors)
    return {
        Training.year: data.year,
        Training.name: data.name.strip(),
        Training.level: data.level,
        Training.credits: credits,
        Training.hours: hours,
        Training.discipline: data.discipline,
        Training.subdiscipline: data.subdiscipline if data.discipline else "",
        Training.form: data.form,
        Training.assessment: data.assessment,
        Training.other_number: data.other_number.strip(),
        Training.note: data.note.strip(),
    }


async def _organiser(principal: Principal, department_id: int | None) -> tuple[int, int | None]:
    """The institution and department a new training of ``principal`` belongs to (403 when he manages
    none; 400 when he names a department outside his institution)."""
    for grant in principal.grants_for(Role.DEPARTMENT_ADMIN):
        if grant.institution_id and grant.department_id:
            return grant.institution_id, grant.department_id
    institutions = sorted(
        {g.institution_id for g in principal.grants_for(Role.INSTITUTION_ADMIN) if g.institution_id}
    )
    if not institutions:
        raise Forbidden("只有科室或单位管理员可以添加内部培训")
    if department_id is None:
        return institutions[0], None
    found = (
        await Department.select(Department.institution)
        .where((Department.id == department_id) & Department.institution.is_in(institutions))
        .first()
    )
    if found is None:
        raise InvalidInput("请检查标注的字段", [FieldError("department_id", "请选择本单位的科室")])
    return found["institution"], department_id


def _audited(values: dict[Any, Any]) -> dict[str, Any]:
    return {column._meta.name: value for column, value in values.items()}


async def create_training(principal: Principal, data: TrainingIn) -> TrainingOut:
    """Add a training (未提交) of the caller's department or institution; audited."""
    values = _values(data)
    institution, department = await _organiser(principal, data.department_id)
    async with write_transaction(Training):
        training = Training(
            **{column._meta.name: value for column, value in values.items()},
            institution=institution,
            department=department,
            created_by=principal.account_id,
        )
        await training.save()
        training_id = int(training.id)
        await record(
            "zhejiang.training.create",
            object_type="zhejiang_training",
            object_id=training_id,
            summary=f"新增内部培训：{training.name}",
            after=_audited(values) | {"department": department},
        )
    return await get_training(principal, training_id)


async def update_training(principal: Principal, training_id: int, data: TrainingIn) -> TrainingOut:
    """Change a draft or returned training's facts (编辑; its department stays); audited."""
    values = _values(data)
    async with write_transaction(Training):
        row = await managed_row(principal, training_id)
        years = {
            aware(s["starts_at"]).astimezone(clock.CHINA).year
            for s in await TrainingSession.select(TrainingSession.starts_at).where(
                TrainingSession.training == training_id
            )
        }
        if years - {data.year}:
            message = f"已有{'、'.join(str(y) for y in sorted(years))}年的课程，举办年度须与课程一致"
            raise InvalidInput("请检查标注的字段", [FieldError("year", message)])
        await Training.update(values).where(Training.id == training_id)
        changed = {k: v for k, v in _audited(values).items() if row[k] != v}
        await record(
            "zhejiang.training.update",
            object_type="zhejiang_training",
            object_id=training_id,
            summary=f"修改内部培训：{values[Training.name]}",
            before={k: row[k] for k in changed},
            after=changed,
        )
    return await get_training(principal, training_id)


async def delete_training(principal: Principal, training_id: int) -> None:
    """Delete a training never submitted, with its sessions (删除); audited."""
    async with write_transaction(Training):
        row = await managed_row(principal, training_id)
        if row["approval"] is not None:
            raise Conflict("已提交过审核的内部培训不能删除")
        await Training.delete().where(Training.id == training_id)
        await record(
            "zhejiang.training.delete",
            object_type="zhejiang_training",
            object_id=training_id,
            summary=f"删除内部培训：{row['name']}",
            before={"name": row["name"], "year": row["year"]},
        )


async def add_session(principal: Principal, training_id: int, data: SessionIn) -> TrainingOut:
    """Add a session (添加课程) to a draft or returned training, in the training's year; audited."""
    for field, moment in (("starts_at", data.starts_at), ("ends_at", data.ends_at)):
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise InvalidInput("请检查标注的字段", [FieldError(field, "课程时间须在2000年至2100年之间")])
    starts_at = data.starts_at if data.starts_at.tzinfo else data.starts_at.replace(tzinfo=clock.CHINA)
    ends_at = data.ends_at if data.ends_at.tzinfo else data.ends_at.replace(tzinfo=clock.CHINA)
    async with write_transaction(Training):
        row = await managed_row(principal, training_id)
        errors: list[FieldError] = []
        if starts_at.astimezone(clock.CHINA).year != row["year"]:
            errors.append(FieldError("starts_at", f"课程须在举办年度（{row['year']}年）内"))
        hours = checked_session(data.title, starts_at, ends_at, data.hours, errors)
        if await TrainingSession.count().where(TrainingSession.training == training_id) >= MAX_SESSIONS:
            errors.append(FieldError("title", f"一个内部培训最多{MAX_SESSIONS}个课程"))
        if errors:
            raise InvalidInput("请检查标注的字段", errors)
        session = TrainingSession(
            training=training_id,
            title=data.title.strip(),
            speaker=data.speaker.strip(),
            venue=data.venue.strip(),
            starts_at=starts_at.astimezone(UTC),
            ends_at=ends_at.astimezone(UTC),
            hours=hours,
        )
        await session.save()
        await _keep_span(training_id)
        await record(
            "zhejiang.training.session.create",
            object_type="zhejiang_training_session",
            object_id=int(session.id),
            summary=f"新增课程：{row['name']} {session.title}",
            after={"training": training_id, "title": session.title, "hours": hours},
        )
    return await get_training(principal, training_id)


async def _keep_span(training_id: int) -> None:
    """Keep the training's first start and last end with its sessions (none: both empty)."""
    span = await (
        TrainingSession.select(
            Min(TrainingSession.starts_at, alias="first"), Max(TrainingSession.ends_at, alias="last")
        )
        .where(TrainingSession.training == training_id)
        .first()
    )
    first, last = (span or {}).get("first"), (span or {}).get("last")
    await Training.update(
        {
            Training.starts_at: aware(first) if first else None,
            Training.ends_at: aware(last) if last else None,
        }
    ).where(Training.id == training_id)


async def delete_session(principal: Principal, training_id: int, session_id: int) -> TrainingOut:
    """Remove a session of a draft or returned training; audited."""
    async with write_transaction(Training):
        row = await managed_row(principal, training_id)
        found = (
            await TrainingSession.select(TrainingSession.title)
            .where((TrainingSession.id == session_id) & (TrainingSession.training == training_id))
            .first()
        )
        if found is None:
            raise NotFound("课程不存在")
        await TrainingSession.delete().where(TrainingSession.id == session_id)
        await _keep_span(training_id)
        await record(
            "zhejiang.training.session.delete",
            object_type="zhejiang_training_session",
            object_id=session_id,
            summary=f"删除课程：{row['name']} {found['title']}",
            before={"training": training_id, "title": found["title"]},
        )
    return await get_training(principal, training_id)


async def submit_training(pm: pluggy.PluginManager, principal: Principal, training_id: int) -> TrainingOut:
    """提交: send a draft or returned training with its sessions to the institution (approved at once
    when the institution submits it); audited."""
    async with write_transaction(Training):
        row = await managed_row(principal, training_id)
        if not await TrainingSession.exists().where(TrainingSession.training == training_id):
            raise InvalidInput("请先添加课程（完善举办周期）再提交", [FieldError("sessions", "请添加课程")])
        claimed = await (
            Training.update(
                {Training.status: TrainingStatus.SUBMITTED, Training.submitted_at: datetime.now(UTC)}
            )
            .where(
                (Training.id == training_id)
                & Training.status.is_in([TrainingStatus.DRAFT.value, TrainingStatus.RETURNED.value])
            )
            .returning(Training.id)
        )
        if not claimed:
            raise Conflict("该内部培训已提交，请刷新后查看")
        submitted_as = submitter_role(principal, row)
        await record(
            "zhejiang.training.submit",
            object_type="zhejiang_training",
            object_id=training_id,
            summary=f"提交内部培训审核：{row['name']}",
            before={"status": row["status"]},
            after={"status": TrainingStatus.SUBMITTED.value},
        )
        await engine.open_request(
            pm,
            subject_type=SUBJECT_TYPE,
            subject_id=training_id,
            chain=TRAINING_CHAIN,
            title=title_of(row),
            institution_id=row["institution"],
            department_id=row["department"],
            region_id=row["region"],
            principal=principal,
            submitted_as=submitted_as,
        )
    return await get_training(principal, training_id)


def submitter_role(principal: Principal, row: dict[str, Any]) -> str:
    """The role ``principal`` submits the training's work in: its institution's administrator (whose own
    steps are skipped) or its department's."""
    if row["institution"] in OrgAccess.of(principal).institution_ids:
        return Role.INSTITUTION_ADMIN.value
    return Role.DEPARTMENT_ADMIN.value


def title_of(row: dict[str, Any]) -> str:
    """How the inbox and the audit log name a training: its department and name."""
    return f"{row.get('department_name') or row.get('institution_name') or ''}：{row['name']}"


def summary_fields(row: dict[str, Any]) -> list[SummaryField]:
    """A training's facts as a reviewer reads them."""
    return [
        SummaryField(label="单位", value=row["institution_name"] or ""),
        SummaryField(label="所在科室", value=row["department_name"] or "全院"),
        SummaryField(label="举办年度", value=str(row["year"])),
        SummaryField(label="学分级别", value=row["level"]),
        SummaryField(label="学分", value=format_credits(row["credits"])),
        SummaryField(label="学时", value=format_credits(row["hours"])),
        SummaryField(
            label="学科", value=" / ".join(v for v in (row["discipline"], row["subdiscipline"]) if v) or "—"
        ),
        SummaryField(label="举办方式", value=row["form"]),
    ]


class TrainingSubject(StatusSubject):
    """Describes trainings to the institution and moves one with the decisions on its request (通过 /
    不通过 / 退回, audited as ``zhejiang.training.<outcome>``)."""

    table = Training
    outcome_status = OUTCOME_STATUS
    action_prefix = "zhejiang.training"
    subject_type = SUBJECT_TYPE
    label = "内部培训"
    plugin = PLUGIN_NAME

    def title(self, row: dict[str, Any]) -> str:
        """The training's name."""
        return str(row["name"])

    async def after_decision(
        self,
        row: dict[str, Any],
        request: RequestRow,
        outcome: Outcome,
        comment: str,
        changes: dict[str, Any],
    ) -> None:
        """Tell the account that added the training how its institution decided."""
        if outcome == "advanced" or not row["created_by"]:
            return
        said = {"approved": "审核通过", "returned": "退回修改", "rejected": "审核不通过"}[outcome]
        await notify(
            [row["created_by"]],
            kind=f"zhejiang.training.{outcome}",
            title=f"内部培训{said}：{row['name']}",
            body=comment,
            path=f"/p/zhejiang/trainings/{row['id']}",
        )

    async def describe(self, subject_ids: Sequence[int], principal: Principal) -> dict[int, SubjectSummary]:
        """Unit, department, year, level, credits, hours, discipline and form, then each session."""
        rows = list((await training_rows(subject_ids)).values())
        sessions = await _sessions_of([r["id"] for r in rows])
        return {
            r["id"]: SubjectSummary(
                title=title_of(r),
                link=f"/p/zhejiang/trainings/{r['id']}",
                fields=summary_fields(r)
                + [
                    SummaryField(
                        label=f"课程{index}",
                        value=f"{clock.china_time(s.starts_at)} {s.title}（{s.hours_text}学时）",
                        planned=True,
                    )
                    for index, s in enumerate(sessions.get(r["id"], []), start=1)
                ],
            )
            for r in rows
        }


async def department_choices(principal: Principal) -> list[tuple[int, str]]:
    """The departments an institution administrator may name for a new training (none for others)."""
    institutions = sorted(OrgAccess.of(principal).institution_ids)
    if not institutions or principal.grants_for(Role.DEPARTMENT_ADMIN):
        return []
    rows = await (
        Department.select(Department.id, Department.name)
        .where(Department.institution.is_in(institutions))
        .order_by(Department.name)
    )
    return [(r["id"], r["name"]) for r in rows]


engine.register_subject(TrainingSubject())
