"""Entering and changing personal credits: the entry right, validation, records and their evidence.

A learner enters his own credits where the province lets him (``learner_entry``: never, granted by his
institution or department, always); administrators enter credits for the people they reach. Guided
entry (向导录入) computes the credits through the province's standard; free entry (非向导录入) takes
them by hand within the province's categories. Every problem is reported per field in Chinese and
nothing is stored; every change is audited. Effective records are changed only by the commission's
correction (:func:`correct_record`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pluggy

from cme_platform import clock
from cme_platform.approvals import engine
from cme_platform.approvals.schemas import BatchDone, Skipped
from cme_platform.audit.service import record
from cme_platform.credits import ledger, status
from cme_platform.credits.access import acting_role, is_admin, own_person, person_for_admin
from cme_platform.credits.disciplines import check_discipline, discipline_tree
from cme_platform.credits.policy import CreditCategory, EntryPolicy
from cme_platform.credits.queries import (
    detail,
    owns,
    reaches,
    record_row,
    visible_row,
)
from cme_platform.credits.review import open_review
from cme_platform.credits.schemas import (
    Correction,
    CreditIn,
    CreditOut,
    EntryOptions,
    GuidedInputs,
)
from cme_platform.credits.sources import CreditSource
from cme_platform.credits.tables import CreditEvidence, CreditRecord, SelfEntryGrant
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.files.tables import StoredFile
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.plugins.manager import get_plugin_manager, tenant_hooks
from cme_platform.standards.engine import Context, Inputs, StandardInputError, compute
from cme_platform.tenancy.scope import current_tenant

EARLIEST_DATE = date(2000, 1, 1)
MAX_CREDITS = 100
MAX_HOURS = 2000
MAX_EVIDENCE = 10
EVIDENCE_PURPOSE = "evidence"

NEVER_REASON = "本省个人学分由单位管理员录入，学员不能自行录入"
NOT_GRANTED_REASON = "您所在单位（科室）尚未开通个人学分录入权限，请联系单位管理员开通"
NO_PERSON_REASON = "您的账号没有关联人员信息，请联系单位管理员"
EFFECTIVE_MESSAGE = "已生效的学分不能修改，如需更正请联系省继教委"
APPROVED_MESSAGE = "已审核通过的学分不能修改，如需更正请联系省继教委"
CHECK_FIELDS = "请检查标注的字段"
ZERO_CREDITS = "按该标准计算的学分为0（可能已达年度上限），不能录入"

_AUDITED = (
    "activity_name",
    "activity_date",
    "activity_number",
    "category",
    "subcategory",
    "credits",
    "hours",
    "standard_code",
    "discipline",
    "subdiscipline",
    "form",
    "issuer",
    "note",
)


# -- the entry right -------------------------------------------------------------------------------


async def _granted(person: dict[str, Any]) -> bool:
    clause: Any = SelfEntryGrant.department.is_null()
    if person["department"] is not None:
        clause = clause | (SelfEntryGrant.department == person["department"])
    return await SelfEntryGrant.exists().where((SelfEntryGrant.institution == person["institution"]) & clause)


async def learner_refusal(policy: EntryPolicy, person: dict[str, Any] | None) -> str:
    """Why the learner may not enter his own credits (Chinese), or ``""`` when he may."""
    if person is None:
        return NO_PERSON_REASON
    if policy.learner_entry == "never":
        return NEVER_REASON
    if policy.learner_entry == "granted" and not await _granted(person):
        return NOT_GRANTED_REASON
    return ""


async def entry_options(pm: pluggy.PluginManager, principal: Principal, year: int) -> EntryOptions:
    """What the entry forms offer the caller in ``year``, and whether (and why not) he may enter."""
    tenant = current_tenant()
    policy = tenant_hooks(pm, tenant).cme_credit_entry_policy()
    if is_admin(principal):
        reason = ""
    elif principal.has_any(Role.LEARNER):
        reason = await learner_refusal(policy, await own_person(principal))
    else:
        reason = "您的账号不能录入学分"
    return EntryOptions(
        may_enter=not reason,
        reason=reason,
        guided=policy.guided,
        free=policy.free,
        categories=[
            {"name": c.name, "subcategories": list(c.subcategories)}
            for c in tenant_hooks(pm, tenant).cme_credit_categories(year=year)
        ],
        forms=list(policy.forms),
        disciplines=discipline_tree(current_tenant()),
    )


# -- validation ------------------------------------------------------------------------------------


def amount(
    value: Decimal, field: str, label: str, maximum: int, errors: list[FieldError], *, positive: bool
) -> int:
    """Hundredths of a decimal amount, or 0 after adding the field's error (≤ 2 decimals, in range)."""
    if not value.is_finite():
        errors.append(FieldError(field, f"{label}不是有效的数"))
    elif value < 0:
        errors.append(FieldError(field, f"{label}不能为负数"))
    elif positive and value == 0:
        errors.append(FieldError(field, f"{label}必须大于0"))
    elif value > maximum:
        errors.append(FieldError(field, f"{label}不能超过{maximum}"))
    elif value != value.quantize(Decimal("0.01")):
        errors.append(FieldError(field, f"{label}最多保留两位小数"))
    else:
        return int(value * 100)
    return 0


