"""CME project pages: 项目查询 for everybody, 我的项目 and the hosting application for project owners,
本单位项目 for administrators.

Seed 004 §1: the owner (立项用户) enters a national project (国家级项目录入) or picks a published one, adds
a run (期数) with its venue, dates and sessions, uploads the materials (会议通知, 会议日程) and submits
(提交申请); his institution's 行政用户 confirms and the commission's 管理用户 approves or returns it, in
the approvals inbox (``/approvals?kind=project.hosting``). The public query lists published projects with
their approved runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pluggy
from cme_platform import clock
from cme_platform.api.params import Id, PageNumber, row_id_or_none
from cme_platform.api.state import plugin_manager
from cme_platform.approvals.engine import history
from cme_platform.approvals.kinds import PROJECT_HOSTING
from cme_platform.credits.disciplines import discipline_tree
from cme_platform.errors import DomainError, Forbidden
from cme_platform.files.checks import human_size
from cme_platform.files.intake import UPLOAD_ROUTE_OPT
from cme_platform.files.purposes import KINDS, PURPOSES, size_limit
from cme_platform.files.receive import FormShape
from cme_platform.identity.csrf import CSRF_FIELD
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.orgs.tables import Department
from cme_platform.projects import FILE_PURPOSE, access, declaration, hosting, runs, service
from cme_platform.projects.access import MANAGERS, OWNER_ROLES
from cme_platform.projects.schemas import MaterialIn, ProjectFilter, ProjectIn, ProjectOut, RunIn, SessionIn
from cme_platform.projects.states import RunStatus
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.pages.forms import (
    FormErrors,
    act,
    domain_form_errors,
    parse_form,
    session_form_data,
    session_form_errors,
)
from cme_admin_ui.pages.project_reviews import review_context
from cme_admin_ui.shell import flash, page_context
from cme_admin_ui.uploads import keep_upload, read_upload_form

PAGE_SIZE = 20
OWNERS = [requires_role(*OWNER_ROLES)]
ENTRANTS = [requires_role(Role.PROJECT_OWNER)]
READERS = [requires_role(*MANAGERS, *OWNER_ROLES)]
PROJECT_FIELDS = (
    "year", "number", "name", "level", "nature", "discipline", "subdiscipline", "leader", "credits", "hours",
    "hosting_form", "assessment", "description",
)  # fmt: skip
RUN_FIELDS = ("venue", "starts_on", "ends_on", "note", "codes_from", "codes_until")
MATERIAL_FORM = FormShape(text_fields=frozenset({CSRF_FIELD, "kind"}), max_text=64, max_segments=4)
LIST_TITLES = service.SCOPES


def _form_values(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: (form.get(name) or "").strip() for name in names if isinstance(form.get(name) or "", str)}


def _filters(request: Request[Any, Any, Any]) -> tuple[ProjectFilter, dict[str, str]]:
    """The query's conditions from the query string (what is not acceptable is ignored)."""
    query = {
        k: (request.query_params.get(k) or "").strip()[:100]
        for k in ("year", "level", "discipline", "keyword")
    }
    year = query["year"]
    filters = ProjectFilter(
        year=int(year) if year.isascii() and year.isdigit() and 1900 <= int(year) <= 2100 else None,
        level=query["level"][:32],
        discipline=query["discipline"][:64],
        keyword=query["keyword"],
        run_status=(request.query_params.get("run_status") or "")
        if request.query_params.get("run_status") in RunStatus._value2member_map_
        else "",
    )
    return filters, query


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _choices(pm: pluggy.PluginManager) -> dict[str, Any]:
    policy = service.project_policy(pm)
    this_year = clock.today().year
    return {
        "policy": policy,
        "disciplines": discipline_tree(current_tenant()),
        "years": list(range(this_year + 1, this_year - 6, -1)),
    }


