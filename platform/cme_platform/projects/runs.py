"""Runs (期数) of a project, their sessions (课题/课程) and the materials of their hosting applications.

The project's owner (or the 科室 it is delegated to) changes a run, and only while its application is
未上报 or 退回修改; a run's dates lie within the project's year, its sessions within its dates. Every
change is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pluggy

from cme_platform.audit.service import record
from cme_platform.clock import CHINA
from cme_platform.db.errors import is_unique_violation
from cme_platform.db.paging import and_all
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.files.policy import FileFacts, register_read_rule
from cme_platform.files.purposes import MB, FilePurpose, register_purpose
from cme_platform.files.tables import StoredFile
from cme_platform.identity.principal import Principal
from cme_platform.projects import FILE_PURPOSE, access
from cme_platform.projects.policy import ProjectPolicy
from cme_platform.projects.schemas import MaterialIn, MaterialOut, RunIn, RunOut, SessionIn, SessionOut
from cme_platform.projects.service import NOT_FOUND, hundredths, project_policy
from cme_platform.projects.states import EDITABLE_RUN, ProjectStatus, RunStatus
from cme_platform.projects.tables import Project, ProjectRun, ProjectSession, RunMaterial
from cme_platform.standards.amounts import HUNDRED, format_credits

RUN_NOT_FOUND = "项目期数不存在"


def run_title(row: Mapping[str, Any]) -> str:
    """How pages, messages and the audit log name a run (``row``: with ``project_number``,
    ``project_name`` and ``seq``): the project's number (if it has one) and name and the 期数
    (``2026-省级-001 心血管新进展 第1期``)."""
    return f"{row['project_number'] or ''} {row['project_name']} 第{row['seq']}期".strip()


MAX_SESSION_HOURS = Decimal(24)

register_purpose(
    FilePurpose(
        FILE_PURPOSE,
        "项目举办申请资料",
        ("pdf", "jpeg", "png"),
        50 * MB,
        roles=frozenset(role.value for role in access.OWNER_ROLES),
    )
)


def _run_out(
    row: dict[str, Any],
    step_label: str,
    sessions: list[SessionOut] | None = None,
    materials: list[MaterialOut] | None = None,
) -> RunOut:
    return RunOut(
        id=row["id"],
        project_id=row["project"],
        seq=row["seq"],
        venue=row["venue"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        note=row["note"],
        status=row["status"],
        status_label=RunStatus.label_of(row["status"]),
        step_label=step_label if row["status"] == RunStatus.SUBMITTED else "",
        review_comment=row["review_comment"],
        approval_id=row["approval"],
        submitted_at=row["submitted_at"],
        decided_at=row["decided_at"],
        editable=row["status"] in EDITABLE_RUN,
        codes_from=row["codes_from"],
        codes_until=row["codes_until"],
        sessions=sessions or [],
        materials=materials or [],
    )


def _session_out(row: dict[str, Any]) -> SessionOut:
    return SessionOut(
        id=row["id"],
        title=row["title"],
        speakers=row["speakers"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        hours=row["hours"],
        hours_text=format_credits(row["hours"]),
    )


def materials_of(policy: ProjectPolicy, uploaded: Sequence[dict[str, Any]]) -> list[MaterialOut]:
    """The province's materials in order, each with the file uploaded for it (if any)."""
    by_kind = {row["kind"]: row for row in uploaded}
    out: list[MaterialOut] = []
    for spec in policy.materials:
        row = by_kind.get(spec.code)
        out.append(
            MaterialOut(
                kind=spec.code,
                label=spec.label,
                hint=spec.hint,
                required=spec.required,
                file_id=row["file"] if row else None,
                file_name=(row["file_name"] or "") if row else "",
                content_type=(row["content_type"] or "") if row else "",
                uploaded_at=row["uploaded_at"] if row else None,
            )
        )
    return out