def check_date(day: date, errors: list[FieldError]) -> None:
    """Add an error when the activity date is in the future or before 2000."""
    if day > clock.today():
        errors.append(FieldError("activity_date", "活动日期不能晚于今天"))
    elif day < EARLIEST_DATE:
        errors.append(FieldError("activity_date", "活动日期不能早于2000年1月1日"))


def check_category(
    categories: list[CreditCategory], category: str, subcategory: str, errors: list[FieldError]
) -> None:
    """Add errors when the category is not the province's or the subcategory not one of its list."""
    if not category.strip():
        errors.append(FieldError("category", "请选择学分类别"))
        return
    if not categories:
        return
    found = next((c for c in categories if c.name == category), None)
    if found is None:
        errors.append(FieldError("category", f"没有“{category}”这个学分类别"))
    elif found.subcategories and subcategory not in found.subcategories:
        message = "请选择学分子类别" if not subcategory else f"“{subcategory}”不是{category}的子类别"
        errors.append(FieldError("subcategory", message))


async def _earned(person_id: int, year: int, subcategory: str, exclude: int | None) -> int:
    """The person's other non-rejected credits of ``year`` in ``subcategory`` (for yearly caps)."""
    where: Any = (
        (CreditRecord.person == person_id)
        & (CreditRecord.year == year)
        & (CreditRecord.subcategory == subcategory)
        & (CreditRecord.status != status.REJECTED)
    )
    if exclude is not None:
        where = where & (CreditRecord.id != exclude)
    rows = await CreditRecord.select(CreditRecord.credits).where(where)
    return sum(int(r["credits"]) for r in rows)


def _inputs_json(inputs: GuidedInputs) -> dict[str, Any]:
    return {
        k: str(v) if isinstance(v, Decimal) else v
        for k, v in msgspec.structs.asdict(inputs).items()
        if v is not None
    }


async def _guided(
    pm: pluggy.PluginManager,
    data: CreditIn,
    person_id: int,
    record_id: int | None,
    errors: list[FieldError],
) -> dict[str, Any]:
    standard = next(
        (
            s
            for s in tenant_hooks(pm, current_tenant()).cme_credit_standards(year=data.activity_date.year)
            if s.code == data.standard_code
        ),
        None,
    )
    if standard is None:
        errors.append(FieldError("standard_code", "没有这个授分标准"))
        return {}
    inputs = data.inputs or GuidedInputs()
    before = len(errors)
    hours = (
        amount(inputs.hours, "inputs.hours", "学时", MAX_HOURS, errors, positive=False)
        if inputs.hours is not None
        else 0
    )
    project = None
    if inputs.project_credits is not None:
        project = amount(
            inputs.project_credits, "inputs.project_credits", "项目学分", MAX_CREDITS, errors, positive=False
        )
    if len(errors) > before:
        return {}
    earned = 0
    if standard.yearly_cap is not None:
        earned = await _earned(person_id, data.activity_date.year, standard.subcategory, record_id)
    try:
        outcome = compute(
            standard,
            Inputs(
                hours=inputs.hours,
                days=inputs.days,
                occurrences=inputs.occurrences,
                author_rank=inputs.author_rank,
            ),
            Context(project_credits=project, earned_this_year=earned),
        )
    except StandardInputError as exc:
        field = "standard_code" if exc.field == "standard" else f"inputs.{exc.field}"
        errors.append(FieldError(field, exc.message))
        return {}
    if outcome.credits <= 0:
        errors.append(FieldError("standard_code", ZERO_CREDITS))
    return {
        "entry_mode": "guided",
        "standard_code": standard.code,
        "category": standard.category,
        "subcategory": standard.subcategory,
        "role": standard.role,
        "form": data.form or standard.form,
        "credits": outcome.credits,
        "hours": hours,
        "inputs": _inputs_json(inputs),
        "explanation": list(outcome.explanation),
    }


