"""The approver's one inbox: every kind of subject waiting for his decision, and the decisions on them.

Each subject type's handler describes its own subjects (title, link, the facts that matter), so credit
records, a province module's plans and, next, projects and hosting applications share one list with a
filter by kind. What the caller may not see is not found, never forbidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pluggy
from piccolo.query.functions.aggregate import Count

from cme_platform.approvals import engine
from cme_platform.approvals.access import inbox_clause, may_decide, may_see
from cme_platform.approvals.schemas import (
    BatchDecisionIn,
    BatchDone,
    DecisionIn,
    InboxItem,
    InboxPage,
    KindCount,
    RequestOut,
    Skipped,
    SubjectSummary,
)
from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.db.paging import and_all
from cme_platform.errors import FieldError, InvalidInput, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.tenancy.scope import current_tenant

NOT_FOUND_REQUEST = "审核事项不存在"


def handler_of(subject_type: str) -> engine.SubjectHandler:
    """The handler of ``subject_type`` in the active tenant (a 400 naming its kinds when there is none)."""
    handlers = engine.tenant_handlers(current_tenant().plugin)
    handler = handlers.get(subject_type)
    if handler is None:
        known = "、".join(h.label for h in handlers.values())
        raise InvalidInput("未知的审核事项类型", [FieldError("kind", f"请选择：{known}")])
    return handler


async def _summaries(rows: Sequence[engine.RequestRow], principal: Principal) -> dict[int, SubjectSummary]:
    """The handlers' descriptions of the requests' subjects, by request id (one call per subject type)."""
    by_type: dict[str, list[engine.RequestRow]] = {}
    for row in rows:
        by_type.setdefault(row.subject_type, []).append(row)
    summaries: dict[int, SubjectSummary] = {}
    for subject_type, group in by_type.items():
        described = await handler_of(subject_type).describe([r.subject_id for r in group], principal)
        summaries.update({r.id: described[r.subject_id] for r in group if r.subject_id in described})
    return summaries


async def kind_counts(principal: Principal) -> list[KindCount]:
    """How many items of each registered kind wait for ``principal`` (kinds in registration order)."""
    rows = await (
        ApprovalRequest.select(ApprovalRequest.subject_type, Count(ApprovalRequest.id, alias="n"))
        .where(inbox_clause(principal))
        .group_by(ApprovalRequest.subject_type)
    )
    counts = {r["subject_type"]: int(r["n"]) for r in rows}
    handlers = engine.tenant_handlers(current_tenant().plugin)
    return [KindCount(subject_type=t, label=h.label, count=counts.get(t, 0)) for t, h in handlers.items()]


async def inbox(
    principal: Principal, kind: str | None = None, page: int = 1, page_size: int = 20
) -> InboxPage:
    """What waits for ``principal``, oldest first, optionally of one ``kind`` (a subject type)."""
    if kind is not None:
        handler_of(kind)
    where = and_all(inbox_clause(principal), ApprovalRequest.subject_type == kind if kind else None)
    requests = await (
        ApprovalRequest.select()
        .where(where)
        .order_by(ApprovalRequest.submitted_at)
        .order_by(ApprovalRequest.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = [engine.RequestRow.of(r) for r in requests]
    summaries = await _summaries(rows, principal)
    items = [
        InboxItem(
            request_id=r.id,
            version=r.version,
            subject_type=r.subject_type,
            kind_label=engine.HANDLERS[r.subject_type].label,
            subject_id=r.subject_id,
            step_label=r.step_label,
            submitted_at=r.submitted_at,
            title=summaries[r.id].title,
            link=summaries[r.id].link,
            fields=summaries[r.id].fields,
            attachments=summaries[r.id].attachments,
        )
        for r in rows
        if r.id in summaries
    ]
    kinds = await kind_counts(principal)
    total = sum(k.count for k in kinds if kind is None or k.subject_type == kind)
    return InboxPage(items=items, total=total, page=page, page_size=page_size, kind=kind, kinds=kinds)


async def _request_out(principal: Principal, row: engine.RequestRow) -> RequestOut:
    summary = (await _summaries([row], principal)).get(row.id)
    return RequestOut(
        id=row.id,
        version=row.version,
        subject_type=row.subject_type,
        kind_label=handler_of(row.subject_type).label,
        subject_id=row.subject_id,
        title=summary.title if summary else row.title,
        link=summary.link if summary else "",
        chain=row.chain,
        steps=[s["label"] for s in row.steps],
        step_label=row.step_label,
        status=row.status,
        status_label=row.status_label,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        can_decide=may_decide(principal, row),
        history=await engine.history(row.id),
    )


async def get_request(principal: Principal, request_id: int) -> RequestOut:
    """One request with its subject's summary and history; 404 unless the caller may see it."""
    return await _request_out(principal, await engine.get_request(principal, request_id))


async def decide(
    pm: pluggy.PluginManager, principal: Principal, request_id: int, data: DecisionIn
) -> RequestOut:
    """Approve, reject or return one waiting item; returns the request as it now stands.

    404 when the request is not visible, 403 when the step is not the caller's, 409 when someone decided
    it meanwhile (or ``version`` is not the one he saw); reject and return need a comment.
    """
    row, _ = await engine.decide(pm, principal, request_id, data.action, data.comment, version=data.version)
    return await _request_out(principal, row)


async def decide_many(pm: pluggy.PluginManager, principal: Principal, data: BatchDecisionIn) -> BatchDone:
    """The same decision on several waiting items (批量审核); each skipped one says which and why.

    404 when none of the requests is one the caller may see.
    """
    ids = list(dict.fromkeys(data.ids))
    rows = {
        r.id: r
        for r in (
            engine.RequestRow.of(x)
            for x in await ApprovalRequest.select().where(ApprovalRequest.id.is_in(ids))
        )
        if may_see(principal, r)
    }
    if not rows:
        raise NotFound(NOT_FOUND_REQUEST)
    outcome = await engine.decide_many(
        pm, principal, [engine.BatchItem(i) for i in ids if i in rows], data.action, data.comment
    )
    reasons: dict[int, str] = {s.id: s.reason for s in outcome.skipped}
    reasons.update({i: NOT_FOUND_REQUEST for i in ids if i not in rows})
    titles: dict[int, Any] = {i: rows[i].title if i in rows else "" for i in ids}
    return BatchDone(
        done=outcome.done,
        skipped=[Skipped(id=i, title=titles[i], reason=reasons[i]) for i in ids if i in reasons],
    )