async def runs_of(
    project_ids: Sequence[int], *, detail: bool, only_approved: bool, policy: ProjectPolicy | None = None
) -> dict[int, list[RunOut]]:
    """The runs of each project, by 期数; with ``detail``, their sessions (and, given the ``policy``,
    their materials). ``only_approved`` keeps the runs approved for hosting (the public view)."""
    from cme_platform.approvals.engine import RequestRow
    from cme_platform.approvals.tables import ApprovalRequest

    if not project_ids:
        return {}
    where: Any = ProjectRun.project.is_in(list(project_ids))
    if only_approved:
        where = where & (ProjectRun.status == RunStatus.APPROVED)
    rows = await ProjectRun.select().where(where).order_by(ProjectRun.project).order_by(ProjectRun.seq)
    approval_ids = [r["approval"] for r in rows if r["approval"] and r["status"] == RunStatus.SUBMITTED]
    labels: dict[int, str] = {}
    if approval_ids:
        for request in await ApprovalRequest.select().where(ApprovalRequest.id.is_in(approval_ids)):
            labels[request["id"]] = RequestRow.of(request).step_label
    run_ids = [r["id"] for r in rows]
    sessions: dict[int, list[SessionOut]] = {}
    materials: dict[int, list[dict[str, Any]]] = {}
    if detail and run_ids:
        for s in await (
            ProjectSession.select()
            .where(ProjectSession.run.is_in(run_ids))
            .order_by(ProjectSession.starts_at)
            .order_by(ProjectSession.id)
        ):
            sessions.setdefault(s["run"], []).append(_session_out(s))
        if policy is not None:
            for m in await RunMaterial.select(
                *RunMaterial.all_columns(),
                RunMaterial.file.original_name.as_alias("file_name"),
                RunMaterial.file.content_type.as_alias("content_type"),
            ).where(RunMaterial.run.is_in(run_ids)):
                materials.setdefault(m["run"], []).append(m)
    out: dict[int, list[RunOut]] = {}
    for r in rows:
        out.setdefault(r["project"], []).append(
            _run_out(
                r,
                labels.get(r["approval"] or 0, ""),
                sessions.get(r["id"], []),
                materials_of(policy, materials.get(r["id"], [])) if policy is not None else [],
            )
        )
    return out


async def _owned_project(principal: Principal, project_id: int) -> dict[str, Any]:
    row = await Project.select().where(and_all(Project.id == project_id, access.visible(principal))).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    if not access.may_hold(principal, row["owner"], row["delegate"]):
        raise Forbidden("只有项目的立项用户或代办科室可以管理该项目的举办")
    return row


async def run_row(principal: Principal, run_id: int) -> dict[str, Any]:
    """The run ``run_id`` of a project the caller may open in full (404 otherwise), with its project's
    ``project_owner``, ``project_delegate``, ``project_status``, ``project_name``, ``project_number`` and
    ``project_year``."""
    visible_projects = Project.select(Project.id).where(access.visible(principal))
    row = await (
        ProjectRun.select(
            *ProjectRun.all_columns(),
            ProjectRun.project.owner.as_alias("project_owner"),
            ProjectRun.project.delegate.as_alias("project_delegate"),
            ProjectRun.project.status.as_alias("project_status"),
            ProjectRun.project.name.as_alias("project_name"),
            ProjectRun.project.number.as_alias("project_number"),
            ProjectRun.project.year.as_alias("project_year"),
        )
        .where((ProjectRun.id == run_id) & ProjectRun.project.is_in(visible_projects))
        .first()
    )
    if row is None:
        raise NotFound(RUN_NOT_FOUND)
    return row


async def editable_run(principal: Principal, run_id: int) -> dict[str, Any]:
    """The run, when the caller manages its project's hosting (its owner or the department it is
    delegated to) and its application is 未上报 or 退回修改."""
    await access.lock_row(ProjectRun, run_id)
    row = await run_row(principal, run_id)
    if not access.may_hold(principal, row["project_owner"], row["project_delegate"]):
        raise Forbidden("只有项目的立项用户或代办科室可以管理该项目的举办")
    if row["status"] not in EDITABLE_RUN:
        raise Conflict(LOCKED_RUN.get(row["status"], LOCKED_RUN[RunStatus.SUBMITTED.value]))
    return row


LOCKED_RUN = {
    RunStatus.SUBMITTED.value: "举办申请已上报，审核完成前不能修改；如需修改请等待退回",
    RunStatus.APPROVED.value: "举办申请已审核通过，不能再修改",
    RunStatus.REJECTED.value: "举办申请未通过，不能再修改",
}
"""Why a run in these states no longer changes."""


def _check_dates(data: RunIn, year: int) -> None:
    errors: list[FieldError] = []
    if data.ends_on < data.starts_on:
        errors.append(FieldError("ends_on", "结束日期不能早于开始日期"))
    for field, day in (("starts_on", data.starts_on), ("ends_on", data.ends_on)):
        if day.year != year:
            errors.append(FieldError(field, f"举办日期须在项目年度（{year}年）内"))
    if not data.venue.strip():
        errors.append(FieldError("venue", "请填写会场地址"))
    errors.extend(_code_period_errors(data))
    if errors:
        raise InvalidInput("请检查标注的字段", errors)