def _free(categories: list[CreditCategory], data: CreditIn, errors: list[FieldError]) -> dict[str, Any]:
    check_category(categories, data.category, data.subcategory, errors)
    if data.credits is None:
        errors.append(FieldError("credits", "请填写学分"))
        credits = 0
    else:
        credits = amount(data.credits, "credits", "学分", MAX_CREDITS, errors, positive=True)
    hours = (
        amount(data.hours, "hours", "学时", MAX_HOURS, errors, positive=False)
        if data.hours is not None
        else 0
    )
    return {
        "entry_mode": "free",
        "standard_code": "",
        "category": data.category.strip(),
        "subcategory": data.subcategory.strip(),
        "role": "participant",
        "form": data.form,
        "credits": credits,
        "hours": hours,
        "inputs": {},
        "explanation": [],
    }


async def _check_evidence(
    principal: Principal, ids: list[int], attached: set[int], errors: list[FieldError]
) -> list[int]:
    unique = list(dict.fromkeys(ids))
    if len(unique) > MAX_EVIDENCE:
        errors.append(FieldError("evidence_ids", f"证明材料最多{MAX_EVIDENCE}个"))
        return []
    if not unique:
        return []
    rows = await StoredFile.select(StoredFile.id, StoredFile.purpose, StoredFile.uploaded_by).where(
        StoredFile.id.is_in(unique)
    )
    found = {r["id"]: r for r in rows}
    for file_id in unique:
        row = found.get(file_id)
        if row is None or row["purpose"] != EVIDENCE_PURPOSE:
            errors.append(FieldError("evidence_ids", f"文件{file_id}不是证明材料，请重新上传"))
        elif row["uploaded_by"] != principal.account_id and file_id not in attached:
            errors.append(FieldError("evidence_ids", f"文件{file_id}不是您上传的证明材料"))
    return unique


async def _evidence_ids(record_id: int) -> list[int]:
    rows = await CreditEvidence.select(CreditEvidence.file).where(CreditEvidence.record == record_id)
    return [r["file"] for r in rows]


async def record_values(
    pm: pluggy.PluginManager,
    principal: Principal,
    data: CreditIn,
    person: dict[str, Any],
    record_id: int | None = None,
) -> tuple[dict[str, Any], list[int]]:
    """The record's stored values and evidence ids from ``data``; InvalidInput listing every problem."""
    tenant = current_tenant()
    policy = tenant_hooks(pm, tenant).cme_credit_entry_policy()
    errors: list[FieldError] = []
    if not data.activity_name.strip():
        errors.append(FieldError("activity_name", "请填写活动名称"))
    check_date(data.activity_date, errors)
    if data.standard_code:
        if not policy.guided:
            errors.append(FieldError("standard_code", "本省未开放向导录入"))
        values = await _guided(pm, data, person["id"], record_id, errors)
    else:
        if not policy.free:
            errors.append(FieldError("category", "本省只能按授分标准向导录入"))
        values = _free(
            tenant_hooks(pm, tenant).cme_credit_categories(year=data.activity_date.year),
            data,
            errors,
        )
    if data.form and data.form not in policy.forms:
        errors.append(FieldError("form", f"举办方式“{data.form}”不在可选范围内"))
    problem = check_discipline(current_tenant(), data.discipline, data.subdiscipline)
    if problem:
        errors.append(FieldError("subdiscipline" if data.discipline else "discipline", problem))
    attached: set[int] = set()
    if record_id is not None:
        attached = set(await _evidence_ids(record_id))
    evidence = await _check_evidence(principal, data.evidence_ids, attached, errors)
    if data.submit and not data.evidence_ids:
        errors.append(FieldError("evidence_ids", "上报前请上传至少一个证明材料"))
    if errors:
        raise InvalidInput(CHECK_FIELDS, errors)
    values.update(
        activity_name=data.activity_name.strip(),
        activity_date=data.activity_date,
        activity_number=data.activity_number.strip(),
        year=data.activity_date.year,
        discipline=data.discipline,
        subdiscipline=data.subdiscipline,
        issuer=data.issuer.strip(),
        note=data.note.strip(),
    )
    return values, evidence


