"""Activity plans: who sees and uploads them, submitting one for review, and its approval handler.

Institution administrators (科教部门) upload and submit their own institution's plans; region and
commission administrators see the plans of the institutions they reach and decide them in the approvals
inbox, through the chain Beijing's ``cme_approval_chain`` gives for :data:`SUBJECT_TYPE` (主管部门审核).
Every change is audited; what the caller may not see is not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
import pluggy
from cme_platform import clock
from cme_platform.approvals import engine
from cme_platform.approvals.chains import ApprovalSubject
from cme_platform.approvals.schemas import Attachment, SubjectSummary, SummaryField
from cme_platform.approvals.status_subjects import StatusSubject
from cme_platform.audit.actions import AuditLabels
from cme_platform.audit.service import record
from cme_platform.credits.policy import GrantBases, GrantBasis
from cme_platform.db.paging import and_all
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.files.policy import FileFacts, register_read_rule
from cme_platform.files.purposes import MB, FilePurpose, register_purpose
from cme_platform.files.tables import StoredFile
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.labels import LabelledEnum
from cme_platform.orgs.access import OrgAccess
from cme_platform.orgs.tables import Institution
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.plugins.types import PageSlot
from cme_platform.tenancy.scope import current_tenant
from piccolo.query.functions.aggregate import Count

from cme_beijing import PLUGIN_NAME
from cme_beijing.activity_plans import ACTIVITY_FORMS, FILE_PURPOSE, PLAN_TYPES, SUBJECT_TYPE
from cme_beijing.activity_plans.tables import ActivityPlan

NOT_FOUND = "教学活动计划不存在"

register_purpose(
    FilePurpose(
        FILE_PURPOSE,
        "教学活动计划",
        ("pdf", "xlsx", "jpeg", "png"),
        20 * MB,
        plugin=PLUGIN_NAME,
        roles=frozenset({Role.INSTITUTION_ADMIN.value}),
    )
)


class PlanStatus(LabelledEnum):
    """Where a plan stands."""

    DRAFT = "draft", "未提交"
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "审核不通过"
    RETURNED = "returned", "已退回"


OUTCOME_STATUS = {
    "advanced": PlanStatus.SUBMITTED,
    "approved": PlanStatus.APPROVED,
    "rejected": PlanStatus.REJECTED,
    "returned": PlanStatus.RETURNED,
}

AUDIT_LABELS = AuditLabels(
    actions={
        "beijing.activity_plan.create": "上传活动计划",
        "beijing.activity_plan.submit": "提交活动计划审核",
        "beijing.activity_plan.advanced": "活动计划审核通过（转下一级）",
        "beijing.activity_plan.approved": "活动计划审核通过",
        "beijing.activity_plan.rejected": "活动计划审核不通过",
        "beijing.activity_plan.returned": "活动计划退回修改",
    },
    objects={"beijing_activity_plan": "活动计划"},
)
"""What the audit page calls the plans' actions (one per approval outcome) and the plan itself."""

Text100 = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class PlanIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new plan: its name, type, activity form, note and the uploaded plan file."""

    name: Text100
    plan_type: str
    activity_form: str
    year: Annotated[int, msgspec.Meta(ge=2000, le=2100)]
    file_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    submit: bool = False


class PlanOut(msgspec.Struct, frozen=True, kw_only=True):
    """A plan as the lists and the detail show it."""

    id: int
    institution_id: int
    institution_name: str
    year: int
    name: str
    plan_type: str
    activity_form: str
    note: str
    file_id: int
    file_name: str
    status: str
    status_label: str
    review_comment: str
    approval_id: int | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    can_submit: bool


class PlanPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of plans, newest first."""

    items: list[PlanOut]
    total: int
    page: int
    page_size: int


def _own_institutions(principal: Principal) -> list[int]:
    return sorted(
        {g.institution_id for g in principal.grants_for(Role.INSTITUTION_ADMIN) if g.institution_id}
    )