@get("/projects", include_in_schema=False)
async def project_query(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """项目查询: published projects with their approved runs, by year, level, discipline and keyword."""
    principal = await principal_of(request)
    filters, query = _filters(request)
    result = await service.public_projects(filters, page, PAGE_SIZE, principal)
    return Template(
        template_name="projects/query.html",
        context={
            **page_context(request),
            **_choices(plugin_manager(request)),
            "result": result,
            "pages": _pages(result.total),
            "query": query,
        },
    )


async def _list(request: Request[Any, Any, Any], which: str, page: int) -> Template:
    principal = await current_principal(request)
    filters, query = _filters(request)
    result = await service.list_projects(principal, which, filters, page, PAGE_SIZE)
    return Template(
        template_name="projects/list.html",
        context={
            **page_context(request),
            **_choices(plugin_manager(request)),
            "result": result,
            "pages": _pages(result.total),
            "query": {**query, "run_status": filters.run_status},
            "which": which,
            "title": LIST_TITLES[which],
            "run_states": [(s.value, s.label) for s in RunStatus],
            "may_enter": principal.has_any(Role.PROJECT_OWNER),
            "may_declare": _may_declare(plugin_manager(request), principal),
            "reviews": principal.has_any(Role.INSTITUTION_ADMIN, Role.COMMISSION_ADMIN),
            "hosting_kind": PROJECT_HOSTING,
        },
    )


@get("/projects/mine", guards=OWNERS, include_in_schema=False)
async def my_projects(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """我的项目 (项目举办申请): the owner's projects, each run with where its application stands."""
    return await _list(request, "mine", page)


@get("/projects/delegated", guards=[requires_role(Role.DEPARTMENT_ADMIN)], include_in_schema=False)
async def delegated_projects(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """代办项目管理: the projects the department's institution lets it manage before they are held."""
    return await _list(request, "delegated", page)


@get("/projects/manage", guards=[requires_role(*MANAGERS)], include_in_schema=False)
async def managed_projects(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """本单位项目: the projects of the administrator's units, filterable by application status."""
    return await _list(request, "managed", page)


def _may_declare(pm: pluggy.PluginManager, principal: Principal) -> bool:
    policy = service.project_policy(pm)
    roles = access.named_roles(policy.declarers)
    return bool(policy.declared_levels) and access.owner_unit(principal, roles) is not None


def _project_form(
    request: Request[Any, Any, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    project: ProjectOut | None,
    *,
    declaring: bool,
) -> Template:
    return Template(
        template_name="projects/form.html",
        context={
            **page_context(request),
            **_choices(plugin_manager(request)),
            "values": values,
            "errors": errors,
            "project": project,
            "declaring": declaring,
        },
        status_code=400 if errors else 200,
    )


def _project_values(project: ProjectOut) -> dict[str, Any]:
    values = {name: getattr(project, name) for name in PROJECT_FIELDS}
    return {**values, "credits": project.credits_text, "hours": project.hours_text}


@get("/projects/new", guards=ENTRANTS, include_in_schema=False)
async def new_project(request: Request[Any, Any, Any]) -> Template:
    """国家级项目录入: the basic information of a project declared outside the platform."""
    return _project_form(request, {"year": clock.today().year}, {}, None, declaring=False)


@get("/projects/declare", guards=OWNERS, include_in_schema=False)
async def new_declaration(request: Request[Any, Any, Any]) -> Template:
    """新项目申报: a project of a level declared in the platform, saved first and submitted from its page."""
    return _project_form(request, {"year": clock.today().year + 1}, {}, None, declaring=True)


DONE = {
    "enter": "项目已录入，请新增举办期数并提交举办申请",
    "declare": "申报已保存，确认无误后请点击“提交申报”",
}
"""What the project's page says after it was saved."""


async def _save_project(
    request: Request[Any, Any, Any], project: ProjectOut | None, *, declaring: bool
) -> Template | Redirect:
    principal = await current_principal(request)
    values = _form_values(await request.form(), PROJECT_FIELDS)
    try:
        data = parse_form({k: v for k, v in values.items() if v != "" or k == "name"}, ProjectIn)
        if project is not None:
            saved = await service.update_project(plugin_manager(request), principal, project.id, data)
        elif declaring:
            saved = await service.declare_project(plugin_manager(request), principal, data)
        else:
            saved = await service.enter_project(plugin_manager(request), principal, data)
    except FormErrors as exc:
        return _project_form(request, values, {"_": exc.message, **exc.errors}, project, declaring=declaring)
    except DomainError as exc:
        errors = domain_form_errors(exc)
        shown = {"_": errors.message, **errors.errors}
        return _project_form(request, values, shown, project, declaring=declaring)
    flash(request, "项目信息已保存" if project else DONE["declare" if declaring else "enter"])
    return back(request, f"/projects/{saved.id}")


@post("/projects", guards=ENTRANTS, include_in_schema=False, status_code=303)
async def create_project(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Save a new entered project."""
    return await _save_project(request, None, declaring=False)


@post("/projects/declarations", guards=OWNERS, include_in_schema=False, status_code=303)
async def create_declaration(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Save a new declaration (未提交)."""
    return await _save_project(request, None, declaring=True)


@post("/projects/{project_id:int}/submit", guards=OWNERS, include_in_schema=False, status_code=303)
async def submit_declaration(request: Request[Any, Any, Any], project_id: Id) -> Redirect:
    """提交申报: to the institution, then the commission."""
    principal = await current_principal(request)
    here = f"/projects/{project_id}"
    submitting = declaration.submit_declaration(plugin_manager(request), principal, project_id)
    return await act(request, "申报已提交，等待单位审核", here, here, submitting)


@get("/projects/{project_id:int}", include_in_schema=False)
async def project_detail(request: Request[Any, Any, Any], project_id: Id) -> Template:
    """A project: its facts and runs (approved runs only for those who do not administer or own it)."""
    principal = await principal_of(request)
    project = await service.get_project(plugin_manager(request), principal, project_id)
    shown = project.full and project.approval_id is not None
    return Template(
        template_name="projects/detail.html",
        context={
            **page_context(request),
            "project": project,
            "history": await history(project.approval_id) if shown and project.approval_id else [],
            "departments": await _delegation_choices(request, principal, project),
            **await review_context(principal, project),
        },
    )


async def _delegation_choices(
    request: Request[Any, Any, Any], principal: Principal | None, project: ProjectOut
) -> list[tuple[int, str]]:
    """The institution's departments, for its administrators where the province delegates projects."""
    if principal is None or not service.project_policy(plugin_manager(request)).delegation:
        return []
    own = {g.institution_id for g in principal.grants_for(Role.INSTITUTION_ADMIN)}
    if project.institution_id not in own:
        return []
    rows = (
        await Department.select(Department.id, Department.name)
        .where((Department.institution == project.institution_id) & (Department.active.eq(True)))
        .order_by(Department.name)
    )
    return [(r["id"], r["name"]) for r in rows]


@post(
    "/projects/{project_id:int}/delegate",
    guards=[requires_role(Role.INSTITUTION_ADMIN)],
    include_in_schema=False,
    status_code=303,
)
async def delegate_project(request: Request[Any, Any, Any], project_id: Id) -> Redirect:
    """委托代办 (or 取消代办): which department of the institution manages the project's runs."""
    principal = await current_principal(request)
    raw = (await request.form()).get("department_id") or ""
    department_id = row_id_or_none(raw)
    here = f"/projects/{project_id}"
    if raw and department_id is None:
        flash(request, "请选择本单位的科室")
        return back(request, here)
    delegating = service.delegate_project(plugin_manager(request), principal, project_id, department_id)
    done = "已委托科室代办" if department_id else "已取消代办"
    return await act(request, done, here, here, delegating)


async def _owned(request: Request[Any, Any, Any], project_id: int) -> tuple[Principal, ProjectOut]:
    principal = await current_principal(request)
    return principal, await service.get_project(plugin_manager(request), principal, project_id)


@get("/projects/{project_id:int}/edit", guards=OWNERS, include_in_schema=False)
async def edit_project(request: Request[Any, Any, Any], project_id: Id) -> Template:
    """修改 an entered project's basic information."""
    principal, project = await _owned(request, project_id)
    await service.own_row(principal, project_id)  # 403 for those who may see it but not change it
    declaring = project.source == "declared"
    return _project_form(request, _project_values(project), {}, project, declaring=declaring)


@post("/projects/{project_id:int}/edit", guards=OWNERS, include_in_schema=False, status_code=303)
async def update_project(request: Request[Any, Any, Any], project_id: Id) -> Template | Redirect:
    """Save the corrected basic information."""
    _, project = await _owned(request, project_id)
    return await _save_project(request, project, declaring=project.source == "declared")


@post("/projects/{project_id:int}/delete", guards=OWNERS, include_in_schema=False, status_code=303)
async def delete_project(request: Request[Any, Any, Any], project_id: Id) -> Redirect:
    """删除 an entered project none of whose runs was submitted."""
    principal = await current_principal(request)
    deleting = service.delete_project(principal, project_id)
    return await act(request, "项目已删除", "/projects/mine", f"/projects/{project_id}", deleting)


def _run_form(
    request: Request[Any, Any, Any],
    project: ProjectOut,
    values: dict[str, Any],
    errors: dict[str, str],
    run_id: int | None,
) -> Template:
    return Template(
        template_name="projects/run_form.html",
        context={
            **page_context(request),
            "project": project,
            "values": values,
            "errors": errors,
            "run_id": run_id,
        },
        status_code=400 if errors else 200,
    )


@get("/projects/{project_id:int}/runs/new", guards=OWNERS, include_in_schema=False)
async def new_run(request: Request[Any, Any, Any], project_id: Id) -> Template:
    """新增期数: the venue and dates of the next run."""
    _, project = await _owned(request, project_id)
    if not project.holds:
        raise Forbidden("只有项目的立项用户或代办科室可以管理该项目的举办")
    return _run_form(request, project, {}, {}, None)


async def _save_run(
    request: Request[Any, Any, Any], project: ProjectOut, run_id: int | None
) -> Template | Redirect:
    principal = await current_principal(request)
    values = _form_values(await request.form(), RUN_FIELDS)
    try:
        data = parse_form(
            {
                **values,
                "codes_from": _local(values["codes_from"]),
                "codes_until": _local(values["codes_until"]),
            },
            RunIn,
        )
        if run_id is None:
            run = await runs.add_run(plugin_manager(request), principal, project.id, data)
        else:
            run = await runs.update_run(plugin_manager(request), principal, run_id, data)
    except FormErrors as exc:
        return _run_form(request, project, values, {"_": exc.message, **exc.errors}, run_id)
    except DomainError as exc:
        errors = domain_form_errors(exc)
        return _run_form(request, project, values, {"_": errors.message, **errors.errors}, run_id)
    flash(request, "已保存，请添加课程、上传资料后提交申请")
    return back(request, f"/projects/runs/{run.id}")


@post("/projects/{project_id:int}/runs", guards=OWNERS, include_in_schema=False, status_code=303)
async def create_run(request: Request[Any, Any, Any], project_id: Id) -> Template | Redirect:
    """Save a new run."""
    _, project = await _owned(request, project_id)
    return await _save_run(request, project, None)


async def _run_page(
    request: Request[Any, Any, Any],
    run_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    principal = await current_principal(request)
    run = await runs.get_run(plugin_manager(request), principal, run_id)
    project = await service.get_project(plugin_manager(request), principal, run.project_id)
    purpose = PURPOSES[FILE_PURPOSE]
    return Template(
        template_name="projects/run.html",
        context={
            **page_context(request),
            "project": project,
            "run": run,
            "history": await history(run.approval_id) if run.approval_id else [],
            "errors": errors or {},
            "values": values or {"day": str(run.starts_on)},
            "accept": ",".join(f".{ext}" for kind in purpose.kinds for ext in KINDS[kind].extensions),
            "kinds": purpose.kind_labels(),
            "limit": human_size(size_limit(purpose, request.app.state.settings.upload_max_bytes)),
        },
        status_code=400 if errors else 200,
    )


@get("/projects/runs/{run_id:int}", guards=READERS, include_in_schema=False)
async def run_detail(request: Request[Any, Any, Any], run_id: Id) -> Template:
    """A run: venue and dates, its sessions, its materials, where its application stands and its history."""
    return await _run_page(request, run_id)


@get("/projects/runs/{run_id:int}/edit", guards=OWNERS, include_in_schema=False)
async def edit_run(request: Request[Any, Any, Any], run_id: Id) -> Template:
    """修改 a run's venue, dates or note."""
    principal = await current_principal(request)
    await runs.editable_run(principal, run_id)
    run = await runs.get_run(plugin_manager(request), principal, run_id)
    project = await service.get_project(plugin_manager(request), principal, run.project_id)
    values = {
        "venue": run.venue,
        "starts_on": str(run.starts_on),
        "ends_on": str(run.ends_on),
        "note": run.note,
        "codes_from": clock.china_time(run.codes_from, "%Y-%m-%dT%H:%M") if run.codes_from else "",
        "codes_until": clock.china_time(run.codes_until, "%Y-%m-%dT%H:%M") if run.codes_until else "",
    }
    return _run_form(request, project, values, {}, run_id)


@post("/projects/runs/{run_id:int}/edit", guards=OWNERS, include_in_schema=False, status_code=303)
async def update_run(request: Request[Any, Any, Any], run_id: Id) -> Template | Redirect:
    """Save a run's venue, dates or note."""
    principal = await current_principal(request)
    run = await runs.get_run(plugin_manager(request), principal, run_id)
    project = await service.get_project(plugin_manager(request), principal, run.project_id)
    return await _save_run(request, project, run_id)


def _local(value: str) -> datetime | str | None:
    """A ``datetime-local`` field (China time) as a moment; empty is none, anything else is left for the
    form's check to refuse."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=clock.CHINA)
    except ValueError:
        return value


@post("/projects/runs/{run_id:int}/sessions", guards=OWNERS, include_in_schema=False, status_code=303)
async def add_session(request: Request[Any, Any, Any], run_id: Id) -> Template | Redirect:
    """添加课程: a session on one day of the run, with its start and end time."""
    principal = await current_principal(request)
    values = _form_values(await request.form(), ("title", "speakers", "day", "start", "end", "hours"))
    data = session_form_data(values, ("title", "speakers"))
    try:
        await runs.add_session(plugin_manager(request), principal, run_id, parse_form(data, SessionIn))
    except FormErrors as exc:
        return await _run_page(request, run_id, session_form_errors({"_": exc.message, **exc.errors}), values)
    except DomainError as exc:
        return await _run_page(request, run_id, session_form_errors(domain_form_errors(exc).errors), values)
    flash(request, "课程已添加")
    return back(request, f"/projects/runs/{run_id}#sessions")


@post(
    "/projects/runs/{run_id:int}/sessions/{session_id:int}/delete",
    guards=OWNERS,
    include_in_schema=False,
    status_code=303,
)
async def delete_session(request: Request[Any, Any, Any], run_id: Id, session_id: Id) -> Redirect:
    """删除 a session."""
    principal = await current_principal(request)
    here = f"/projects/runs/{run_id}#sessions"
    return await act(
        request, "课程已删除", here, here, runs.delete_session(plugin_manager(request), principal, session_id)
    )


@post(
    "/projects/runs/{run_id:int}/materials",
    guards=OWNERS,
    include_in_schema=False,
    request_max_body_size=None,
    opt=UPLOAD_ROUTE_OPT,
    status_code=303,
)
async def upload_material(request: Request[Any, Any, Any], run_id: Id) -> Template | Redirect:
    """开始上传: one material (会议通知, 会议日程…), checked by content and size, replacing an earlier one."""
    principal = await current_principal(request)
    received = await read_upload_form(request, principal, shape=MATERIAL_FORM, purpose=FILE_PURPOSE)
    kind = (received.fields.get("kind") or "").strip()
    try:
        await runs.editable_run(principal, run_id)  # refused before the file is kept
        if kind not in {m.code for m in service.project_policy(plugin_manager(request)).materials}:
            raise FormErrors("不支持的资料类型", {})
        if not received.has_file:
            raise FormErrors("请选择文件", {f"material.{kind}": "请选择要上传的文件"})
        try:
            file_id = await keep_upload(request, principal, received, FILE_PURPOSE)
        except DomainError as exc:
            raise FormErrors(exc.message, {f"material.{kind}": exc.message}) from exc
        await runs.attach_material(
            plugin_manager(request), principal, run_id, MaterialIn(kind=kind[:32], file_id=file_id)
        )
    except FormErrors as exc:
        return await _run_page(request, run_id, {"_": exc.message, **exc.errors})
    except DomainError as exc:
        return await _run_page(request, run_id, domain_form_errors(exc).errors)
    finally:
        received.discard()
    flash(request, "资料已上传")
    return back(request, f"/projects/runs/{run_id}#materials")


@post("/projects/runs/{run_id:int}/submit", guards=OWNERS, include_in_schema=False, status_code=303)
async def submit_run(request: Request[Any, Any, Any], run_id: Id) -> Template | Redirect:
    """提交申请: to the institution's 行政用户, then the commission."""
    principal = await current_principal(request)
    try:
        await hosting.submit_run(plugin_manager(request), principal, run_id)
    except DomainError as exc:
        return await _run_page(request, run_id, domain_form_errors(exc).errors)
    flash(request, "举办申请已提交，等待单位确认")
    return back(request, f"/projects/runs/{run_id}")


@post("/projects/runs/{run_id:int}/delete", guards=OWNERS, include_in_schema=False, status_code=303)
async def delete_run(request: Request[Any, Any, Any], run_id: Id) -> Redirect:
    """删除 a run never submitted."""
    principal = await current_principal(request)
    run = await runs.get_run(plugin_manager(request), principal, run_id)
    deleting = runs.delete_run(principal, run_id)
    to = f"/projects/{run.project_id}"
    return await act(request, "已删除该期", to, f"/projects/runs/{run_id}", deleting)


routes = [
    project_query,
    my_projects,
    managed_projects,
    delegated_projects,
    delegate_project,
    new_project,
    new_declaration,
    create_project,
    create_declaration,
    submit_declaration,
    project_detail,
    edit_project,
    update_project,
    delete_project,
    new_run,
    create_run,
    run_detail,
    edit_run,
    update_run,
    add_session,
    delete_session,
    upload_material,
    submit_run,
    delete_run,
]
"""The project pages."""