# -- creating and changing records -----------------------------------------------------------------


async def _target(
    pm: pluggy.PluginManager, principal: Principal, person_id: int | None
) -> tuple[dict[str, Any], str]:
    """The person a new record is for and the role the caller enters it in (checks the entry right)."""
    own = await own_person(principal)
    if person_id is None or (own is not None and own["id"] == person_id):
        if own is None:
            if is_admin(principal):
                raise InvalidInput(CHECK_FIELDS, [FieldError("person_id", "请选择要录入学分的人员")])
            raise Forbidden(NO_PERSON_REASON)
        reason = await learner_refusal(tenant_hooks(pm, current_tenant()).cme_credit_entry_policy(), own)
        if reason:
            raise Forbidden(reason)
        return own, Role.LEARNER.value
    found = await person_for_admin(principal, person_id)
    if found is None:
        raise NotFound("人员不存在")
    return found[0], found[1].value


async def _attach(record_id: int, file_ids: list[int]) -> None:
    await CreditEvidence.delete().where(CreditEvidence.record == record_id)
    if file_ids:
        await CreditEvidence.insert(*(CreditEvidence(record=record_id, file=f) for f in file_ids))


def _acting_as(principal: Principal, row: dict[str, Any]) -> str:
    role = acting_role(principal, row["institution"], row["department"], row["region"])
    if role is not None:
        return role.value
    return Role.LEARNER.value


async def create_record(pm: pluggy.PluginManager, principal: Principal, data: CreditIn) -> CreditOut:
    """Enter a personal credit (and send it for review when ``data.submit``), all or nothing; audited.

    The record is posted through the ledger as a draft of source ``personal``.
    """
    person, entered_as = await _target(pm, principal, data.person_id)
    values, evidence = await record_values(pm, principal, data, person)
    async with write_transaction(CreditRecord):
        fields = {k: v for k, v in values.items() if k != "year"}
        posting = ledger.Posting(person_id=person["id"], source=CreditSource.PERSONAL, **fields)
        record_id, _ = await ledger.post(pm, principal, posting, granted=False, entered_as=entered_as)
        await _attach(record_id, evidence)
        await record(
            "credits.record.create",
            object_type="credit_record",
            object_id=record_id,
            summary=f"录入学分：{person['name']} {values['activity_name']}",
            after={k: _audit_value(values[k]) for k in _AUDITED} | {"evidence_ids": evidence},
        )
        row = await record_row(record_id)
        assert row is not None
        if data.submit:
            await open_review(pm, principal, row, _acting_as(principal, row))
    return await detail(principal, await _reload(record_id))


async def _reload(record_id: int) -> dict[str, Any]:
    row = await record_row(record_id)
    if row is None:
        raise NotFound("学分记录不存在")
    return row


