"""Projects: entering one's own, correcting and deleting it, and the queries (mine, my units', public).

An owner (立项用户) enters the projects of the levels his province declares outside the platform
(national projects: 国家级项目录入); they are published at once, for their owner to apply to hold them.
Every change is audited; a project the caller may not see is not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pluggy

from cme_platform.audit.service import record
from cme_platform.credits.disciplines import check_discipline, discipline_tree
from cme_platform.db.errors import is_unique_violation
from cme_platform.db.paging import and_all, contains
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Department, Institution
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.projects import access
from cme_platform.projects.policy import ProjectPolicy
from cme_platform.projects.schemas import ProjectFilter, ProjectIn, ProjectOut, ProjectPage, RunOut
from cme_platform.projects.states import ProjectSource, ProjectStatus, RunStatus
from cme_platform.projects.tables import Project, ProjectRun
from cme_platform.standards.amounts import HUNDRED, format_credits
from cme_platform.tenancy.scope import current_tenant

NOT_FOUND = "项目不存在"
AUDITED = ("year", "number", "name", "level", "nature", "leader", "credits", "hours", "status")


def project_policy(pm: pluggy.PluginManager) -> ProjectPolicy:
    """The active tenant's project vocabulary and hosting rules."""
    policy: ProjectPolicy = tenant_hooks(pm, current_tenant()).cme_project_policy()
    return policy


def hundredths(value: Decimal, field: str, label: str, maximum: Decimal, errors: list[FieldError]) -> int:
    """``value`` as integer hundredths, or 0 with an error when negative, over ``maximum`` or too precise."""
    if not value.is_finite():
        errors.append(FieldError(field, f"{label}须为数字"))
    elif value < 0:
        errors.append(FieldError(field, f"{label}不能为负数"))
    elif value > maximum:
        errors.append(FieldError(field, f"{label}不能超过{format_credits(int(maximum * HUNDRED))}"))
    elif value != value.quantize(Decimal("0.01")):
        errors.append(FieldError(field, f"{label}最多两位小数"))
    else:
        return int(value * HUNDRED)
    return 0


def _one_of(value: str, choices: Sequence[str], field: str, label: str, errors: list[FieldError]) -> None:
    if value not in choices:
        errors.append(FieldError(field, f"{label}只能是：{'、'.join(choices)}"))


def checked_values(
    policy: ProjectPolicy, data: ProjectIn, levels: Sequence[str], *, numbered: bool = True
) -> dict[Any, Any]:
    """The columns of a project from ``data``, or 400 naming every field that is not acceptable.

    ``numbered``: the number is required (a project entered or imported with its approval's number); a
    declaration has none until it is published, and any number sent with it is ignored.
    """
    errors: list[FieldError] = []
    _one_of(data.level, levels, "level", "项目级别", errors)
    if data.nature:
        _one_of(data.nature, policy.natures, "nature", "项目性质", errors)
    if data.hosting_form:
        _one_of(data.hosting_form, policy.hosting_forms, "hosting_form", "举办方式", errors)
    if data.assessment:
        _one_of(data.assessment, policy.assessments, "assessment", "考核方式", errors)
    problem = check_discipline(current_tenant(), data.discipline, data.subdiscipline)
    if problem:
        known = data.discipline in discipline_tree(current_tenant())
        errors.append(FieldError("subdiscipline" if known else "discipline", problem))
    credits = hundredths(data.credits, "credits", "学分", policy.max_credits, errors)
    if not errors and credits == 0:
        errors.append(FieldError("credits", "请填写项目学分"))
    hours = hundredths(data.hours, "hours", "学时", policy.max_hours, errors)
    if numbered and not data.number.strip():
        errors.append(FieldError("number", "请填写项目编号"))
    for field, value in (("name", data.name), ("leader", data.leader)):
        if not value.strip():
            errors.append(FieldError(field, "不能只填空格"))
    if errors:
        raise InvalidInput("请检查标注的字段", errors)
    return {
        Project.year: data.year,
        Project.number: data.number.strip() if numbered else None,
        Project.name: data.name.strip(),
        Project.level: data.level,
        Project.nature: data.nature,
        Project.discipline: data.discipline,
        Project.subdiscipline: data.subdiscipline,
        Project.leader: data.leader.strip(),
        Project.credits: credits,
        Project.hours: hours,
        Project.hosting_form: data.hosting_form,
        Project.assessment: data.assessment,
        Project.description: data.description.strip(),
    }