def _visible(principal: Principal) -> Any:
    """Plans the caller uploads or reviews: every plan for the commission, the district's for its
    administrators, the institution's own for its administrators; nothing through a department grant."""
    org = OrgAccess.of(principal)
    if org.tenant_wide:
        return ActivityPlan.id.is_not_null()
    clause: Any = ActivityPlan.institution.is_in(sorted(org.institution_ids) or [0])
    if org.region_ids:
        in_regions = Institution.select(Institution.id).where(
            Institution.region.is_in(sorted(org.region_ids))
        )
        clause = clause | ActivityPlan.institution.is_in(in_regions)
    return clause


_COLUMNS = (
    *ActivityPlan.all_columns(),
    ActivityPlan.institution.name.as_alias("institution_name"),
    ActivityPlan.institution.region.as_alias("region"),
    ActivityPlan.file.original_name.as_alias("file_name"),
)


def _out(row: dict[str, Any], principal: Principal) -> PlanOut:
    editable = row["status"] in (PlanStatus.DRAFT, PlanStatus.RETURNED)
    return PlanOut(
        id=row["id"],
        institution_id=row["institution"],
        institution_name=row["institution_name"] or "",
        year=row["year"],
        name=row["name"],
        plan_type=row["plan_type"],
        activity_form=row["activity_form"],
        note=row["note"],
        file_id=row["file"],
        file_name=row["file_name"] or "",
        status=row["status"],
        status_label=PlanStatus.label_of(row["status"]),
        review_comment=row["review_comment"],
        approval_id=row["approval"],
        created_at=row["created_at"],
        submitted_at=row["submitted_at"],
        decided_at=row["decided_at"],
        can_submit=editable and row["institution"] in _own_institutions(principal),
    )


