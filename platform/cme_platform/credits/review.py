"""Sending credit records for review and following the approvers' decisions.

A record is sent (上报) by opening an approval request with the chain the province chooses; the
:class:`CreditSubject` handler registered here (subject type ``credit``) moves the record with every
decision, inside the decision's transaction: in review after a step, approved (effective from the date
the province says) at the end, or rejected / returned with the approver's comment. The approver's inbox
and the decision services wrap :mod:`cme_platform.approvals.engine` for credits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pluggy

from cme_platform import clock
from cme_platform.api.errors import NotFound
from cme_platform.approvals import engine
from cme_platform.approvals.access import inbox_clause, may_see
from cme_platform.approvals.chains import ApprovalSubject
from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.audit.service import record
from cme_platform.credits import status
from cme_platform.credits.queries import detail, evidence_of, record_query, record_row, to_out
from cme_platform.credits.schemas import (
    BatchDecisionIn,
    BatchDone,
    CreditOut,
    DecisionIn,
    InboxItem,
    InboxPage,
)
from cme_platform.credits.tables import CreditRecord
from cme_platform.db.paging import and_all
from cme_platform.identity.principal import Principal
from cme_platform.plugins.manager import HookAnswerError, tenant_hooks
from cme_platform.tenancy.scope import current_tenant

SUBJECT_TYPE = "credit"
"""The approval engine's subject type of credit records."""

NOT_FOUND_REQUEST = "审核事项不存在"

SUBJECT_KIND = "credit.personal"
"""The kind a province's chain hook sees for a personal credit record."""

OUTCOME_ACTIONS = {
    "advanced": "credits.record.approve_step",
    "approved": "credits.record.approve",
    "rejected": "credits.record.reject",
    "returned": "credits.record.return",
}
OUTCOME_STATUS = {
    "advanced": status.IN_REVIEW,
    "approved": status.APPROVED,
    "rejected": status.REJECTED,
    "returned": status.RETURNED,
}


def subject_of(row: dict[str, Any], entered_as: str) -> ApprovalSubject:
    """The facts a province chooses a chain and an effective date by."""
    return ApprovalSubject(
        kind=SUBJECT_KIND,
        entered_as=entered_as,
        attributes={
            "category": row["category"],
            "subcategory": row["subcategory"],
            "standard_code": row["standard_code"],
            "source": row["source"],
        },
    )


async def open_review(
    pm: pluggy.PluginManager, principal: Principal, row: dict[str, Any], acting_as: str
) -> engine.RequestRow | None:
    """Send a draft or returned record for review (caller's transaction); ``None`` if it moved meanwhile.

    ``acting_as`` is the role the sender acts in (``learner``, ``department_admin``…): the province's
    chain depends on it (a department administrator's entry needs no department review).
    """
    now = datetime.now(UTC)
    claimed = (
        await CreditRecord.update(
            {
                CreditRecord.status: status.SUBMITTED,
                CreditRecord.submitted_at: now,
                CreditRecord.decided_at: None,
                CreditRecord.review_comment: "",
                CreditRecord.effective_on: None,
                CreditRecord.updated_at: now,
            }
        )
        .where((CreditRecord.id == row["id"]) & CreditRecord.status.is_in(sorted(status.EDITABLE)))
        .returning(CreditRecord.id)
    )
    if not claimed:
        return None
    tenant = current_tenant()
    chain = tenant_hooks(pm, tenant).cme_approval_chain(subject=subject_of(row, acting_as))
    request = await engine.open_request(
        subject_type=SUBJECT_TYPE,
        subject_id=row["id"],
        chain=chain,
        title=f"{row['person_name'] or ''}：{row['activity_name']}",
        institution_id=row["institution"],
        department_id=row["department"],
        region_id=row["region"],
        principal=principal,
    )
    await CreditRecord.update({CreditRecord.approval: request.id}).where(CreditRecord.id == row["id"])
    await record(
        "credits.record.submit",
        object_type="credit_record",
        object_id=row["id"],
        summary=f"上报学分：{row['person_name'] or ''} {row['activity_name']}",
        before={"status": row["status"]},
        after={
            "status": status.SUBMITTED,
            "request_id": request.id,
            "chain": chain.code,
            "steps": [s["label"] for s in request.steps],
        },
    )
    return request


def effective_on(pm: pluggy.PluginManager, subject: ApprovalSubject, approved_on: date) -> date:
    """The day a credit approved on ``approved_on`` starts to count; a province's earlier date raises."""
    tenant = current_tenant()
    day: date = tenant_hooks(pm, tenant).cme_credit_effective_on(subject=subject, approved_on=approved_on)
    if day < approved_on:
        raise HookAnswerError(f"cme_credit_effective_on answered {day}, before the approval on {approved_on}")
    return day