def _audit_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def refuse_change(principal: Principal, row: dict[str, Any]) -> None:
    """Raise why the caller may not change or delete the record now (409 / 403); pass when he may."""
    if row["status"] == status.APPROVED:
        today = clock.today()
        effective = status.is_effective(row["status"], row["effective_on"], today)
        raise Conflict(EFFECTIVE_MESSAGE if effective else APPROVED_MESSAGE, code="record_effective")
    if reaches(principal, row):
        if row["status"] not in status.NOT_EFFECTIVE_EDITABLE_BY_ADMIN:
            raise Conflict("该学分当前不能修改")
        return
    if owns(principal, row):
        if row["status"] not in status.EDITABLE:
            raise Conflict("只有未上报或已退回的学分可以修改或删除", code="record_locked")
        return
    raise Forbidden("没有权限修改该学分")


async def update_record(
    pm: pluggy.PluginManager, principal: Principal, record_id: int, data: CreditIn
) -> CreditOut:
    """Change a record the caller may still change (recomputed; evidence list replaced); audited."""
    row = await visible_row(principal, record_id)
    refuse_change(principal, row)
    if data.person_id is not None and data.person_id != row["person"]:
        raise InvalidInput(CHECK_FIELDS, [FieldError("person_id", "不能更改学分所属的人员")])
    if not reaches(principal, row):
        reason = await learner_refusal(
            tenant_hooks(pm, current_tenant()).cme_credit_entry_policy(),
            await own_person(principal),
        )
        if reason:
            raise Forbidden(reason)
    person = {"id": row["person"], "institution": row["institution"], "department": row["department"]}
    values, evidence = await record_values(pm, principal, data, person, record_id)
    async with write_transaction(CreditRecord):
        current = await _reload(record_id)
        if current["status"] != row["status"]:
            raise Conflict("该学分的状态已变化，请刷新后再修改")
        changed = {k: v for k, v in values.items() if current[k] != v}
        await CreditRecord.update({**changed, CreditRecord.updated_at: datetime.now(UTC)}).where(
            CreditRecord.id == record_id
        )
        old_ids = await _evidence_ids(record_id)
        await _attach(record_id, evidence)
        before = {k: _audit_value(current[k]) for k in changed if k in _AUDITED}
        after = {k: _audit_value(changed[k]) for k in changed if k in _AUDITED}
        if old_ids != evidence:
            before["evidence_ids"], after["evidence_ids"] = old_ids, evidence
        await record(
            "credits.record.update",
            object_type="credit_record",
            object_id=record_id,
            summary=f"修改学分：{row['person_name'] or ''} {values['activity_name']}",
            before=before,
            after=after,
        )
        if data.submit and current["status"] in status.EDITABLE:
            await open_review(pm, principal, await _reload(record_id), _acting_as(principal, row))
    return await detail(principal, await _reload(record_id))


async def delete_record(principal: Principal, record_id: int) -> None:
    """Delete a record the caller may still change; a record under review withdraws its request."""
    row = await visible_row(principal, record_id)
    refuse_change(principal, row)
    async with write_transaction(CreditRecord):
        current = await _reload(record_id)
        if current["status"] != row["status"]:
            raise Conflict("该学分的状态已变化，请刷新后再操作")
        if current["approval"] and current["status"] in status.UNDER_REVIEW:
            await engine.withdraw(current["approval"], principal, "学分记录已删除")
        await CreditEvidence.delete().where(CreditEvidence.record == record_id)
        await CreditRecord.delete().where(CreditRecord.id == record_id)
        await record(
            "credits.record.delete",
            object_type="credit_record",
            object_id=record_id,
            summary=f"删除学分：{row['person_name'] or ''} {row['activity_name']}",
            before={k: _audit_value(row[k]) for k in (*_AUDITED, "status")},
        )


async def submit_records(pm: pluggy.PluginManager, principal: Principal, ids: list[int]) -> BatchDone:
    """Send the caller's draft or returned records with evidence for review (批量上报); others skipped.

    404 when none of ``ids`` is a record of the caller's.
    """
    done: list[int] = []
    skipped: list[Skipped] = []
    if not any([await _reachable(principal, i) for i in dict.fromkeys(ids)]):
        raise NotFound("学分记录不存在")
    for record_id in dict.fromkeys(ids):
        reason = await _submit_one(pm, principal, record_id)
        if reason:
            row = await record_row(record_id)
            title = f"{row['person_name'] or ''}：{row['activity_name']}" if row else "一条无权查看的记录"
            skipped.append(Skipped(id=record_id, title=title, reason=reason))
        else:
            done.append(record_id)
    return BatchDone(done=done, skipped=skipped)


