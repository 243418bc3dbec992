"""The approval-chain engine: open a request, decide its steps, batch decisions, a request's history.

A domain that submits things for review (credit records, a plugin module's plans; projects and hosting
applications next) registers a :class:`SubjectHandler` for its subject type. The engine calls it inside
the transaction of every decision, so the subject's own state (a credit record's status) and the request
move together or not at all; the approvals inbox asks it to describe its subjects. Two approvers acting
at once cannot both move a request: a decision updates the row only where its ``version`` and
``status`` are still what the approver saw.

A submitter is never his own reviewer: the steps of a chain at or below the level he submitted as (an
institution administrator: the department's and the institution's steps) are skipped when the request
opens, each recorded in the history; when nothing is left, his submission is the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any, Literal, Protocol

import msgspec
import pluggy

from cme_platform.approvals.access import may_decide, may_see
from cme_platform.approvals.chains import STEP_ROLES, Chain
from cme_platform.approvals.schemas import ActionOut, SubjectSummary
from cme_platform.approvals.tables import ApprovalAction, ApprovalRequest
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, DomainError, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.labels import LabelledEnum


class RequestStatus(LabelledEnum):
    """Where a request stands."""

    PENDING = "pending", "审核中"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "审核不通过"
    RETURNED = "returned", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


PENDING = RequestStatus.PENDING
APPROVED = RequestStatus.APPROVED
REJECTED = RequestStatus.REJECTED
RETURNED = RequestStatus.RETURNED
WITHDRAWN = RequestStatus.WITHDRAWN


class StepAction(LabelledEnum):
    """What happened to a request, as its history records it."""

    SUBMIT = "submit", "上报"
    SKIP = "skip", "跳过（上报人即本级审核人）"
    APPROVE = "approve", "审核通过"
    REJECT = "reject", "审核不通过"
    RETURN = "return", "退回修改"
    WITHDRAW = "withdraw", "撤回"


Action = Literal["approve", "reject", "return"]
Outcome = Literal["advanced", "approved", "rejected", "returned"]
"""What a decision did: moved to the next step, or finished the request one way or the other."""

_ESCALATION = dict(pairwise(STEP_ROLES))
_UNIT_OF_ROLE = {"department_admin": "department", "region_admin": "region"}


@dataclass(frozen=True)
class RequestRow:
    """An approval request as services pass it around."""

    id: int
    subject_type: str
    subject_id: int
    chain: str
    steps: list[dict[str, str]]
    step: int
    waiting_role: str
    status: str
    title: str
    institution: int | None
    department: int | None
    region: int | None
    submitted_by: int | None
    submitted_at: datetime
    decided_at: datetime | None
    version: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> RequestRow:
        """Build from a selected ``approvals_request`` row."""
        steps = row["steps"]
        if isinstance(steps, str):
            steps = msgspec.json.decode(steps)
        values = {name: row[name] for name in cls.__dataclass_fields__ if name != "steps"}
        return cls(steps=list(steps), **values)

    @property
    def step_label(self) -> str:
        """The label of the step that waits (or the last one, once decided)."""
        if not self.steps:
            return ""
        return self.steps[min(self.step, len(self.steps) - 1)]["label"]

    def decided_label(self, outcome: str) -> str:
        """The label of the step a decision with ``outcome`` just took (an advanced request waits at
        the next step already)."""
        if outcome == "advanced" and self.step > 0:
            return self.steps[self.step - 1]["label"]
        return self.step_label

    @property
    def status_label(self) -> str:
        """The status in Chinese."""
        return RequestStatus.label_of(self.status)


class SubjectHandler(Protocol):
    """A domain's side of the approvals of its subjects (one handler per subject type).

    ``subject_type`` is stored with each request (a constant of :mod:`cme_platform.approvals.kinds` or of
    the plugin module); ``label`` names the kind in the inbox's filter (``个人学分``); ``plugin`` is the
    province plugin whose tenants have such subjects (empty for the core's: every tenant).
    """

    subject_type: str
    label: str
    plugin: str

    async def describe(self, subject_ids: Sequence[int], principal: Principal) -> dict[int, SubjectSummary]:
        """Title, link and the facts an approver needs, for each subject that still exists (one query or
        a few for the whole page, never one per subject)."""
        ...

    async def opened(self, request: RequestRow) -> None:
        """Link the subject to its new request (called right after it is inserted, before any decision)."""
        ...

    async def decided(
        self,
        pm: pluggy.PluginManager,
        request: RequestRow,
        outcome: Outcome,
        comment: str,
        principal: Principal,
    ) -> None:
        """Move the subject with ``outcome`` (inside the decision's transaction)."""
        ...


HANDLERS: dict[str, SubjectHandler] = {}
"""The handler of each subject type (see :func:`register_subject`)."""


def register_subject(handler: SubjectHandler) -> None:
    """Let ``handler`` describe and follow the requests of its ``subject_type``."""
    HANDLERS[handler.subject_type] = handler


def tenant_handlers(plugin: str) -> dict[str, SubjectHandler]:
    """The handlers of the subjects a tenant of ``plugin`` has: the core's and its own plugin's."""
    return {t: h for t, h in HANDLERS.items() if getattr(h, "plugin", "") in ("", plugin)}


def skipped_below(steps: list[dict[str, str]], submitted_as: str) -> int:
    """How many leading steps sit at or below the level of ``submitted_as`` (0 for learners and others)."""
    if submitted_as not in STEP_ROLES:
        return 0
    level = STEP_ROLES.index(submitted_as)
    skipped = 0
    while skipped < len(steps) and STEP_ROLES.index(steps[skipped]["role"]) <= level:
        skipped += 1
    return skipped


def resolve_steps(chain: Chain, *, department_id: int | None, region_id: int | None) -> list[dict[str, str]]:
    """The chain's steps for a subject's units: steps without a unit are skipped or escalated.

    A ``department_admin`` step needs a department, a ``region_admin`` step a region; escalation moves a
    step up one level at a time until a unit exists (the commission always does). Consecutive steps that
    end with the same role are merged, so nobody approves the same thing twice in a row.
    """
    units = {"department": department_id, "region": region_id}
    resolved: list[dict[str, str]] = []
    for step in chain.steps:
        role: str | None = step.role
        label = step.label
        while role in _UNIT_OF_ROLE and units[_UNIT_OF_ROLE[role]] is None:
            role = _ESCALATION[role] if step.when_missing == "escalate" else None
        if role is None:
            continue
        if resolved and resolved[-1]["role"] == role:
            continue
        resolved.append({"role": role, "label": label})
    if not resolved:
        raise ValueError(f"approval chain {chain.code!r} has no step for this subject")
    return resolved


async def open_request(
    pm: pluggy.PluginManager,
    *,
    subject_type: str,
    subject_id: int,
    chain: Chain,
    title: str,
    institution_id: int | None,
    department_id: int | None,
    region_id: int | None,
    principal: Principal,
    submitted_as: str,
) -> RequestRow:
    """Start ``chain`` for a subject in the caller's transaction: the request, its ``submit`` action and
    a ``skip`` for each step at or below ``submitted_as`` (the role the submitter acted in).

    When every step is skipped the request is approved at once and the subject's handler is told, as
    after a last approval.
    """
    steps = resolve_steps(chain, department_id=department_id, region_id=region_id)
    skipped = skipped_below(steps, submitted_as)
    done = skipped == len(steps)
    request = ApprovalRequest(
        subject_type=subject_type,
        subject_id=subject_id,
        chain=chain.code,
        steps=steps,
        step=min(skipped, len(steps) - 1),
        waiting_role="" if done else steps[skipped]["role"],
        status=APPROVED if done else PENDING,
        decided_at=datetime.now(UTC) if done else None,
        title=title[:200],
        institution=institution_id,
        department=department_id,
        region=region_id,
        submitted_by=principal.account_id,
    )
    await request.save()
    request_id = int(request.id)
    await _log_action(request_id, 0, submitted_as, StepAction.SUBMIT, "", principal)
    for index in range(skipped):
        await _log_action(request_id, index, steps[index]["role"], StepAction.SKIP, "", principal)
    row = await load_request(request_id)
    handler = HANDLERS[subject_type]
    await handler.opened(row)
    if done:
        await handler.decided(pm, row, "approved", "", principal)
    return row


async def load_request(request_id: int) -> RequestRow:
    """The request ``request_id`` of the active tenant (404 when absent), for a caller that has already
    decided who may see its subject (a subject's own page)."""
    row = await ApprovalRequest.select().where(ApprovalRequest.id == request_id).first()
    if row is None:
        raise NotFound("审核事项不存在")
    return RequestRow.of(row)


async def get_request(principal: Principal, request_id: int) -> RequestRow:
    """A request the principal may see (its approvers, its unit's admins, its submitter), else 404."""
    row = await load_request(request_id)
    if not may_see(principal, row):
        raise NotFound("审核事项不存在")
    return row


async def _log_action(
    request_id: int, step: int, role: str, action: str, comment: str, principal: Principal
) -> None:
    await ApprovalAction.insert(
        ApprovalAction(
            request=request_id,
            step=step,
            role=role,
            action=action,
            comment=comment,
            account=principal.account_id,
            account_name=(principal.display_name or principal.username)[:100],
        )
    )


def _check_comment(action: Action, comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise InvalidInput("审核意见过长", [FieldError("comment", "审核意见不能超过500字")])
    if action != "approve" and not comment:
        message = "退回时请填写退回原因" if action == "return" else "审核不通过时请填写原因"
        raise InvalidInput(message, [FieldError("comment", message)])
    return comment


def _next_state(row: RequestRow, action: Action, now: datetime) -> tuple[Outcome, dict[Any, Any]]:
    if action == "approve" and row.step + 1 < len(row.steps):
        nxt = row.step + 1
        return "advanced", {ApprovalRequest.step: nxt, ApprovalRequest.waiting_role: row.steps[nxt]["role"]}
    outcome: Outcome = {"approve": "approved", "reject": "rejected", "return": "returned"}[action]  # type: ignore[assignment]
    status = {"approved": APPROVED, "rejected": REJECTED, "returned": RETURNED}[outcome]
    return outcome, {ApprovalRequest.status: status, ApprovalRequest.decided_at: now}


async def _move(row: RequestRow, changes: dict[Any, Any]) -> bool:
    """Apply ``changes`` (and a new version) only if the request is still pending at ``row.version``."""
    moved = (
        await ApprovalRequest.update({**changes, ApprovalRequest.version: row.version + 1})
        .where(
            (ApprovalRequest.id == row.id)
            & (ApprovalRequest.version == row.version)
            & (ApprovalRequest.status == PENDING)
        )
        .returning(ApprovalRequest.id)
    )
    return bool(moved)


async def decide(
    pm: pluggy.PluginManager,
    principal: Principal,
    request_id: int,
    action: Action,
    comment: str = "",
    *,
    version: int | None = None,
) -> tuple[RequestRow, Outcome]:
    """Approve, reject or return the step that waits for ``principal``; returns the request and outcome.

    ``pm`` is handed to the subject's handler (it may ask the tenant's plugin, e.g. for the date an
    approved credit becomes effective).

    404 when the principal may not see the request, 403 when the waiting step is not his, 409 when it was
    decided meanwhile (or ``version`` is not the one he saw). Reject and return need a comment.
    """
    comment = _check_comment(action, comment)
    async with write_transaction(ApprovalRequest):
        row = await get_request(principal, request_id)
        if row.status != PENDING or (version is not None and version != row.version):
            raise Conflict("该事项已被他人处理，请刷新后查看", code="already_decided")
        if not may_decide(principal, row):
            raise Forbidden("当前审核步骤不由您处理")
        outcome, changes = _next_state(row, action, datetime.now(UTC))
        if not await _move(row, changes):
            raise Conflict("该事项已被他人处理，请刷新后查看", code="already_decided")
        await _log_action(row.id, row.step, row.waiting_role, action, comment, principal)
        after = await load_request(row.id)
        await HANDLERS[row.subject_type].decided(pm, after, outcome, comment, principal)
    return after, outcome


async def withdraw(request_id: int, principal: Principal, comment: str = "") -> bool:
    """Close a pending request because its subject was withdrawn (e.g. deleted); False when not pending.

    Runs in the caller's transaction; the subject's handler is not called (the subject is going away).
    """
    row = await load_request(request_id)
    changes = {ApprovalRequest.status: WITHDRAWN, ApprovalRequest.decided_at: datetime.now(UTC)}
    if row.status != PENDING or not await _move(row, changes):
        return False
    await _log_action(row.id, row.step, row.waiting_role, "withdraw", comment[:500], principal)
    return True


class BatchItem(msgspec.Struct, frozen=True):
    """One request of a batch decision, with the version the approver saw (optional)."""

    id: int
    version: int | None = None


class NotDone(msgspec.Struct, frozen=True):
    """A request a batch left alone, and why (already decided, not yours, not found)."""

    id: int
    reason: str


class BatchOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What a batch decision did: the requests it moved and those it skipped."""

    done: list[int]
    skipped: list[NotDone]


async def decide_many(
    pm: pluggy.PluginManager,
    principal: Principal,
    items: Sequence[BatchItem],
    action: Action,
    comment: str = "",
) -> BatchOutcome:
    """Decide several requests one by one, each in its own transaction (002 §5.3 批量审核).

    A request decided meanwhile by someone else, or not waiting for this principal, is skipped with
    its reason; the others still go through.
    """
    _check_comment(action, comment)
    done: list[int] = []
    skipped: list[NotDone] = []
    seen: set[int] = set()
    for item in items:
        if item.id in seen:
            continue
        seen.add(item.id)
        try:
            await decide(pm, principal, item.id, action, comment, version=item.version)
        except DomainError as exc:
            skipped.append(NotDone(id=item.id, reason=exc.message))
        else:
            done.append(item.id)
    return BatchOutcome(done=done, skipped=skipped)


async def history(request_id: int) -> list[ActionOut]:
    """The request's actions, oldest first (the caller has checked that it may see the request)."""
    rows = (
        await ApprovalAction.select().where(ApprovalAction.request == request_id).order_by(ApprovalAction.id)
    )
    return [
        ActionOut(
            step=r["step"],
            role=r["role"],
            action=r["action"],
            action_label=StepAction.label_of(r["action"]),
            comment=r["comment"],
            account_name=r["account_name"],
            at=r["at"],
        )
        for r in rows
    ]
