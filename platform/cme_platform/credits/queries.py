"""Reading the credit ledger: one record with its evidence and review history, lists with totals.

Lists load a page of records with their names in one query, their evidence in a second, and the totals
of the whole filtered list by category in one aggregate query; nothing is loaded per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pluggy
from piccolo.query.functions.aggregate import Count, Sum

from cme_platform import clock, pii
from cme_platform.approvals import engine
from cme_platform.approvals.access import may_decide
from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.credits import status
from cme_platform.credits.access import is_admin, visible_clause
from cme_platform.credits.policy import OTHER_CATEGORY
from cme_platform.credits.schemas import (
    ApprovalOut,
    CategoryTotal,
    CreditFilter,
    CreditOut,
    CreditPage,
    EvidenceOut,
    StateTotal,
    Totals,
)
from cme_platform.credits.sources import CreditSource
from cme_platform.credits.tables import CreditEvidence, CreditRecord
from cme_platform.db.paging import and_all, starts_with
from cme_platform.errors import NotFound
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.orgs.access import OrgAccess
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.pii_search import charge_search, resolve_keyword
from cme_platform.plugins.manager import get_plugin_manager, tenant_hooks
from cme_platform.standards.amounts import format_credits
from cme_platform.tenancy.scope import current_tenant

"""How lists name where a record came from."""

NOT_FOUND = "学分记录不存在"


def _columns() -> list[Any]:
    return [
        *CreditRecord.all_columns(),
        CreditRecord.person.name.as_alias("person_name"),
        CreditRecord.person.person_number.as_alias("person_number"),
        CreditRecord.person.account.as_alias("person_account"),
        CreditRecord.institution.name.as_alias("institution_name"),
        CreditRecord.institution.region.as_alias("region"),
        CreditRecord.department.name.as_alias("department_name"),
        CreditRecord.entered_by.display_name.as_alias("entered_by_name"),
    ]


def record_query(where: Any) -> Any:
    """A select of records with the names lists show (JSON columns decoded), filtered by ``where``."""
    query = CreditRecord.select(*_columns()).output(load_json=True)
    return query.where(where) if where is not None else query


async def record_row(record_id: int) -> dict[str, Any] | None:
    """The stored record ``record_id`` of the active tenant with its names (no access check)."""
    return await record_query(CreditRecord.id == record_id).first()


def format_hours(hundredths: int) -> str:
    """Hours as people write them: ``1500`` → ``"15"``, ``750`` → ``"7.5"``."""
    return format_credits(hundredths)


def reaches(principal: Principal, row: dict[str, Any]) -> bool:
    """True when the account administers the record's units."""
    if not is_admin(principal):
        return False
    org = OrgAccess.of(principal)
    return (
        org.tenant_wide
        or row["institution"] in org.institution_ids
        or (row["region"] is not None and row["region"] in org.region_ids)
        or (row["department"] is not None and row["department"] in org.department_ids)
    )


def owns(principal: Principal, row: dict[str, Any]) -> bool:
    """True when the record is the learner's own."""
    return principal.has_any(Role.LEARNER) and row["person_account"] == principal.account_id


def may_edit(principal: Principal, row: dict[str, Any]) -> bool:
    """True when the caller may change or delete the record now (not whether it is effective)."""
    if reaches(principal, row):
        return row["status"] in status.NOT_EFFECTIVE_EDITABLE_BY_ADMIN
    return owns(principal, row) and row["status"] in status.EDITABLE


def to_out(
    row: dict[str, Any],
    principal: Principal,
    today: date,
    evidence: Sequence[EvidenceOut] = (),
    approval: ApprovalOut | None = None,
) -> CreditOut:
    """The API view of a selected record for the caller (his edit, submit and correct rights set)."""
    editable = may_edit(principal, row)
    return CreditOut(
        id=row["id"],
        person_id=row["person"],
        person_name=row["person_name"] or "",
        person_number=row["person_number"] or "",
        institution_id=row["institution"],
        institution_name=row["institution_name"] or "",
        department_id=row["department"],
        department_name=row["department_name"] or "",
        year=row["year"],
        activity_date=row["activity_date"],
        activity_name=row["activity_name"],
        activity_number=row["activity_number"],
        source=row["source"],
        source_label=CreditSource.label_of(row["source"]),
        entry_mode=row["entry_mode"],
        category=row["category"],
        subcategory=row["subcategory"],
        discipline=row["discipline"],
        subdiscipline=row["subdiscipline"],
        form=row["form"],
        role=row["role"],
        hours=row["hours"],
        hours_text=format_hours(row["hours"]),
        credits=row["credits"],
        credits_text=format_credits(row["credits"]),
        issuer=row["issuer"],
        standard_code=row["standard_code"],
        inputs=dict(row["inputs"] or {}),
        explanation=list(row["explanation"] or []),
        note=row["note"],
        status=row["status"],
        status_label=status.status_label(row["status"], row["effective_on"], today),
        effective=status.is_effective(row["status"], row["effective_on"], today),
        effective_on=row["effective_on"],
        review_comment=row["review_comment"],
        correction_reason=row["correction_reason"],
        entered_by_name=row["entered_by_name"] or "",
        created_at=row["created_at"],
        submitted_at=row["submitted_at"],
        decided_at=row["decided_at"],
        can_edit=editable,
        can_submit=editable and row["status"] in status.EDITABLE and bool(evidence),
        can_correct=principal.has_any(Role.COMMISSION_ADMIN) and row["status"] == status.APPROVED,
        evidence=list(evidence),
        approval=approval,
    )