async def _reachable(principal: Principal, record_id: int) -> bool:
    row = await record_row(record_id)
    return row is not None and (owns(principal, row) or reaches(principal, row))


async def _submit_one(pm: pluggy.PluginManager, principal: Principal, record_id: int) -> str:
    """Send one record for review in its own transaction; the reason (Chinese) when it cannot go."""
    row = await record_row(record_id)
    if row is None or not (owns(principal, row) or reaches(principal, row)):
        return "学分记录不存在"
    if row["status"] not in status.EDITABLE:
        return "只有未上报或已退回的学分可以上报"
    if not reaches(principal, row):
        reason = await learner_refusal(
            tenant_hooks(pm, current_tenant()).cme_credit_entry_policy(),
            await own_person(principal),
        )
        if reason:
            return reason
    if not await CreditEvidence.exists().where(CreditEvidence.record == record_id):
        return "请先上传证明材料"
    async with write_transaction(CreditRecord):
        request = await open_review(pm, principal, row, _acting_as(principal, row))
    return "" if request is not None else "该学分的状态已变化，请刷新后查看"


# -- the commission's correction -------------------------------------------------------------------


async def correct_record(
    principal: Principal, record_id: int, data: Correction, *, pm: pluggy.PluginManager | None = None
) -> CreditOut:
    """Correct an approved record (commission administrators only, with a reason); audited.

    ``pm`` is the plugin manager that names the province's categories (default: the process's).
    """
    if not principal.has_any(Role.COMMISSION_ADMIN):
        raise Forbidden("只有省继教委管理用户可以更正已审核的学分")
    row = await _reload(record_id)
    if row["status"] != status.APPROVED:
        raise Conflict("只有审核通过的学分需要更正，其余学分请直接修改")
    errors: list[FieldError] = []
    reason = data.reason.strip()
    if not reason:
        errors.append(FieldError("reason", "请填写更正原因"))
    changes: dict[str, Any] = {}
    if data.activity_name is not None:
        if not data.activity_name.strip():
            errors.append(FieldError("activity_name", "请填写活动名称"))
        changes["activity_name"] = data.activity_name.strip()
    if data.activity_date is not None:
        check_date(data.activity_date, errors)
        changes["activity_date"] = data.activity_date
        changes["year"] = data.activity_date.year
    if data.credits is not None:
        changes["credits"] = amount(data.credits, "credits", "学分", MAX_CREDITS, errors, positive=True)
    if data.hours is not None:
        changes["hours"] = amount(data.hours, "hours", "学时", MAX_HOURS, errors, positive=False)
    if data.category is not None or data.subcategory is not None:
        category = data.category if data.category is not None else row["category"]
        subcategory = data.subcategory if data.subcategory is not None else row["subcategory"]
        year = changes.get("year", row["year"])
        check_category(
            tenant_hooks(pm or get_plugin_manager(), current_tenant()).cme_credit_categories(year=year),
            category,
            subcategory,
            errors,
        )
        changes["category"], changes["subcategory"] = category.strip(), subcategory.strip()
    if errors:
        raise InvalidInput(CHECK_FIELDS, errors)
    changed = {k: v for k, v in changes.items() if row[k] != v}
    async with write_transaction(CreditRecord):
        await CreditRecord.update(
            {**changed, "correction_reason": reason, CreditRecord.updated_at: datetime.now(UTC)}
        ).where(CreditRecord.id == record_id)
        # the old and the new year: a corrected date may move the credit out of a year's sums
        await ledger.announce(pm or get_plugin_manager(), "corrected", [row, {**row, **changed}])
        await record(
            "credits.record.correct",
            object_type="credit_record",
            object_id=record_id,
            summary=f"更正学分：{row['person_name'] or ''} {row['activity_name']}（{reason[:100]}）",
            before={k: _audit_value(row[k]) for k in changed},
            after={k: _audit_value(v) for k, v in changed.items()} | {"reason": reason},
        )
    return await detail(principal, await _reload(record_id))