async def list_plans(principal: Principal, page: int = 1, page_size: int = 20) -> PlanPage:
    """The plans the caller reaches, newest first."""
    where = _visible(principal)
    rows = await (
        ActivityPlan.select(*_COLUMNS)
        .where(where)
        .order_by(ActivityPlan.id, ascending=False)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    total = await ActivityPlan.count().where(where)
    return PlanPage(items=[_out(r, principal) for r in rows], total=total, page=page, page_size=page_size)


async def _row(principal: Principal, plan_id: int) -> dict[str, Any]:
    row = (
        await ActivityPlan.select(*_COLUMNS)
        .where(and_all(ActivityPlan.id == plan_id, _visible(principal)))
        .first()
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


async def get_plan(principal: Principal, plan_id: int) -> PlanOut:
    """One plan the caller reaches (404 otherwise)."""
    return _out(await _row(principal, plan_id), principal)


def check_fields(data: PlanIn) -> None:
    """Refuse a plan whose name, type or activity form is not acceptable (400 naming the fields)."""
    errors = _check(data)
    if errors:
        raise InvalidInput("请检查标注的字段", errors)


def _check(data: PlanIn) -> list[FieldError]:
    errors: list[FieldError] = []
    if not data.name.strip():
        errors.append(FieldError("name", "请填写计划名称"))
    if data.plan_type not in PLAN_TYPES:
        errors.append(FieldError("plan_type", f"计划类型只能是：{'、'.join(PLAN_TYPES)}"))
    if data.activity_form not in ACTIVITY_FORMS:
        errors.append(FieldError("activity_form", f"活动形式只能是：{'、'.join(ACTIVITY_FORMS)}"))
    return errors


async def create_plan(pm: pluggy.PluginManager, principal: Principal, data: PlanIn) -> PlanOut:
    """Upload a plan of the caller's institution (and submit it at once when ``data.submit``); audited.

    Only an institution's administrator uploads its plans (403 for others); the file must be one the
    caller uploaded as a plan file.
    """
    institutions = _own_institutions(principal)
    if not institutions:
        raise Forbidden("只有医疗卫生机构（单位管理员）可以上传教学活动计划")
    errors = _check(data)
    stored = (
        await StoredFile.select(StoredFile.id, StoredFile.purpose, StoredFile.uploaded_by)
        .where(StoredFile.id == data.file_id)
        .first()
    )
    if stored is None or stored["uploaded_by"] != principal.account_id or stored["purpose"] != FILE_PURPOSE:
        errors.append(FieldError("file_id", "请上传计划文件"))
    if errors:
        raise InvalidInput("请检查标注的字段", errors)
    async with write_transaction(ActivityPlan):
        plan = ActivityPlan(
            institution=institutions[0],
            year=data.year,
            name=data.name.strip(),
            plan_type=data.plan_type,
            activity_form=data.activity_form,
            note=data.note.strip(),
            file=data.file_id,
            created_by=principal.account_id,
        )
        await plan.save()
        plan_id = int(plan.id)
        await record(
            "beijing.activity_plan.create",
            object_type="beijing_activity_plan",
            object_id=plan_id,
            summary=f"上传教学活动计划：{plan.name}",
            after={
                "name": plan.name,
                "plan_type": plan.plan_type,
                "year": plan.year,
                "file_id": data.file_id,
            },
        )
        if data.submit:
            await _submit(pm, principal, await _row(principal, plan_id))
    return await get_plan(principal, plan_id)


async def submit_plan(pm: pluggy.PluginManager, principal: Principal, plan_id: int) -> PlanOut:
    """Send a draft or returned plan of the caller's institution to the 主管部门 (提交); audited."""
    async with write_transaction(ActivityPlan):
        row = await _row(principal, plan_id)
        if row["institution"] not in _own_institutions(principal):
            raise Forbidden("只有本机构的单位管理员可以提交该计划")
        await _submit(pm, principal, row)
    return await get_plan(principal, plan_id)


async def _submit(pm: pluggy.PluginManager, principal: Principal, row: dict[str, Any]) -> None:
    claimed = await (
        ActivityPlan.update(
            {ActivityPlan.status: PlanStatus.SUBMITTED, ActivityPlan.submitted_at: datetime.now(UTC)}
        )
        .where(
            (ActivityPlan.id == row["id"])
            & ActivityPlan.status.is_in([PlanStatus.DRAFT, PlanStatus.RETURNED])
        )
        .returning(ActivityPlan.id)
    )
    if not claimed:
        raise Conflict("该计划已提交，请刷新后查看")
    subject = ApprovalSubject(
        kind=SUBJECT_TYPE, entered_as=Role.INSTITUTION_ADMIN.value, attributes={"plan_type": row["plan_type"]}
    )
    chain = tenant_hooks(pm, current_tenant()).cme_approval_chain(subject=subject)
    await engine.open_request(
        pm,
        subject_type=SUBJECT_TYPE,
        subject_id=row["id"],
        chain=chain,
        title=f"{row['institution_name'] or ''}：{row['name']}",
        institution_id=row["institution"],
        department_id=None,
        region_id=row["region"],
        principal=principal,
        submitted_as=Role.INSTITUTION_ADMIN.value,
    )
    await record(
        "beijing.activity_plan.submit",
        object_type="beijing_activity_plan",
        object_id=row["id"],
        summary=f"提交教学活动计划：{row['name']}",
        before={"status": row["status"]},
        after={"status": PlanStatus.SUBMITTED.value, "chain": chain.code},
    )


class ActivityPlanSubject(StatusSubject):
    """Describes plans to the 主管部门 and moves a plan with the decisions on its request (通过 / 不通过 /
    退回, audited as ``beijing.activity_plan.<outcome>``)."""

    table = ActivityPlan
    outcome_status = OUTCOME_STATUS
    action_prefix = "beijing.activity_plan"
    subject_type = SUBJECT_TYPE
    label = "教学活动计划"
    plugin = PLUGIN_NAME

    async def describe(self, subject_ids: Sequence[int], principal: Principal) -> dict[int, SubjectSummary]:
        """Institution, year, type, form and note, and the plan file."""
        rows = await ActivityPlan.select(*_COLUMNS).where(ActivityPlan.id.is_in(list(subject_ids) or [0]))
        return {
            r["id"]: SubjectSummary(
                title=f"{r['institution_name'] or ''}：{r['name']}",
                link=f"/p/beijing/activity-plans/{r['id']}",
                fields=[
                    SummaryField(label="机构", value=r["institution_name"] or ""),
                    SummaryField(label="年度", value=str(r["year"])),
                    SummaryField(label="计划类型", value=r["plan_type"]),
                    SummaryField(label="活动形式", value=r["activity_form"]),
                    SummaryField(label="备注", value=r["note"] or "—"),
                ],
                attachments=[Attachment(name=r["file_name"] or "计划文件", file_id=r["file"])],
            )
            for r in rows
        }


async def status_counts(principal: Principal) -> dict[str, int]:
    """How many of the plans the caller reaches are in each status."""
    rows = await (
        ActivityPlan.select(ActivityPlan.status, Count(ActivityPlan.id, alias="n"))
        .where(_visible(principal))
        .group_by(ActivityPlan.status)
    )
    return {r["status"]: int(r["n"]) for r in rows}


async def home_slot(principal: Principal | None) -> PageSlot | None:
    """The start page's box for administrators who upload or review plans: counts by status, with links."""
    if principal is None or not principal.has_any(
        Role.INSTITUTION_ADMIN, Role.REGION_ADMIN, Role.COMMISSION_ADMIN
    ):
        return None
    counts = await status_counts(principal)
    return PageSlot(
        template="beijing/activity_plans/home_slot.html",
        context={
            "counts": [(status.label, counts.get(status.value, 0)) for status in PlanStatus],
            "uploads": principal.has_any(Role.INSTITUTION_ADMIN),
            "kind": SUBJECT_TYPE,
        },
    )


async def may_read_plan_file(principal: Principal, file: FileFacts) -> bool:
    """Administrators who reach a plan holding ``file`` may read it (its reviewers among them)."""
    return bool(await ActivityPlan.exists().where(and_all(ActivityPlan.file == file.id, _visible(principal))))


engine.register_subject(ActivityPlanSubject())
register_read_rule(FILE_PURPOSE, may_read_plan_file)


def this_year() -> int:
    """The default year of a new plan (China time)."""
    return clock.today().year


MAX_BASES = 1000
"""The most filed plans of a year a grant may name (the newest first; the form's long select narrows as
one types)."""


async def filed_plans(principal: Principal, year: int) -> GrantBases:
    """The passed plans of ``year`` a grant of practice activities may name (学分授予需与备案计划核对): the
    institution's own for its administrator, the district's for the district, every one for the commission."""
    rows = (
        await ActivityPlan.select(
            ActivityPlan.id,
            ActivityPlan.name,
            ActivityPlan.plan_type,
            ActivityPlan.activity_form,
            ActivityPlan.institution.name.as_alias("institution_name"),
        )
        .where(
            (ActivityPlan.status == PlanStatus.APPROVED.value)
            & (ActivityPlan.year == year)
            & _visible(principal)
        )
        .order_by(ActivityPlan.id, ascending=False)
        .limit(MAX_BASES)
    )
    return GrantBases(
        kind=SUBJECT_TYPE,
        label="备案计划",
        choices=[
            GrantBasis(
                id=int(r["id"]),
                label=f"{r['name']}（{r['institution_name']}，{r['plan_type']}，{r['activity_form']}）",
            )
            for r in rows
        ],
        missing=f"没有{year}年度审核通过的教学活动计划，"
        + (
            "请先在“教学活动计划上传”上传计划，经主管部门审核通过后再授分"
            if _own_institutions(principal)
            else "请待单位上传的计划审核通过后再授分"
        ),
    )
