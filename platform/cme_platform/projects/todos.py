"""What waits for a project owner (or the 科室 a project is delegated to): applications sent back for
changes (with the reason), runs whose application is not submitted yet and held runs whose attendee list
waits for him; and for an expert, the declarations he still has to review."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from piccolo.query.functions.aggregate import Count

from cme_platform import clock
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.plugins.types import Todo
from cme_platform.projects.access import delegated_departments, is_owner
from cme_platform.projects.expert_review import to_give
from cme_platform.projects.states import ListStatus, RunStatus
from cme_platform.projects.tables import AttendeeList, ExpertReview, Project, ProjectRun, ProjectSession

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
    return todos + await _lists_to_submit(owned)


async def _lists_to_submit(owned: Any) -> list[Todo]:
    """Approved runs of the last 90 days whose sessions are over and whose attendee list waits for the
    owner (never submitted, or returned), one by one."""
    now = clock.now()
    ended = ProjectSession.select(ProjectSession.run).where(ProjectSession.ends_at <= now)
    running = ProjectSession.select(ProjectSession.run).where(ProjectSession.ends_at > now)
    sent = AttendeeList.select(AttendeeList.run).where(AttendeeList.status != ListStatus.RETURNED)
    rows = await (
        ProjectRun.select(ProjectRun.id, ProjectRun.seq, ProjectRun.project.name.as_alias("name"))
        .where(
            owned
            & (ProjectRun.status == RunStatus.APPROVED)
            & (ProjectRun.ends_on >= clock.today() - timedelta(days=90))
            & ProjectRun.id.is_in(ended)
            & ProjectRun.id.not_in(running)
            & ProjectRun.id.not_in(sent)
        )
        .order_by(ProjectRun.ends_on)
        .limit(SHOWN_RETURNS)
    )
    return [
        Todo(
            label=f"学员名单待上报：{r['name']} 第{r['seq']}期",
            path=f"/projects/runs/{r['id']}/attendance",
            hint="课程已结束，请核对签到、撤离情况后上报本单位",
            order=25,
        )
        for r in rows
    ]


async def expert_todos(principal: Principal) -> list[Todo]:
    """How many declarations an expert (审验专家) still has to review while the commission waits."""
    if not principal.has_any(Role.AUDIT_EXPERT):
        return []
    pending = await ExpertReview.count().where(to_give(principal))
    if not pending:
        return []
    return [Todo(label="待评审的项目申报", path="/projects/reviews?pending=true", count=pending, order=15)]
