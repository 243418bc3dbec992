"""Declaring a project in the platform (新项目申报): submitting it, its approval handler, its number.

The declarer submits a saved declaration; the province's ``cme_approval_chain`` for
:data:`~cme_platform.approvals.kinds.PROJECT_DECLARATION` decides who reviews it (the core's default: the
declarer's institution, then the commission). The last approval publishes it (公布) and gives it the next
number of its year and level in the province's scheme (``cme_project_number``), from a counter that
never hands a number out twice; a return sends it back with the reason, for changes and a new submission.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pluggy

from cme_platform.approvals import engine
from cme_platform.approvals.kinds import PROJECT_DECLARATION
from cme_platform.approvals.schemas import SubjectSummary, SummaryField
from cme_platform.approvals.status_subjects import StatusSubject
from cme_platform.audit.service import record
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.notifications.service import notify
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.projects import service
from cme_platform.projects.expert_review import review_tallies
from cme_platform.projects.hosting import open_project_request
from cme_platform.projects.schemas import ProjectOut
from cme_platform.projects.states import ProjectSource, ProjectStatus
from cme_platform.projects.tables import Project, ProjectNumberCounter
from cme_platform.standards.amounts import format_credits
from cme_platform.tenancy.scope import current_tenant

DECLARATION_OUTCOME = {
    "advanced": ProjectStatus.SUBMITTED,
    "approved": ProjectStatus.PUBLISHED,
    "rejected": ProjectStatus.REJECTED,
    "returned": ProjectStatus.RETURNED,
}
"""The project's status after each outcome of a decision on its declaration."""


async def submit_declaration(pm: pluggy.PluginManager, principal: Principal, project_id: int) -> ProjectOut:
    """提交申报: send a saved or returned declaration to its reviewers; audited (409 when it is not
    未提交 or 已退回: submitted twice, published)."""
    async with write_transaction(Project):
        row = await service.own_row(principal, project_id)
        if row["source"] != ProjectSource.DECLARED:
            raise Conflict("该项目不是本系统申报的项目")
        claimed = await (
            Project.update({Project.status: ProjectStatus.SUBMITTED, Project.review_comment: ""})
            .where(
                (Project.id == project_id)
                & Project.status.is_in([ProjectStatus.DRAFT.value, ProjectStatus.RETURNED.value])
            )
            .returning(Project.id)
        )
        if not claimed:
            locked = service.DECLARATION_LOCKED.get(row["status"], "申报正在审核中")
            raise Conflict(f"{locked}，不能再提交申报")
        chain = await open_project_request(
            pm,
            principal,
            PROJECT_DECLARATION,
            project_id,
            project_id=project_id,
            title=f"{row['year']}年度{row['level']}项目申报：{row['name']}",
        )
        await record(
            "projects.project.submit",
            object_type="projects_project",
            object_id=project_id,
            summary=f"提交项目申报：{row['name']}",
            before={"status": row["status"]},
            after={"status": ProjectStatus.SUBMITTED.value, "chain": chain.code},
        )
    return await service.get_project(pm, principal, project_id)


async def next_number(pm: pluggy.PluginManager, year: int, level: str) -> str:
    """The next number of ``year`` and ``level`` in the province's scheme (inside the caller's
    transaction: one atomic ``UPDATE … RETURNING``, so two publications never get the same sequence)."""
    await ProjectNumberCounter.insert(ProjectNumberCounter(year=year, level=level, last_value=0)).on_conflict(
        action="DO NOTHING"
    )
    hooks = tenant_hooks(pm, current_tenant())
    for _ in range(NUMBER_ATTEMPTS):
        rows = await (
            ProjectNumberCounter.update(
                {ProjectNumberCounter.last_value: ProjectNumberCounter.last_value + 1}
            )
            .where((ProjectNumberCounter.year == year) & (ProjectNumberCounter.level == level))
            .returning(ProjectNumberCounter.last_value)
        )
        number: str = hooks.cme_project_number(year=year, level=level, sequence=int(rows[0]["last_value"]))
        if not number or len(number) > 40:
            raise ValueError(f"cme_project_number gave an unusable number {number!r}")
        if not await Project.exists().where(Project.number == number):
            return number
    raise Conflict(f"项目编号“{number}”等均已被使用，请联系管理员检查本省的编号规则")


NUMBER_ATTEMPTS = 100
"""How many sequences are tried past numbers already in use (a project entered or imported by hand
may hold one) before the publication is refused."""


class DeclarationSubject(StatusSubject):
    """Describes declarations to their reviewers and publishes (or returns) the project with the decisions;
    the declarer is told of the final decision."""

    table = Project
    outcome_status = DECLARATION_OUTCOME
    action_prefix = "projects.project"
    subject_type = PROJECT_DECLARATION
    label = "项目申报"
    plugin = ""

    async def describe(self, subject_ids: Sequence[int], principal: Principal) -> dict[int, SubjectSummary]:
        """Year, level, organiser, 负责人, discipline, credits and hours, 举办方式, the description and,
        for the commission, the experts' reviews so far."""
        rows = await Project.select(
            *Project.all_columns(),
            Project.institution.name.as_alias("institution_name"),
            Project.department.name.as_alias("department_name"),
        ).where(Project.id.is_in(list(subject_ids) or [0]))
        commission = principal.has_any(Role.COMMISSION_ADMIN)  # the declarer does not see the scores
        tallies = await review_tallies([r["approval"] for r in rows if r["approval"] and commission])
        return {
            r["id"]: SubjectSummary(
                title=f"{r['year']}年度{r['level']}项目申报：{r['name']}",
                link=f"/projects/{r['id']}",
                fields=[
                    SummaryField(
                        label="申报单位",
                        value=f"{r['institution_name'] or ''} {r['department_name'] or ''}".strip(),
                    ),
                    SummaryField(label="项目负责人", value=r["leader"]),
                    SummaryField(
                        label="学科",
                        value=" / ".join(x for x in (r["discipline"], r["subdiscipline"]) if x) or "—",
                    ),
                    SummaryField(
                        label="学分 / 学时",
                        value=f"{format_credits(r['credits'])} / {format_credits(r['hours'])}",
                    ),
                    SummaryField(label="举办方式", value=r["hosting_form"] or "—"),
                    SummaryField(label="项目简介", value=r["description"] or "—"),
                    *(
                        [SummaryField(label="专家评审", value=tallies.get(r["approval"], "未安排专家"))]
                        if commission
                        else []
                    ),
                ],
            )
            for r in rows
        }

    async def extra_changes(
        self, pm: pluggy.PluginManager, row: dict[str, Any], outcome: engine.Outcome
    ) -> dict[Any, Any]:
        """The time of the change, and on approval the project's number."""
        changes: dict[Any, Any] = {Project.updated_at: datetime.now(UTC)}
        if outcome == "approved":
            changes[Project.number] = await next_number(pm, row["year"], row["level"])
        return changes

    async def after_decision(
        self,
        row: dict[str, Any],
        request: engine.RequestRow,
        outcome: engine.Outcome,
        comment: str,
        changes: dict[str, Any],
    ) -> None:
        """The declarer is told of the final decision (and of the number it got)."""
        if outcome == "advanced" or not row["owner"]:
            return
        number = changes.get("number", "")
        await notify(
            [row["owner"]],
            kind=f"projects.declaration.{outcome}",
            title=f"项目申报{DECLARATION_OUTCOME[outcome].label}：{row['name']}",
            body="；".join(part for part in (f"项目编号：{number}" if number else "", comment) if part),
            path=f"/projects/{row['id']}",
        )


engine.register_subject(DeclarationSubject())