class CreditSubject:
    """Moves a credit record with the decisions on its approval request (subject type ``credit``)."""

    async def decided(
        self,
        pm: pluggy.PluginManager,
        request: engine.RequestRow,
        outcome: engine.Outcome,
        comment: str,
        principal: Principal,
    ) -> None:
        """Apply ``outcome`` to the record of ``request`` and audit the transition."""
        row = await record_row(request.subject_id)
        if row is None or row["approval"] != request.id:
            return
        now = datetime.now(UTC)
        new_status = OUTCOME_STATUS[outcome]
        changes: dict[Any, Any] = {CreditRecord.status: new_status, CreditRecord.updated_at: now}
        after: dict[str, Any] = {"status": new_status, "step": request.step_label}
        if outcome != "advanced":
            changes[CreditRecord.decided_at] = now
            changes[CreditRecord.review_comment] = comment
            after["comment"] = comment
        if outcome == "approved":
            subject = subject_of(row, row["entered_as"])
            day = effective_on(pm, subject, clock.today())
            changes[CreditRecord.effective_on] = day
            after["effective_on"] = day.isoformat()
        await CreditRecord.update(changes).where(CreditRecord.id == row["id"])
        await record(
            OUTCOME_ACTIONS[outcome],
            object_type="credit_record",
            object_id=row["id"],
            summary=f"{request.step_label}：{row['person_name'] or ''} {row['activity_name']}",
            before={"status": row["status"]},
            after=after,
        )


engine.register_subject(SUBJECT_TYPE, CreditSubject())


async def inbox(principal: Principal, page: int = 1, page_size: int = 20) -> InboxPage:
    """The credit records waiting for the caller's decision, oldest first (three queries in all)."""
    where = and_all(inbox_clause(principal), ApprovalRequest.subject_type == SUBJECT_TYPE)
    requests = await (
        ApprovalRequest.select()
        .where(where)
        .order_by(ApprovalRequest.submitted_at)
        .order_by(ApprovalRequest.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    total = await ApprovalRequest.count().where(where)
    rows = [engine.RequestRow.of(r) for r in requests]
    ids = [r.subject_id for r in rows]
    records = {r["id"]: r for r in await record_query(CreditRecord.id.is_in(ids or [0]))}
    evidence = await evidence_of(ids)
    today = clock.today()
    items = [
        InboxItem(
            request_id=r.id,
            version=r.version,
            step_label=r.step_label,
            submitted_at=r.submitted_at,
            record=to_out(records[r.subject_id], principal, today, evidence.get(r.subject_id, [])),
        )
        for r in rows
        if r.subject_id in records
    ]
    return InboxPage(items=items, total=total, page=page, page_size=page_size)


async def decide(
    pm: pluggy.PluginManager, principal: Principal, request_id: int, data: DecisionIn
) -> CreditOut:
    """Approve, reject or return one waiting credit; returns the record as it now stands.

    404 when the request is not a credit's or not visible, 403 when the step is not the caller's, 409
    when someone decided it meanwhile.
    """
    request = await engine.get_request(principal, request_id)
    if request.subject_type != SUBJECT_TYPE:
        raise NotFound(NOT_FOUND_REQUEST)
    await engine.decide(pm, principal, request_id, data.action, data.comment, version=data.version)
    row = await record_row(request.subject_id)
    if row is None:
        raise NotFound("学分记录不存在")
    return await detail(principal, row)


async def decide_many(pm: pluggy.PluginManager, principal: Principal, data: BatchDecisionIn) -> BatchDone:
    """The same decision on several waiting credits (批量审核); each skipped one says why.

    404 when none of the requests is a credit's the caller may see.
    """
    ids = list(dict.fromkeys(data.ids))
    rows = await ApprovalRequest.select().where(
        ApprovalRequest.id.is_in(ids) & (ApprovalRequest.subject_type == SUBJECT_TYPE)
    )
    credit_ids = {r["id"] for r in rows if may_see(principal, engine.RequestRow.of(r))}
    if not credit_ids:
        raise NotFound(NOT_FOUND_REQUEST)
    outcome = await engine.decide_many(
        pm, principal, [engine.BatchItem(i) for i in ids if i in credit_ids], data.action, data.comment
    )
    skipped = {s.id: s.reason for s in outcome.skipped}
    skipped.update({i: NOT_FOUND_REQUEST for i in ids if i not in credit_ids})
    return BatchDone(
        done=outcome.done, skipped=[{"id": i, "reason": skipped[i]} for i in ids if i in skipped]
    )
