"""Sending credit records for review and following the approvers' decisions.

A record is sent (上报) by opening an approval request with the chain the province chooses; the
:class:`CreditSubject` handler registered here (subject type :data:`~cme_platform.approvals.kinds.CREDIT`)
describes records in the approvals inbox and moves a record with every decision, inside the decision's
transaction: in review after a step, approved (effective from the date the province says) at the end,
or rejected / returned with the approver's comment. The inbox and the decisions are the approvals
domain's (:mod:`cme_platform.approvals.inbox`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pluggy

from cme_platform import clock
from cme_platform.approvals import engine, kinds
from cme_platform.approvals.schemas import Attachment, SubjectSummary, SummaryField
from cme_platform.audit.service import record
from cme_platform.credits import status
from cme_platform.credits.ledger import announce, credit_subject, effective_on
from cme_platform.credits.queries import evidence_of, format_hours, record_query, record_row
from cme_platform.credits.schemas import EvidenceOut
from cme_platform.credits.sources import CreditSource
from cme_platform.credits.tables import CreditRecord
from cme_platform.identity.principal import Principal
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.standards.amounts import format_credits
from cme_platform.tenancy.scope import current_tenant

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


def _summary(row: dict[str, Any], evidence: Sequence[EvidenceOut]) -> SubjectSummary:
    unit = " ".join(n for n in (row["institution_name"], row["department_name"]) if n)
    return SubjectSummary(
        title=f"{row['person_name'] or ''}：{row['activity_name']}",
        link=f"/credits/{row['id']}",
        fields=[
            SummaryField(label="人员", value=f"{row['person_name'] or ''}（{row['person_number'] or ''}）"),
            SummaryField(label="单位", value=unit),
            SummaryField(label="活动日期", value=row["activity_date"].isoformat()),
            SummaryField(label="学分类别", value=row["subcategory"] or row["category"] or "未分类"),
            SummaryField(label="学分", value=format_credits(row["credits"])),
            SummaryField(label="学时", value=format_hours(row["hours"])),
            SummaryField(label="来源", value=CreditSource.label_of(row["source"])),
        ],
        attachments=[
            Attachment(name=e.name, file_id=e.file_id, content_type=e.content_type) for e in evidence
        ],
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
    chain = tenant_hooks(pm, tenant).cme_approval_chain(subject=credit_subject(row, acting_as))
    # submitted comes first, in the audit and for listeners: a chain with no step left for this submitter
    # approves the record inside open_request
    await announce(pm, "submitted", [{**row, "status": status.SUBMITTED, "effective_on": None}])
    await record(
        "credits.record.submit",
        object_type="credit_record",
        object_id=row["id"],
        summary=f"上报学分：{row['person_name'] or ''} {row['activity_name']}",
        before={"status": row["status"]},
        after={"status": status.SUBMITTED, "chain": chain.code, "submitted_as": acting_as},
    )
    return await engine.open_request(
        pm,
        subject_type=kinds.CREDIT,
        subject_id=row["id"],
        chain=chain,
        title=f"{row['person_name'] or ''}：{row['activity_name']}",
        institution_id=row["institution"],
        department_id=row["department"],
        region_id=row["region"],
        principal=principal,
        submitted_as=acting_as,
    )


class CreditSubject:
    """Describes credit records to approvers and moves them with the decisions on their requests."""

    subject_type = kinds.CREDIT
    label = "个人学分"
    plugin = ""

    async def describe(self, subject_ids: Sequence[int], principal: Principal) -> dict[int, SubjectSummary]:
        """Person, unit, date, category, credits and hours, and the evidence, of each record."""
        rows = await record_query(CreditRecord.id.is_in(list(subject_ids) or [0]))
        evidence = await evidence_of([r["id"] for r in rows])
        return {r["id"]: _summary(r, evidence.get(r["id"], [])) for r in rows}

    async def opened(self, request: engine.RequestRow) -> None:
        """The record points to its new request."""
        await CreditRecord.update({CreditRecord.approval: request.id}).where(
            CreditRecord.id == request.subject_id
        )

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
        day = row["effective_on"]
        if outcome == "approved":
            day = effective_on(pm, credit_subject(row, row["entered_as"]), clock.today())
            changes[CreditRecord.effective_on] = day
            after["effective_on"] = day.isoformat()
        await CreditRecord.update(changes).where(CreditRecord.id == row["id"])
        await announce(pm, outcome, [{**row, "status": new_status, "effective_on": day}])
        await record(
            OUTCOME_ACTIONS[outcome],
            object_type="credit_record",
            object_id=row["id"],
            summary=f"{request.step_label}：{row['person_name'] or ''} {row['activity_name']}",
            before={"status": row["status"]},
            after=after,
        )


engine.register_subject(CreditSubject())
