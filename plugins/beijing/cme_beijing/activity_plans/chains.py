"""Who reviews an activity plan: the 主管部门 of the institution (its district; the commission otherwise)."""

from __future__ import annotations

from cme_platform.approvals.chains import ApprovalSubject, Chain, ChainStep

from cme_beijing.activity_plans import SUBJECT_TYPE

PLAN_CHAIN = Chain(
    code="bj.activity_plan",
    name="教学活动计划审核",
    steps=(ChainStep(role="region_admin", label="主管部门审核", when_missing="escalate"),),
)
"""One step: the district's administration, escalating to the commission for institutions outside any."""


def activity_plan_chain(subject: ApprovalSubject) -> Chain | None:
    """:data:`PLAN_CHAIN` for activity plans; ``None`` (the core's default) for anything else."""
    return PLAN_CHAIN if subject.kind == SUBJECT_TYPE else None
