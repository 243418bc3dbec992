"""Expert review of declarations (专家评审, seed 004: a declared project is published once its review has
passed and the commission agrees).

While a declaration waits for the commission's decision, a commission administrator assigns experts
(accounts holding the 审验专家 role, ``audit_expert``) to it. Each expert is told, opens the declaration
and gives a score (0–100), an opinion (建议通过 / 修改后通过 / 不建议通过) and a comment; he may change them
until the commission decides. The commission sees every review on the declaration's page and the count and
average in its inbox, and then decides through the approvals domain as before. A declaration returned and
submitted again is reviewed anew: reviews belong to one submission (its approval request).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cme_platform.approvals import engine
from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.audit.service import record
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.notifications.service import notify
from cme_platform.projects import access
from cme_platform.projects.schemas import ExpertOut, ReviewIn, ReviewOut, ReviewPage
from cme_platform.projects.states import ProjectStatus, ReviewOpinion
from cme_platform.projects.tables import ExpertReview, Project

MAX_EXPERTS = 20
"""Experts one declaration may have."""
NOT_FOUND = "评审任务不存在"
CLOSED = "该申报当前不在继教委评审阶段，不能安排或提交专家评审"


async def experts() -> list[ExpertOut]:
    """The tenant's active accounts holding the 审验专家 role, by name."""
    holders = RoleGrant.select(RoleGrant.account).where(RoleGrant.role == Role.AUDIT_EXPERT.value)
    rows = (
        await Account.select(Account.id, Account.display_name, Account.username)
        .where(Account.id.is_in(holders) & (Account.active == True))  # noqa: E712
        .order_by(Account.display_name)
    )
    return [ExpertOut(id=r["id"], name=r["display_name"] or r["username"]) for r in rows]


async def _open_declaration(project_id: int) -> tuple[dict[str, Any], int]:
    """The declaration ``project_id`` and its request, while the commission's step is pending (409
    otherwise; 404 when absent)."""
    await access.lock_row(Project, project_id)
    row = await Project.select().where(Project.id == project_id).first()
    if row is None:
        raise NotFound("项目不存在")
    if row["status"] != ProjectStatus.SUBMITTED or not await awaits_commission(row["approval"]):
        raise Conflict(CLOSED)
    return row, int(row["approval"])


async def awaits_commission(approval_id: int | None) -> bool:
    """True while the submission ``approval_id`` waits for the commission's step (experts may be
    assigned and review it)."""
    request = (
        await ApprovalRequest.select(ApprovalRequest.status, ApprovalRequest.waiting_role)
        .where(ApprovalRequest.id == (approval_id or 0))
        .first()
    )
    return (
        request is not None
        and request["status"] == engine.PENDING
        and request["waiting_role"] == Role.COMMISSION_ADMIN.value
    )


def _require_commission(principal: Principal) -> None:
    if not principal.has_any(Role.COMMISSION_ADMIN):
        raise Forbidden("只有继教委管理员可以安排专家评审")


async def assign_experts(
    principal: Principal, project_id: int, account_ids: Sequence[int]
) -> list[ReviewOut]:
    """安排专家: add ``account_ids`` (审验专家 of the tenant) to the reviewers of the declaration's current
    submission; those already assigned stay as they are. Audited; each new expert is told. Returns every
    review of the submission."""
    _require_commission(principal)
    wanted = sorted(set(account_ids))
    async with write_transaction(Project):
        row, approval = await _open_declaration(project_id)
        if not wanted:
            raise InvalidInput("请选择评审专家", [FieldError("account_ids", "请选择评审专家")])
        known = {expert.id: expert.name for expert in await experts()}
        if any(account not in known for account in wanted):
            message = "所选账号不是本省的审验专家"
            raise InvalidInput(message, [FieldError("account_ids", message)])
        assigned = {
            r["expert"]
            for r in await ExpertReview.select(ExpertReview.expert).where(ExpertReview.approval == approval)
        }
        new = [account for account in wanted if account not in assigned]
        if len(assigned) + len(new) > MAX_EXPERTS:
            message = f"一项申报最多安排 {MAX_EXPERTS} 位专家"
            raise InvalidInput(message, [FieldError("account_ids", message)])
        if new:
            await ExpertReview.insert(
                *(
                    ExpertReview(
                        project=project_id,
                        approval=approval,
                        expert=account,
                        assigned_by=principal.account_id,
                    )
                    for account in new
                )
            )
            names = "、".join(known[account] for account in new)
            await record(
                "projects.review.assign",
                object_type="projects_project",
                object_id=project_id,
                summary=f"安排专家评审：{row['name']}（{names}）",
                after={"experts": new},
            )
            await notify(
                new,
                kind="projects.review.assigned",
                title=f"请评审项目申报：{row['name']}",
                body=f"{row['year']}年度{row['level'].removesuffix('项目')}项目，请打分并填写评审意见",
                path="/projects/reviews",
            )
    return await reviews_of(principal, project_id)


async def reviews_of(principal: Principal, project_id: int) -> list[ReviewOut]:
    """The reviews of the declaration's current submission: all of them for the commission, his own for
    anybody else (an expert; the declarer does not see who reviewed). 404 when the project is not the
    tenant's."""
    project = await Project.select(Project.approval).where(Project.id == project_id).first()
    if project is None:
        raise NotFound("项目不存在")
    query = ExpertReview.approval == project["approval"]
    if not principal.has_any(Role.COMMISSION_ADMIN):
        query = query & (ExpertReview.expert == principal.account_id)
    return await _reviews(query) if project["approval"] is not None else []