def _code_period_errors(data: RunIn) -> list[FieldError]:
    """二维码有效时间: both ends or neither, in order, within a day of the run's dates."""
    if data.codes_from is None and data.codes_until is None:
        return []
    if data.codes_from is None or data.codes_until is None:
        return [FieldError("codes_from", "二维码有效时间须同时填写开始和结束时间")]
    first, last = _day_bounds(data.starts_on - timedelta(days=1), data.ends_on + timedelta(days=1))
    start, end = _aware(data.codes_from), _aware(data.codes_until)
    if end <= start:
        return [FieldError("codes_until", "二维码有效时间的结束须晚于开始")]
    if start < first or end > last:
        return [FieldError("codes_from", "二维码有效时间须在举办日期前后一天之内")]
    return []


def _run_values(data: RunIn) -> dict[Any, Any]:
    return {
        ProjectRun.venue: data.venue.strip(),
        ProjectRun.starts_on: data.starts_on,
        ProjectRun.ends_on: data.ends_on,
        ProjectRun.note: data.note.strip(),
        ProjectRun.codes_from: _aware(data.codes_from).astimezone(UTC) if data.codes_from else None,
        ProjectRun.codes_until: _aware(data.codes_until).astimezone(UTC) if data.codes_until else None,
    }


def _run_audit(values: dict[Any, Any]) -> dict[str, Any]:
    return {column._meta.name: str(value) for column, value in values.items()}


