"""The hosting application (举办申请) of a run: submitting it, and its handler in the approvals domain.

The owner submits a run once it has its venue, dates, at least one session and every required material;
the province's ``cme_approval_chain`` for :data:`~cme_platform.approvals.kinds.PROJECT_HOSTING` decides
who reviews it (the core's default: the owner's institution confirms, then the commission approves). A
return sends it back to the owner for changes with the reviewer's reason; he corrects and submits again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pluggy

from cme_platform.approvals import engine
from cme_platform.approvals.chains import ApprovalSubject, Chain
from cme_platform.approvals.kinds import PROJECT_HOSTING
from cme_platform.approvals.schemas import Attachment, SubjectSummary, SummaryField
from cme_platform.approvals.status_subjects import StatusSubject
from cme_platform.audit.service import record
from cme_platform.clock import china_time
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, InvalidInput
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.notifications.service import notify
from cme_platform.orgs.tables import Institution
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.projects.runs import editable_run, get_run, run_title
from cme_platform.projects.schemas import RunOut
from cme_platform.projects.service import project_policy
from cme_platform.projects.states import EDITABLE_RUN, OUTCOME_STATUS, ProjectStatus, RunStatus
from cme_platform.projects.tables import Project, ProjectRun, ProjectSession, RunMaterial
from cme_platform.standards.amounts import format_credits
from cme_platform.tenancy.scope import current_tenant

DECIDED = {"approved": "审核通过", "returned": "退回修改", "rejected": "审核不通过"}
"""What the owner's message says of each final decision."""


def acting_role(principal: Principal, institution: int, departments: tuple[int | None, ...]) -> str:
    """The role the submitter acts in for a project of ``institution`` (and ``departments``): its
    institution's administrator (whose own 单位确认 step is then skipped), one of its 科室, or 立项用户."""
    if any(g.institution_id == institution for g in principal.grants_for(Role.INSTITUTION_ADMIN)):
        return Role.INSTITUTION_ADMIN.value
    if any(
        g.department_id is not None and g.department_id in departments
        for g in principal.grants_for(Role.DEPARTMENT_ADMIN)
    ):
        return Role.DEPARTMENT_ADMIN.value
    return Role.PROJECT_OWNER.value


def _code_period(row: dict[str, Any]) -> str:
    if row["codes_from"] is None or row["codes_until"] is None:
        return "按本省规定"
    return f"{china_time(row['codes_from'])} 至 {china_time(row['codes_until'])}"


async def open_project_request(
    pm: pluggy.PluginManager,
    principal: Principal,
    kind: str,
    subject_id: int,
    *,
    project_id: int,
    title: str,
    departments: tuple[int | None, ...] = (),
) -> Chain:
    """Open the approval of ``kind`` for ``subject_id`` (a run or the project ``project_id`` itself),
    with the chain the province gives for the project's level and the role the submitter acts in, scoped
    to the project's units (``departments``: more than its own, such as the department it is delegated
    to). Returns the chain; call inside the submission's transaction."""
    project = (
        await Project.select(
            Project.institution, Project.department, Project.level, Project.institution.region
        )
        .where(Project.id == project_id)
        .first()
    )
    assert project is not None  # the caller has just read it
    acting = acting_role(principal, project["institution"], (project["department"], *departments))
    subject = ApprovalSubject(kind=kind, entered_as=acting, attributes={"level": project["level"]})
    chain: Chain = tenant_hooks(pm, current_tenant()).cme_approval_chain(subject=subject)
    await engine.open_request(
        pm,
        subject_type=kind,
        subject_id=subject_id,
        chain=chain,
        title=title,
        institution_id=project["institution"],
        department_id=project["department"],
        region_id=project["institution.region"],
        principal=principal,
        submitted_as=acting,
    )
    return chain


async def submit_run(pm: pluggy.PluginManager, principal: Principal, run_id: int) -> RunOut:
    """提交申请: send the run's hosting application to its reviewers; audited.

    409 when it was submitted already (a second application for the same run) or the project is not
    published; 400 naming what is missing (a session, a required material).
    """
    policy = project_policy(pm)
    async with write_transaction(ProjectRun):
        row = await editable_run(principal, run_id)
        if row["project_status"] != ProjectStatus.PUBLISHED:
            raise Conflict("项目尚未公布，不能申请举办")
        errors: list[FieldError] = []
        if row["starts_on"].year != row["project_year"] or row["ends_on"].year != row["project_year"]:
            errors.append(FieldError("starts_on", f"举办日期须在项目年度（{row['project_year']}年）内"))
        if not await ProjectSession.exists().where(ProjectSession.run == run_id):
            errors.append(FieldError("sessions", "请至少添加一个课程（课题）"))
        uploaded = await RunMaterial.select(RunMaterial.kind, RunMaterial.file).where(
            RunMaterial.run == run_id
        )
        have = {m["kind"] for m in uploaded}
        for spec in policy.materials:
            if spec.required and spec.code not in have:
                errors.append(FieldError(f"material.{spec.code}", f"请上传{spec.label}"))
        if errors:
            raise InvalidInput("举办申请还不完整", errors)
        claimed = await (
            ProjectRun.update(
                {
                    ProjectRun.status: RunStatus.SUBMITTED,
                    ProjectRun.submitted_at: datetime.now(UTC),
                    ProjectRun.review_comment: "",
                    ProjectRun.decided_at: None,
                }
            )
            .where((ProjectRun.id == run_id) & ProjectRun.status.is_in(list(EDITABLE_RUN)))
            .returning(ProjectRun.id)
        )
        if not claimed:
            raise Conflict("该期举办申请已上报，请勿重复提交")
        chain = await open_project_request(
            pm,
            principal,
            PROJECT_HOSTING,
            run_id,
            project_id=row["project"],
            title=run_title(row),
            departments=(row["project_delegate"],),
        )
        await record(
            "projects.run.submit",
            object_type="projects_run",
            object_id=run_id,
            summary=f"提交举办申请：{run_title(row)}",
            before={"status": row["status"]},
            after={"status": RunStatus.SUBMITTED.value, "chain": chain.code},
        )
    return await get_run(pm, principal, run_id)