async def _reviews(where: Any, *, limit: int | None = None, offset: int = 0) -> list[ReviewOut]:
    query = (
        ExpertReview.select(
            *ExpertReview.all_columns(),
            ExpertReview.expert.display_name.as_alias("expert_name"),
            ExpertReview.project.name.as_alias("project_name"),
            ExpertReview.project.year.as_alias("project_year"),
            ExpertReview.project.level.as_alias("project_level"),
            ExpertReview.project.status.as_alias("project_status"),
            ExpertReview.approval.status.as_alias("request_status"),
        )
        .where(where)
        .order_by(ExpertReview.id, ascending=False)
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [_review_out(r) for r in await query]


def _review_out(r: dict[str, Any]) -> ReviewOut:
    opinion = ReviewOpinion(r["opinion"]) if r["opinion"] else None
    return ReviewOut(
        id=r["id"],
        project_id=r["project"],
        project_name=r["project_name"],
        project_year=r["project_year"],
        project_level=r["project_level"],
        expert_id=r["expert"],
        expert_name=r["expert_name"] or "",
        assigned_at=r["assigned_at"],
        score=r["score"],
        opinion=opinion.value if opinion else "",
        opinion_label=opinion.label if opinion else "待评审",
        comment=r["comment"],
        submitted_at=r["submitted_at"],
        open=r["request_status"] == engine.PENDING and r["project_status"] == ProjectStatus.SUBMITTED,
    )


def to_give(principal: Principal) -> Any:
    """A where-clause on :class:`ExpertReview` for the reviews ``principal`` has still to give while the
    commission waits for them."""
    waiting = ApprovalRequest.select(ApprovalRequest.id).where(ApprovalRequest.status == engine.PENDING)
    return (
        (ExpertReview.expert == principal.account_id)
        & ExpertReview.submitted_at.is_null()
        & ExpertReview.approval.is_in(waiting)
    )


async def my_reviews(principal: Principal, *, pending: bool, page: int, page_size: int) -> ReviewPage:
    """An expert's reviews, newest first: those still to give (``pending``) or all of them."""
    if not principal.has_any(Role.AUDIT_EXPERT):
        raise Forbidden("只有审验专家可以评审项目申报")
    where: Any = to_give(principal) if pending else ExpertReview.expert == principal.account_id
    total = await ExpertReview.count().where(where)
    items = await _reviews(where, limit=page_size, offset=(page - 1) * page_size)
    return ReviewPage(items=items, total=total, page=page, page_size=page_size)


async def get_review(principal: Principal, review_id: int) -> ReviewOut:
    """The expert's own review ``review_id`` (404 for anybody else's)."""
    found = await _reviews((ExpertReview.id == review_id) & (ExpertReview.expert == principal.account_id))
    if not found:
        raise NotFound(NOT_FOUND)
    return found[0]


async def submit_review(principal: Principal, review_id: int, data: ReviewIn) -> ReviewOut:
    """提交评审: the expert gives (or changes) his score, opinion and comment while the commission has not
    decided; audited."""
    if data.opinion not in {o.value for o in ReviewOpinion}:
        message = f"评审意见只能是：{'、'.join(o.label for o in ReviewOpinion)}"
        raise InvalidInput(message, [FieldError("opinion", message)])
    async with write_transaction(ExpertReview):
        review = (
            await ExpertReview.select()
            .where((ExpertReview.id == review_id) & (ExpertReview.expert == principal.account_id))
            .first()
        )
        if review is None:
            raise NotFound(NOT_FOUND)
        row, approval = await _open_declaration(review["project"])
        if approval != review["approval"]:
            raise Conflict(CLOSED)
        changes = {
            ExpertReview.score: data.score,
            ExpertReview.opinion: data.opinion,
            ExpertReview.comment: data.comment.strip(),
            ExpertReview.submitted_at: datetime.now(UTC),
        }
        await ExpertReview.update(changes).where(ExpertReview.id == review_id)
        await record(
            "projects.review.submit",
            object_type="projects_project",
            object_id=review["project"],
            summary=f"提交专家评审：{row['name']}（{data.score} 分，{ReviewOpinion(data.opinion).label}）",
            before={"score": review["score"], "opinion": review["opinion"]}
            if review["submitted_at"]
            else None,
            after={"score": data.score, "opinion": data.opinion},
        )
    return await get_review(principal, review_id)


async def review_tallies(approval_ids: Sequence[int]) -> dict[int, str]:
    """For each submission with experts, "已评 2/3，平均 86 分" (the commission's inbox shows it)."""
    rows = await ExpertReview.select(ExpertReview.approval, ExpertReview.score).where(
        ExpertReview.approval.is_in(list(approval_ids) or [0])
    )
    scores: dict[int, list[int | None]] = {}
    for r in rows:
        scores.setdefault(r["approval"], []).append(r["score"])
    tallies = {}
    for approval, given in scores.items():
        done = [score for score in given if score is not None]
        average = f"，平均 {sum(done) / len(done):.1f} 分" if done else ""
        tallies[approval] = f"已评 {len(done)}/{len(given)}{average}"
    return tallies