async def add_run(pm: pluggy.PluginManager, principal: Principal, project_id: int, data: RunIn) -> RunOut:
    """A new run (the next 期数) of a published project the caller owns; audited."""
    try:
        async with write_transaction(ProjectRun):
            project = await _owned_project(principal, project_id)
            if project["status"] != ProjectStatus.PUBLISHED:
                raise Conflict("项目尚未公布，不能申请举办")
            _check_dates(data, project["year"])
            await access.lock_row(Project, project_id)  # parallel additions get consecutive 期数
            last = (
                await ProjectRun.select(ProjectRun.seq)
                .where(ProjectRun.project == project_id)
                .order_by(ProjectRun.seq, ascending=False)
                .first()
            )
            seq = (last["seq"] if last else 0) + 1
            values = _run_values(data)
            run = ProjectRun({**values, ProjectRun.project: project_id, ProjectRun.seq: seq})
            await run.save()
            run_id = int(run.id)
            await record(
                "projects.run.create",
                object_type="projects_run",
                object_id=run_id,
                summary=f"新增举办期数：{project['name']} 第{seq}期",
                after={**_run_audit(values), "project": project_id, "seq": seq},
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict("其他人同时新增了期数，请刷新后重试") from exc
        raise
    return await get_run(pm, principal, run_id)


async def _sessions_outside(run_id: int, starts_on: date, ends_on: date) -> bool:
    first, last = _day_bounds(starts_on, ends_on)
    return bool(
        await ProjectSession.exists().where(
            (ProjectSession.run == run_id)
            & ((ProjectSession.starts_at < first) | (ProjectSession.ends_at > last))
        )
    )


async def _sessions_without_codes(run_id: int, codes_from: datetime, codes_until: datetime) -> bool:
    """True when a session of the run lies wholly outside the codes' period (nobody could scan it)."""
    return bool(
        await ProjectSession.exists().where(
            (ProjectSession.run == run_id)
            & ((ProjectSession.ends_at < codes_from) | (ProjectSession.starts_at > codes_until))
        )
    )


def _day_bounds(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """The first and last moment (UTC) of the China days ``starts_on`` to ``ends_on``."""
    first = datetime(starts_on.year, starts_on.month, starts_on.day, tzinfo=CHINA)
    last = datetime(ends_on.year, ends_on.month, ends_on.day, tzinfo=CHINA) + timedelta(days=1)
    return first.astimezone(UTC), last.astimezone(UTC)


async def update_run(pm: pluggy.PluginManager, principal: Principal, run_id: int, data: RunIn) -> RunOut:
    """Change a run's venue, dates or note while its application may still change; audited."""
    async with write_transaction(ProjectRun):
        row = await editable_run(principal, run_id)
        _check_dates(data, row["project_year"])
        if await _sessions_outside(run_id, data.starts_on, data.ends_on):
            message = "已有课程不在新的举办日期内，请先调整课程"
            raise InvalidInput(message, [FieldError("starts_on", message)])
        if (
            data.codes_from
            and data.codes_until
            and await _sessions_without_codes(run_id, _aware(data.codes_from), _aware(data.codes_until))
        ):
            message = "已有课程在二维码有效时间之外，学员将无法扫码，请调整有效时间"
            raise InvalidInput(message, [FieldError("codes_from", message)])
        values = _run_values(data)
        await ProjectRun.update(values).where(ProjectRun.id == run_id)
        await record(
            "projects.run.update",
            object_type="projects_run",
            object_id=run_id,
            summary=f"修改举办期数：{row['project_name']} 第{row['seq']}期",
            before={
                "venue": row["venue"],
                "starts_on": str(row["starts_on"]),
                "ends_on": str(row["ends_on"]),
            },
            after=_run_audit(values),
        )
    return await get_run(pm, principal, run_id)


async def delete_run(principal: Principal, run_id: int) -> None:
    """Delete a run never submitted (未上报), with its sessions and materials; audited."""
    async with write_transaction(ProjectRun):
        row = await editable_run(principal, run_id)
        if row["status"] != RunStatus.DRAFT or row["approval"]:
            raise Conflict("已上报过的举办申请不能删除")
        await _remove_run_rows([run_id])
        await record(
            "projects.run.delete",
            object_type="projects_run",
            object_id=run_id,
            summary=f"删除举办期数：{row['project_name']} 第{row['seq']}期",
            before={
                "venue": row["venue"],
                "starts_on": str(row["starts_on"]),
                "ends_on": str(row["ends_on"]),
            },
        )


async def _remove_run_rows(run_ids: list[int]) -> None:
    await ProjectSession.delete().where(ProjectSession.run.is_in(run_ids))
    await RunMaterial.delete().where(RunMaterial.run.is_in(run_ids))
    await ProjectRun.delete().where(ProjectRun.id.is_in(run_ids))


async def remove_runs(project_id: int) -> None:
    """Delete every run of a project being deleted (the caller checked none was submitted)."""
    runs = await ProjectRun.select(ProjectRun.id).where(ProjectRun.project == project_id)
    if runs:
        await _remove_run_rows([r["id"] for r in runs])


async def get_run(pm: pluggy.PluginManager, principal: Principal, run_id: int) -> RunOut:
    """One run with its sessions and materials, for its project's owner and administrators."""
    row = await run_row(principal, run_id)
    runs = await runs_of([row["project"]], detail=True, only_approved=False, policy=project_policy(pm))
    return next(run for run in runs[row["project"]] if run.id == run_id)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=CHINA) if moment.tzinfo is None else moment


def checked_session(
    title: str, starts_at: datetime, ends_at: datetime, hours: Decimal, errors: list[FieldError]
) -> int:
    """The hours (hundredths) of a session (课程) from ``title``, its aware times and the hours typed (0:
    its length), adding to ``errors`` what is not acceptable: no title, an end not after the start, over
    24 hours, more hours than it lasts. Shared by every activity with sessions."""
    if ends_at <= starts_at:
        errors.append(FieldError("ends_at", "结束时间须晚于开始时间"))
    elif ends_at - starts_at > timedelta(hours=int(MAX_SESSION_HOURS)):
        errors.append(FieldError("ends_at", "一个课程不能超过24小时，请按天分别添加"))
    if not title.strip():
        errors.append(FieldError("title", "请填写课程名称"))
    typed = hundredths(hours, "hours", "学时", MAX_SESSION_HOURS, errors)
    length = max(0, int((ends_at - starts_at).total_seconds() * HUNDRED // 3600))
    if not errors and typed > length:
        errors.append(FieldError("hours", f"学时不能超过课程时长（{format_credits(length)} 小时）"))
    return typed or length


async def add_session(pm: pluggy.PluginManager, principal: Principal, run_id: int, data: SessionIn) -> RunOut:
    """A session of the run's schedule, within the run's dates; audited."""
    starts_at, ends_at = _aware(data.starts_at), _aware(data.ends_at)
    async with write_transaction(ProjectRun):
        row = await editable_run(principal, run_id)
        errors: list[FieldError] = []
        first, last = _day_bounds(row["starts_on"], row["ends_on"])
        if starts_at < first or ends_at > last:
            errors.append(
                FieldError("starts_at", f"课程须在举办日期（{row['starts_on']} 至 {row['ends_on']}）内")
            )
        elif row["codes_from"] and (ends_at < row["codes_from"] or starts_at > row["codes_until"]):
            errors.append(FieldError("starts_at", "课程须在二维码有效时间内，否则学员无法扫码"))
        hours = checked_session(data.title, starts_at, ends_at, data.hours, errors)
        if errors:
            raise InvalidInput("请检查标注的字段", errors)
        session = ProjectSession(
            run=run_id,
            title=data.title.strip(),
            speakers=data.speakers.strip(),
            starts_at=starts_at.astimezone(UTC),
            ends_at=ends_at.astimezone(UTC),
            hours=hours,
        )
        await session.save()
        await record(
            "projects.session.create",
            object_type="projects_session",
            object_id=int(session.id),
            summary=f"新增课程：{row['project_name']} 第{row['seq']}期 {session.title}",
            after={
                "run": run_id,
                "title": session.title,
                "speakers": session.speakers,
                "hours": session.hours,
            },
        )
    return await get_run(pm, principal, run_id)


async def delete_session(pm: pluggy.PluginManager, principal: Principal, session_id: int) -> RunOut:
    """Remove a session from a run whose application may still change; audited."""
    found = (
        await ProjectSession.select(ProjectSession.run, ProjectSession.title)
        .where(ProjectSession.id == session_id)
        .first()
    )
    if found is None:
        raise NotFound("课程不存在")
    async with write_transaction(ProjectRun):
        row = await editable_run(principal, found["run"])
        await ProjectSession.delete().where(ProjectSession.id == session_id)
        await record(
            "projects.session.delete",
            object_type="projects_session",
            object_id=session_id,
            summary=f"删除课程：{row['project_name']} 第{row['seq']}期 {found['title']}",
            before={"run": row["id"], "title": found["title"]},
        )
    return await get_run(pm, principal, row["id"])


async def attach_material(
    pm: pluggy.PluginManager, principal: Principal, run_id: int, data: MaterialIn
) -> RunOut:
    """Attach (or replace) one of the province's materials with a file the caller uploaded; audited."""
    spec = next((m for m in project_policy(pm).materials if m.code == data.kind), None)
    if spec is None:
        raise InvalidInput("不支持的资料类型", [FieldError("kind", "不支持的资料类型")])
    stored = (
        await StoredFile.select(StoredFile.id, StoredFile.purpose, StoredFile.uploaded_by)
        .where(StoredFile.id == data.file_id)
        .first()
    )
    if stored is None or stored["uploaded_by"] != principal.account_id or stored["purpose"] != FILE_PURPOSE:
        raise InvalidInput("请上传资料文件", [FieldError("file_id", "请上传资料文件")])
    async with write_transaction(ProjectRun):
        row = await editable_run(principal, run_id)
        where = (RunMaterial.run == run_id) & (RunMaterial.kind == spec.code)
        before = await RunMaterial.select(RunMaterial.file).where(where).first()
        if before is None:
            await RunMaterial(
                run=run_id, kind=spec.code, file=data.file_id, uploaded_by=principal.account_id
            ).save()
        else:
            await RunMaterial.update(
                {
                    RunMaterial.file: data.file_id,
                    RunMaterial.uploaded_by: principal.account_id,
                    RunMaterial.uploaded_at: datetime.now(UTC),
                }
            ).where(where)
        await record(
            "projects.material.upload",
            object_type="projects_run",
            object_id=run_id,
            summary=f"上传{spec.label}：{row['project_name']} 第{row['seq']}期",
            before={"file_id": before["file"]} if before else None,
            after={"kind": spec.code, "file_id": data.file_id},
        )
    return await get_run(pm, principal, run_id)


async def may_read_material(principal: Principal, file: FileFacts) -> bool:
    """Those who may open a run in full (its owner, the administrators of its units, hence its reviewers)
    may read the materials attached to it."""
    visible_runs = ProjectRun.select(ProjectRun.id).where(
        ProjectRun.project.is_in(Project.select(Project.id).where(access.visible(principal)))
    )
    return bool(
        await RunMaterial.exists().where((RunMaterial.file == file.id) & RunMaterial.run.is_in(visible_runs))
    )


register_read_rule(FILE_PURPOSE, may_read_material)