async def evidence_of(record_ids: Sequence[int]) -> dict[int, list[EvidenceOut]]:
    """The evidence files of the records, by record id (one query)."""
    if not record_ids:
        return {}
    rows = await (
        CreditEvidence.select(
            CreditEvidence.record,
            CreditEvidence.file,
            CreditEvidence.file.original_name.as_alias("name"),
            CreditEvidence.file.content_type.as_alias("content_type"),
            CreditEvidence.file.size.as_alias("size"),
        )
        .where(CreditEvidence.record.is_in(list(record_ids)))
        .order_by(CreditEvidence.id)
    )
    found: dict[int, list[EvidenceOut]] = {}
    for r in rows:
        found.setdefault(r["record"], []).append(
            EvidenceOut(
                file_id=r["file"],
                name=r["name"] or "",
                content_type=r["content_type"] or "",
                size=r["size"] or 0,
            )
        )
    return found


async def approval_of(request_id: int) -> ApprovalOut | None:
    """Where the record's review stands, with its history."""
    row = await ApprovalRequest.select().where(ApprovalRequest.id == request_id).first()
    if row is None:
        return None
    request = engine.RequestRow.of(row)
    return ApprovalOut(
        request_id=request.id,
        chain=request.chain,
        status=request.status,
        status_label=request.status_label,
        step=request.step,
        step_label=request.step_label,
        steps=[s["label"] for s in request.steps],
        version=request.version,
        history=await engine.history(request.id),
    )


async def is_pending_approver(principal: Principal, request_id: int | None) -> bool:
    """True when the record's pending review step waits for the caller."""
    if request_id is None:
        return False
    row = await ApprovalRequest.select().where(ApprovalRequest.id == request_id).first()
    return row is not None and may_decide(principal, engine.RequestRow.of(row))


async def visible_row(principal: Principal, record_id: int) -> dict[str, Any]:
    """The record if the caller may see it (own, administered, or waiting for his decision), else 404."""
    row = await record_row(record_id)
    if row is None:
        raise NotFound(NOT_FOUND)
    if owns(principal, row) or reaches(principal, row):
        return row
    if await is_pending_approver(principal, row["approval"]):
        return row
    raise NotFound(NOT_FOUND)


async def detail(principal: Principal, row: dict[str, Any]) -> CreditOut:
    """The full view of a record the caller may see: evidence and review history included."""
    evidence = (await evidence_of([row["id"]])).get(row["id"], [])
    approval = await approval_of(row["approval"]) if row["approval"] else None
    return to_out(row, principal, clock.today(), evidence, approval)


async def get_record(principal: Principal, record_id: int) -> CreditOut:
    """One record with its evidence and review history; 404 when the caller may not see it."""
    return await detail(principal, await visible_row(principal, record_id))


def _keyword_clause(filters: CreditFilter) -> Any:
    if not filters.q:
        return None
    person = CreditRecord.person
    if filters.q_field == "id_number":
        return person.id_hash == pii.lookup_hash(resolve_keyword("id_number", filters.q.strip()))
    if filters.q_field == "person_number":
        return person.person_number == filters.q.strip()
    if filters.q_field == "phone":
        return person.phone == resolve_keyword("phone", filters.q.strip())
    return starts_with(person.name, filters.q)


def _status_clause(value: str | None, today: date) -> Any:
    if value is None:
        return None
    if value == "effective":
        return status.effective_clause(today)
    if value == "approved":
        return (CreditRecord.status == status.APPROVED) & (
            CreditRecord.effective_on.is_null() | (CreditRecord.effective_on > today)
        )
    return CreditRecord.status == value


def filter_clause(principal: Principal, filters: CreditFilter, today: date) -> Any:
    """The where-clause of the records ``filters`` select within the caller's reach."""
    return and_all(
        visible_clause(principal),
        (CreditRecord.person == filters.person_id) if filters.person_id else None,
        _keyword_clause(filters),
        (CreditRecord.activity_date >= filters.date_from) if filters.date_from else None,
        (CreditRecord.activity_date <= filters.date_to) if filters.date_to else None,
        (CreditRecord.year == filters.year) if filters.year else None,
        _status_clause(filters.status, today),
        (CreditRecord.source == filters.source) if filters.source else None,
        (CreditRecord.category == filters.category) if filters.category else None,
        (CreditRecord.institution == filters.institution_id) if filters.institution_id else None,
        (CreditRecord.department == filters.department_id) if filters.department_id else None,
    )


