"""What waits for a project owner (or the 科室 a project is delegated to): applications sent back for
changes (with the reason) and runs whose application is not submitted yet; and for an expert, the
declarations he still has to review."""

from __future__ import annotations

from typing import Any

from piccolo.query.functions.aggregate import Count

from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.plugins.types import Todo
from cme_platform.projects.access import delegated_departments, is_owner
from cme_platform.projects.expert_review import to_give
from cme_platform.projects.states import RunStatus
from cme_platform.projects.tables import ExpertReview, Project, ProjectRun

SHOWN_RETURNS = 5
"""At most this many returned applications are listed one by one."""


async def owner_todos(principal: Principal) -> list[Todo]:
    """The owner's returned applications, one by one, and how many runs he has not submitted."""
    if not is_owner(principal):
        return []
    held: Any = Project.owner == principal.account_id
    departments = delegated_departments(principal)
    if departments:
        held = held | Project.delegate.is_in(departments)
    owned = ProjectRun.project.is_in(Project.select(Project.id).where(held))
    returned = await (
        ProjectRun.select(
            ProjectRun.id, ProjectRun.seq, ProjectRun.review_comment, ProjectRun.project.name.as_alias("name")
        )
        .where(owned & (ProjectRun.status == RunStatus.RETURNED))
        .order_by(ProjectRun.decided_at, ascending=False)
        .limit(SHOWN_RETURNS)
    )
    todos = [
        Todo(
            label=f"举办申请退回修改：{r['name']} 第{r['seq']}期",
            path=f"/projects/runs/{r['id']}",
            hint=f"审核理由：{r['review_comment']}" if r["review_comment"] else "",
            order=20,
        )
        for r in returned
    ]
    drafts = (
        await ProjectRun.select(Count(ProjectRun.id, alias="n"))
        .where(owned & (ProjectRun.status == RunStatus.DRAFT))
        .first()
    )
    if drafts and drafts["n"]:
        todos.append(
            Todo(
                label="未提交的举办申请", path="/projects/mine?run_status=draft", count=drafts["n"], order=30
            )
        )
    return todos


async def expert_todos(principal: Principal) -> list[Todo]:
    """How many declarations an expert (审验专家) still has to review while the commission waits."""
    if not principal.has_any(Role.AUDIT_EXPERT):
        return []
    pending = await ExpertReview.count().where(to_give(principal))
    if not pending:
        return []
    return [Todo(label="待评审的项目申报", path="/projects/reviews?pending=true", count=pending, order=15)]