class HostingSubject(StatusSubject):
    """Describes hosting applications to their reviewers and moves a run with the decisions."""

    table = ProjectRun
    outcome_status = OUTCOME_STATUS
    action_prefix = "projects.run"
    subject_type = PROJECT_HOSTING
    label = "项目举办申请"
    plugin = ""

    async def describe(self, subject_ids: Sequence[int], principal: Principal) -> dict[int, SubjectSummary]:
        """The project, the run's venue and dates, its credits, organiser and materials."""
        runs = await ProjectRun.select(
            *ProjectRun.all_columns(),
            ProjectRun.project.name.as_alias("project_name"),
            ProjectRun.project.number.as_alias("project_number"),
            ProjectRun.project.level.as_alias("level"),
            ProjectRun.project.credits.as_alias("credits"),
            ProjectRun.project.leader.as_alias("leader"),
            ProjectRun.project.institution.as_alias("institution"),
        ).where(ProjectRun.id.is_in(list(subject_ids) or [0]))
        institutions = {
            r["id"]: r["name"]
            for r in await Institution.select(Institution.id, Institution.name).where(
                Institution.id.is_in([r["institution"] for r in runs] or [0])
            )
        }
        files: dict[int, list[Attachment]] = {}
        for m in await RunMaterial.select(
            RunMaterial.run,
            RunMaterial.kind,
            RunMaterial.file,
            RunMaterial.file.original_name.as_alias("name"),
            RunMaterial.file.content_type.as_alias("content_type"),
        ).where(RunMaterial.run.is_in([r["id"] for r in runs] or [0])):
            files.setdefault(m["run"], []).append(
                Attachment(
                    name=m["name"] or m["kind"], file_id=m["file"], content_type=m["content_type"] or ""
                )
            )
        return {
            r["id"]: SubjectSummary(
                title=run_title(r),
                link=f"/projects/runs/{r['id']}",
                fields=[
                    SummaryField(label="项目编号", value=r["project_number"]),
                    SummaryField(label="项目级别", value=r["level"]),
                    SummaryField(label="举办单位", value=institutions.get(r["institution"], "")),
                    SummaryField(label="负责人", value=r["leader"]),
                    SummaryField(label="会场地址", value=r["venue"]),
                    SummaryField(label="举办日期", value=f"{r['starts_on']} 至 {r['ends_on']}"),
                    SummaryField(label="学分", value=format_credits(r["credits"])),
                    SummaryField(label="二维码有效时间", value=_code_period(r)),
                    SummaryField(label="备注", value=r["note"] or "—"),
                ],
                attachments=files.get(r["id"], []),
            )
            for r in runs
        }

    def title(self, row: dict[str, Any]) -> str:
        """The project's number and name and the run's 期数."""
        return run_title(row)

    async def load(self, subject_id: int) -> dict[str, Any] | None:
        """The run with its project's name, number and owner."""
        row: dict[str, Any] | None = (
            await ProjectRun.select(
                *ProjectRun.all_columns(),
                ProjectRun.project.name.as_alias("project_name"),
                ProjectRun.project.number.as_alias("project_number"),
                ProjectRun.project.owner.as_alias("owner"),
            )
            .where(ProjectRun.id == subject_id)
            .first()
        )
        return row

    async def after_decision(
        self,
        row: dict[str, Any],
        request: engine.RequestRow,
        outcome: engine.Outcome,
        comment: str,
        changes: dict[str, Any],
    ) -> None:
        """The owner and the submitter are told of a final decision."""
        told = [account for account in (row["owner"], request.submitted_by) if account]
        if outcome != "advanced" and told:
            await notify(
                told,
                kind=f"projects.hosting.{outcome}",
                title=f"举办申请{DECIDED[outcome]}：{run_title(row)}",
                body=comment,
                path=f"/projects/runs/{row['id']}",
            )


engine.register_subject(HostingSubject())