def category_names(pm: pluggy.PluginManager | None, year: int) -> list[str]:
    """The tenant's category names of ``year`` (``pm``: the app's plugin manager, else the process's)."""
    return [
        c.name
        for c in tenant_hooks(pm or get_plugin_manager(), current_tenant()).cme_credit_categories(year=year)
    ]


STATES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("effective", status.EFFECTIVE_LABEL, frozenset()),
    ("pending", "待生效", frozenset({status.APPROVED})),
    ("review", "审核中", frozenset({status.SUBMITTED, status.IN_REVIEW})),
    ("unsubmitted", "未上报", frozenset({status.DRAFT, status.RETURNED})),
    ("rejected", status.CreditStatus.REJECTED.label, frozenset({status.REJECTED})),
)
"""The states a list's totals are split by: what counts today, then what may still count. ``pending``
is approved but not yet in effect (the approved records less the effective ones)."""


async def _sums(where: Any, by: Any) -> list[dict[str, Any]]:
    query = CreditRecord.select(
        by,
        Sum(CreditRecord.credits, alias="credits"),
        Sum(CreditRecord.hours, alias="hours"),
        Count(alias="n"),
    ).group_by(by)
    return list(await (query.where(where) if where is not None else query))


async def totals(where: Any, names: Sequence[str], today: date) -> Totals:
    """Credits and hours of the records ``where`` selects that are in effect ``today``, by category (the
    categories ``names`` first, zero when absent; everything else as 其他), and every record by state."""
    counting = status.effective_clause(today)
    sums: dict[str, list[int]] = {name: [0, 0] for name in names}
    sums.setdefault(OTHER_CATEGORY, [0, 0])
    effective = [0, 0, 0]  # records, credits, hours
    for r in await _sums(counting if where is None else where & counting, CreditRecord.category):
        key = r["category"] if r["category"] in sums and r["category"] != OTHER_CATEGORY else OTHER_CATEGORY
        c, h = int(r["credits"] or 0), int(r["hours"] or 0)
        sums[key][0] += c
        sums[key][1] += h
        effective = [effective[0] + int(r["n"]), effective[1] + c, effective[2] + h]
    by_status = {
        r["status"]: (int(r["n"]), int(r["credits"] or 0)) for r in await _sums(where, CreditRecord.status)
    }
    by_state = []
    for state, label, statuses in STATES:
        records = sum(by_status.get(s, (0, 0))[0] for s in statuses)
        credits = sum(by_status.get(s, (0, 0))[1] for s in statuses)
        if state == "effective":
            records, credits = effective[0], effective[1]
        elif state == "pending":
            records, credits = records - effective[0], credits - effective[1]
        if records:
            by_state.append(
                StateTotal(
                    state=state,
                    label=label,
                    records=records,
                    credits=credits,
                    credits_text=format_credits(credits),
                )
            )
    return Totals(
        records=sum(n for n, _ in by_status.values()),
        credits=effective[1],
        credits_text=format_credits(effective[1]),
        hours=effective[2],
        hours_text=format_hours(effective[2]),
        by_category=[
            CategoryTotal(
                category=name, credits=c, credits_text=format_credits(c), hours=h, hours_text=format_hours(h)
            )
            for name, (c, h) in sums.items()
        ],
        by_state=by_state,
    )


async def list_records(
    principal: Principal,
    filters: CreditFilter,
    page: int = 1,
    page_size: int = 20,
    *,
    pm: pluggy.PluginManager | None = None,
) -> CreditPage:
    """A page of the records ``filters`` select (newest activity first) and the totals of them all.

    Learners see their own records, administrators those of their units. ``pm`` names the tenant's
    categories in the totals (without it every category is summed as 其他 except those present). A
    search by full ID number or phone is first counted and audited (:func:`charge_search`).
    """
    await charge_search(PersonAccess.of(principal), filters.q_field, filters.q)
    today = clock.today()
    where = filter_clause(principal, filters, today)
    query = (
        record_query(where)
        .order_by(CreditRecord.activity_date, ascending=False)
        .order_by(CreditRecord.id, ascending=False)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = await query
    evidence = await evidence_of([r["id"] for r in rows])
    items = [to_out(r, principal, today, evidence.get(r["id"], [])) for r in rows]
    names = category_names(pm, filters.year or today.year)
    summary = await totals(where, names, today)
    return CreditPage(items=items, total=summary.records, page=page, page_size=page_size, totals=summary)