def _duplicate_number(number: str) -> InvalidInput:
    message = f"项目编号“{number}”已存在"
    return InvalidInput(message, [FieldError("number", message)])


async def _insert(
    values: dict[Any, Any],
    source: ProjectSource,
    action: str,
    verb: str,
    status: ProjectStatus = ProjectStatus.PUBLISHED,
) -> int:
    """Store a project (``values`` checked, with its units and owner); audited. 400 when its number
    exists (checked first, and again by the unique index under concurrent entries)."""
    number = values[Project.number]
    try:
        async with write_transaction(Project):
            if number is not None and await Project.exists().where(Project.number == number):
                raise _duplicate_number(number)
            project = Project({**values, Project.source: source.value, Project.status: status.value})
            await project.save()
            await record(
                action,
                object_type="projects_project",
                object_id=int(project.id),
                summary=f"{verb}：{number or ''} {values[Project.name]}".replace("： ", "："),
                after={name: getattr(project, name) for name in AUDITED},
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise _duplicate_number(number) from exc
        raise
    return int(project.id)


async def declare_project(pm: pluggy.PluginManager, principal: Principal, data: ProjectIn) -> ProjectOut:
    """新项目申报: a declarer (a role of the policy's ``declarers``) saves a declaration of one of the
    ``declared_levels`` under his institution and department; it stays 未提交 until he submits it (see
    :mod:`cme_platform.projects.declaration`). Audited."""
    policy = project_policy(pm)
    roles = access.named_roles(policy.declarers)
    if not roles or not policy.declared_levels:
        raise Forbidden("本省不在本系统申报项目")
    unit = access.owner_unit(principal, roles)
    if unit is None:
        raise Forbidden(f"本省由{_role_names(roles)}申报项目")
    values = checked_values(policy, data, policy.declared_levels, numbered=False)
    values |= {Project.institution: unit[0], Project.department: unit[1], Project.owner: principal.account_id}
    project_id = await _insert(
        values, ProjectSource.DECLARED, "projects.project.declare", "保存项目申报", ProjectStatus.DRAFT
    )
    return await get_project(pm, principal, project_id)


def _role_names(roles: Sequence[Role]) -> str:
    return "、".join(role.label for role in roles)


async def enter_project(pm: pluggy.PluginManager, principal: Principal, data: ProjectIn) -> ProjectOut:
    """项目录入: an owner enters a project declared outside the platform (a level of the policy's
    ``entered_levels``); it is published at once under his institution (and department). Audited."""
    unit = access.owner_unit(principal)
    if unit is None:
        raise Forbidden("只有立项用户可以录入项目")
    policy = project_policy(pm)
    if not policy.entered_levels:
        raise Forbidden("本省的项目均在本系统申报，无需录入")
    values = checked_values(policy, data, policy.entered_levels)
    values |= {Project.institution: unit[0], Project.department: unit[1], Project.owner: principal.account_id}
    project_id = await _insert(values, ProjectSource.ENTERED, "projects.project.create", "录入项目")
    return await get_project(pm, principal, project_id)


async def record_published(
    pm: pluggy.PluginManager,
    principal: Principal,
    data: ProjectIn,
    *,
    institution_id: int,
    department_id: int | None,
    owner_id: int | None,
) -> int:
    """The commission records a project declared and approved elsewhere (an approved list it imports):
    published at once for ``institution_id`` and owned by ``owner_id``; audited. Returns its id."""
    if not principal.has_any(Role.COMMISSION_ADMIN):
        raise Forbidden("只有继教委管理员可以导入已立项的项目")
    policy = project_policy(pm)
    values = checked_values(policy, data, policy.levels)
    await _check_units(institution_id, department_id, owner_id)
    values |= {
        Project.institution: institution_id,
        Project.department: department_id,
        Project.owner: owner_id,
    }
    return await _insert(values, ProjectSource.IMPORTED, "projects.project.import", "导入已立项项目")


async def _check_units(institution_id: int, department_id: int | None, owner_id: int | None) -> None:
    """400 unless the institution, its department and the owner's account are the active tenant's."""
    errors: list[FieldError] = []
    if not await Institution.exists().where(Institution.id == institution_id):
        errors.append(FieldError("institution_id", "举办单位不存在"))
    elif department_id is not None and not await Department.exists().where(
        (Department.id == department_id) & (Department.institution == institution_id)
    ):
        errors.append(FieldError("department_id", "科室不属于举办单位"))
    if owner_id is not None and not await Account.exists().where(Account.id == owner_id):
        errors.append(FieldError("owner_id", "立项用户不存在"))
    if errors:
        raise InvalidInput("请检查标注的字段", errors)


async def own_row(principal: Principal, project_id: int) -> dict[str, Any]:
    """The project ``project_id`` when the caller owns it (404 when he may not see it, 403 when he only
    administers it)."""
    await access.lock_row(Project, project_id)
    row = await Project.select().where(and_all(Project.id == project_id, access.visible(principal))).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    if not access.may_change(principal, row):
        raise Forbidden("只有项目的立项用户可以修改该项目")
    return row


DECLARATION_LOCKED = {
    ProjectStatus.SUBMITTED.value: "申报正在审核中",
    ProjectStatus.PUBLISHED.value: "项目已公布",
    ProjectStatus.REJECTED.value: "申报未通过",
}
"""Why a declaration in these states no longer changes (未提交 and 已退回 still do)."""


async def _locked(row: dict[str, Any]) -> str:
    """Why the owner may no longer change a project's basic information ("" while he may)."""
    if row["source"] == ProjectSource.DECLARED:
        return DECLARATION_LOCKED.get(row["status"], "")
    if row["source"] == ProjectSource.IMPORTED:
        return "该项目由继教委按立项名单导入"
    if await _has_applied(row["id"]):
        return "项目已提交举办申请"
    return ""


async def _has_applied(project_id: int) -> bool:
    """True once one of the project's runs has left 未上报 (its basic information is then fixed)."""
    return bool(
        await ProjectRun.exists().where(
            (ProjectRun.project == project_id) & (ProjectRun.status != RunStatus.DRAFT)
        )
    )


async def update_project(
    pm: pluggy.PluginManager, principal: Principal, project_id: int, data: ProjectIn
) -> ProjectOut:
    """Correct a project's basic information: an entered one until a run is submitted for hosting, a
    declaration while it is 未提交 or 已退回; audited."""
    policy = project_policy(pm)
    try:
        async with write_transaction(Project):
            row = await own_row(principal, project_id)
            locked = await _locked(row)
            if locked:
                raise Conflict(f"{locked}，不能再修改基本信息")
            declared = row["source"] == ProjectSource.DECLARED
            levels = policy.declared_levels if declared else policy.entered_levels
            values = checked_values(policy, data, levels, numbered=not declared)
            number = values[Project.number]
            if number is not None and await Project.exists().where(
                (Project.number == number) & (Project.id != project_id)
            ):
                raise _duplicate_number(number)
            await Project.update({**values, Project.updated_at: datetime.now(UTC)}).where(
                Project.id == project_id
            )
            await record(
                "projects.project.update",
                object_type="projects_project",
                object_id=project_id,
                summary=f"修改项目：{number or ''} {values[Project.name]}".replace("： ", "："),
                before={name: row[name] for name in AUDITED},
                after=_named(values),
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise _duplicate_number(data.number.strip()) from exc
        raise
    return await get_project(pm, principal, project_id)


def _named(values: dict[Any, Any]) -> dict[str, Any]:
    return {column._meta.name: value for column, value in values.items() if column._meta.name in AUDITED}


async def delete_project(principal: Principal, project_id: int) -> None:
    """Delete an entered project none of whose runs was ever submitted (with those runs), or a
    declaration never submitted; audited."""
    from cme_platform.projects.runs import remove_runs

    async with write_transaction(Project):
        row = await own_row(principal, project_id)
        locked = await _locked(row)
        if locked or row["approval"]:
            raise Conflict(f"{locked or '申报已提交过审核'}，不能删除")
        await remove_runs(project_id)
        await Project.delete().where(Project.id == project_id)
        await record(
            "projects.project.delete",
            object_type="projects_project",
            object_id=project_id,
            summary=f"删除项目：{row['number'] or ''} {row['name']}".replace("： ", "："),
            before={name: row[name] for name in AUDITED},
        )


_COLUMNS = (
    *Project.all_columns(),
    Project.institution.name.as_alias("institution_name"),
    Project.department.name.as_alias("department_name"),
    Project.delegate.name.as_alias("delegate_name"),
)


def _out(
    row: dict[str, Any], runs: list[RunOut], principal: Principal | None, *, full: bool = False
) -> ProjectOut:
    return ProjectOut(
        id=row["id"],
        year=row["year"],
        number=row["number"] or "",
        name=row["name"],
        level=row["level"],
        nature=row["nature"],
        discipline=row["discipline"],
        subdiscipline=row["subdiscipline"],
        institution_id=row["institution"],
        institution_name=row["institution_name"] or "",
        department_id=row["department"],
        department_name=row["department_name"] or "",
        owner_id=row["owner"],
        delegate_id=row["delegate"],
        delegate_name=row["delegate_name"] or "",
        leader=row["leader"],
        credits=row["credits"],
        credits_text=format_credits(row["credits"]),
        hours=row["hours"],
        hours_text=format_credits(row["hours"]),
        hosting_form=row["hosting_form"],
        assessment=row["assessment"],
        description=row["description"],
        source=row["source"],
        source_label=ProjectSource.label_of(row["source"]),
        status=row["status"],
        status_label=ProjectStatus.label_of(row["status"]),
        review_comment=row["review_comment"],
        approval_id=row["approval"],
        created_at=row["created_at"],
        runs=runs,
        mine=principal is not None and access.may_change(principal, row),
        holds=principal is not None and access.may_hold(principal, row["owner"], row["delegate"]),
        full=full,
    )


async def get_project(pm: pluggy.PluginManager, principal: Principal | None, project_id: int) -> ProjectOut:
    """One project with its runs: in full for its owner and the administrators of its units, as the
    public query shows it (approved runs, no materials) for anybody else; 404 when neither."""
    from cme_platform.projects.runs import runs_of

    where = access.public() if principal is None else access.visible(principal) | access.public()
    row = await Project.select(*_COLUMNS).where(and_all(Project.id == project_id, where)).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    full = principal is not None and bool(
        await Project.exists().where(and_all(Project.id == project_id, access.visible(principal)))
    )
    policy = project_policy(pm) if full else None
    runs = (await runs_of([project_id], detail=True, only_approved=not full, policy=policy)).get(
        project_id, []
    )
    project = _out(row, runs, principal, full=full)
    return project if full else public_view(project)


def public_view(project: ProjectOut) -> ProjectOut:
    """``project`` as the public query shows it: its facts and approved runs, without its owner, its
    reviews, the runs' notes and the application's dates (which only its owner and administrators see)."""
    runs = [
        msgspec.structs.replace(
            run,
            note="",
            review_comment="",
            approval_id=None,
            submitted_at=None,
            decided_at=None,
            materials=[],
        )
        for run in project.runs
    ]
    return msgspec.structs.replace(
        project,
        owner_id=None,
        delegate_id=None,
        delegate_name="",
        review_comment="",
        approval_id=None,
        runs=runs,
    )


def _filtered(filters: ProjectFilter) -> Any:
    clauses: list[Any] = []
    if filters.year:
        clauses.append(Project.year == filters.year)
    if filters.level:
        clauses.append(Project.level == filters.level)
    if filters.discipline:
        clauses.append(Project.discipline == filters.discipline)
    if filters.institution_id:
        clauses.append(Project.institution == filters.institution_id)
    keyword = filters.keyword.strip()
    if keyword:
        clauses.append(
            contains(Project.name, keyword)
            | contains(Project.number, keyword)
            | contains(Project.leader, keyword)
        )
    if filters.run_status:
        runs = ProjectRun.select(ProjectRun.project).where(ProjectRun.status == filters.run_status)
        clauses.append(Project.id.is_in(runs))
    return and_all(*clauses)


async def _page(
    where: Any, principal: Principal | None, page: int, page_size: int, *, only_approved: bool
) -> ProjectPage:
    from cme_platform.projects.runs import runs_of

    rows = await (
        Project.select(*_COLUMNS)
        .where(where)
        .order_by(Project.year, ascending=False)
        .order_by(Project.id, ascending=False)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    total = await Project.count().where(where)
    runs = await runs_of([r["id"] for r in rows], detail=False, only_approved=only_approved)
    items = [_out(r, runs.get(r["id"], []), principal) for r in rows]
    if only_approved:
        items = [public_view(item) for item in items]
    return ProjectPage(items=items, total=total, page=page, page_size=page_size)


SCOPES = {"mine": "我的项目", "managed": "本单位项目", "delegated": "代办项目"}
"""The lists an account may ask for: the projects he owns, those of the units he administers."""


def scope_clause(principal: Principal, scope: str) -> Any:
    """The where-clause of list ``scope`` for ``principal`` (400 for another name)."""
    if scope == "mine":
        return Project.owner == principal.account_id
    if scope == "managed":
        return access.managed(principal)
    if scope == "delegated":
        return Project.delegate.is_in(access.delegated_departments(principal) or [0])
    raise InvalidInput("不支持的列表", [FieldError("view", "列表只能是 mine、managed 或 delegated")])


async def list_projects(
    principal: Principal, scope: str, filters: ProjectFilter, page: int = 1, page_size: int = 20
) -> ProjectPage:
    """The caller's projects (``mine``) or his units' (``managed``), newest first, with their runs."""
    where = and_all(scope_clause(principal, scope), access.visible(principal), _filtered(filters))
    return await _page(where, principal, page, page_size, only_approved=False)


async def public_projects(
    filters: ProjectFilter, page: int = 1, page_size: int = 20, principal: Principal | None = None
) -> ProjectPage:
    """项目查询: published projects with their approved runs, for everybody in the tenant (a condition on
    the runs' application state is not for the public and is ignored)."""
    public_filters = msgspec.structs.replace(filters, run_status="")
    return await _page(
        and_all(access.public(), _filtered(public_filters)), principal, page, page_size, only_approved=True
    )


async def delegate_project(
    pm: pluggy.PluginManager, principal: Principal, project_id: int, department_id: int | None
) -> ProjectOut:
    """委托代办: the project's institution lets one of its departments manage the project's runs and
    hosting applications (``None`` takes it back); audited. Only where the policy allows delegation,
    by an administrator of the project's institution (403), to a department of it (400)."""
    async with write_transaction(Project):
        row = (
            await Project.select(*_COLUMNS)
            .where(and_all(Project.id == project_id, access.visible(principal)))
            .first()
        )
        if row is None:
            raise NotFound(NOT_FOUND)
        if not project_policy(pm).delegation:
            raise Forbidden("本省未开通代办项目")
        if row["institution"] not in {
            g.institution_id for g in principal.grants_for(Role.INSTITUTION_ADMIN) if g.institution_id
        }:
            raise Forbidden("只有项目举办单位的管理员可以委托科室代办")
        name = ""
        if department_id is not None:
            department = (
                await Department.select(Department.name)
                .where((Department.id == department_id) & (Department.institution == row["institution"]))
                .first()
            )
            if department is None:
                message = "请选择本单位的科室"
                raise InvalidInput(message, [FieldError("department_id", message)])
            name = department["name"]
        changes = {Project.delegate: department_id, Project.updated_at: datetime.now(UTC)}
        await Project.update(changes).where(Project.id == project_id)
        await record(
            "projects.project.delegate",
            object_type="projects_project",
            object_id=project_id,
            summary=f"委托{name}代办：{row['name']}" if name else f"取消代办：{row['name']}",
            before={"delegate": row["delegate"]},
            after={"delegate": department_id},
        )
    return await get_project(pm, principal, project_id)
