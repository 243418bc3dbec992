"""The projects' JSON API: projects, runs and their sessions and materials, hosting applications, queries.

- ``/api/projects``: the caller's own projects (``view=mine``) or his units' (``view=managed``), 项目录入,
  one project, its correction and deletion, a new run, Excel export;
- ``/api/project-runs``: one run, its changes, sessions, materials and 提交申请;
- ``/api/public/projects``: 项目查询 for everybody (visitors included).

Reviewing a hosting application happens in the approvals API (``/api/approvals``, kind
``project.hosting``).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from cme_platform import clock
from cme_platform.api.openapi import RATE_LIMITED
from cme_platform.api.params import Id, InstitutionFilter, PageNumber, PageSize
from cme_platform.api.state import plugin_manager
from cme_platform.files.service import content_disposition
from cme_platform.identity.current import principal_of
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.projects import declaration, export, hosting, runs, service
from cme_platform.projects.access import MANAGERS, OWNER_ROLES
from cme_platform.projects.schemas import (
    DelegationIn,
    MaterialIn,
    ProjectFilter,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    RunIn,
    RunOut,
    SessionIn,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READERS = (*MANAGERS, *OWNER_ROLES, Role.AUDIT_EXPERT)
Year = Annotated[int | None, QueryParameter(ge=1900, le=2100, description="项目年度")]
Choice = Annotated[str, QueryParameter(max_length=32, description="项目级别、二级学科等（完整名称）")]
Word = Annotated[str, QueryParameter(max_length=100, description="项目名称、编号或负责人关键字")]
View = Annotated[
    str,
    QueryParameter(
        pattern="^(mine|managed|delegated)$",
        description="mine：我的项目；managed：本单位项目；delegated：本科室代办的项目",
    ),
]
RunState = Annotated[
    str, QueryParameter(pattern="^(|draft|submitted|approved|returned|rejected)$", description="举办申请状态")
]


def provide_filters(
    year: Year = None,
    level: Choice = "",
    discipline: Choice = "",
    institution_id: InstitutionFilter = None,
    keyword: Word = "",
    run_status: RunState = "",
) -> ProjectFilter:
    """The list's conditions from the query string (项目年度, 级别, 学科, 单位, 关键字, 举办申请状态)."""
    return ProjectFilter(
        year=year,
        level=level,
        discipline=discipline,
        institution_id=institution_id,
        keyword=keyword,
        run_status=run_status,
    )


Filters = NamedDependency[ProjectFilter]


def _workbook(content: bytes, title: str) -> Response[bytes]:
    name = f"{title}_{clock.today():%Y%m%d}.xlsx"
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private, no-store"},
    )


class ProjectController(Controller):
    """立项用户's projects and the projects of an administrator's units."""

    path = "/api/projects"
    guards = [requires_role(*READERS)]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "principal": Provide(provide_principal),
        "filters": Provide(provide_filters, sync_to_thread=False),
    }
    tags = ["项目 projects"]  # noqa: RUF012

    @get("/", summary="The caller's projects (view=mine), his units' (managed) or his 科室's (delegated)")
    async def list_projects(
        self,
        principal: Caller,
        filters: Filters,
        view: View = "mine",
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> ProjectPage:
        return await service.list_projects(principal, view, filters, page, page_size)

    @get(
        "/export",
        summary="The same list as an Excel workbook (one row per run)",
        media_type=XLSX,
        responses=RATE_LIMITED,
    )
    async def export_projects(
        self, principal: Caller, filters: Filters, view: View = "mine"
    ) -> Response[bytes]:
        page = await service.list_projects(principal, view, filters, 1, export.MAX_ROWS)
        title = service.SCOPES[view]
        return _workbook(await export.export_page(page, title), title)

    @post("/", summary="项目录入: enter a project declared outside the platform (立项用户)")
    async def enter(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[ProjectIn]
    ) -> ProjectOut:
        return await service.enter_project(plugin_manager(request), principal, data)

    @post("/declarations", summary="新项目申报: save a declaration (the policy's declarers and levels)")
    async def declare(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[ProjectIn]
    ) -> ProjectOut:
        return await service.declare_project(plugin_manager(request), principal, data)

    @post("/{project_id:int}/submit", status_code=200, summary="提交申报: send a declaration for review")
    async def submit(self, request: Request[Any, Any, Any], principal: Caller, project_id: Id) -> ProjectOut:
        return await declaration.submit_declaration(plugin_manager(request), principal, project_id)

    @put(
        "/{project_id:int}/delegate", summary="委托代办: let a department of the institution manage its runs"
    )
    async def delegate(
        self, request: Request[Any, Any, Any], principal: Caller, project_id: Id, data: JSONBody[DelegationIn]
    ) -> ProjectOut:
        return await service.delegate_project(
            plugin_manager(request), principal, project_id, data.department_id
        )

    @get("/{project_id:int}", summary="One project with its runs, sessions and materials")
    async def read(self, request: Request[Any, Any, Any], principal: Caller, project_id: Id) -> ProjectOut:
        return await service.get_project(plugin_manager(request), principal, project_id)

    @put(
        "/{project_id:int}",
        summary="Correct a project (entered: until a run is submitted; declared: until it is submitted)",
    )
    async def update(
        self, request: Request[Any, Any, Any], principal: Caller, project_id: Id, data: JSONBody[ProjectIn]
    ) -> ProjectOut:
        return await service.update_project(plugin_manager(request), principal, project_id, data)

    @delete(
        "/{project_id:int}",
        summary="Delete an entered project no run of which was submitted, or a declaration never submitted",
    )
    async def remove(self, principal: Caller, project_id: Id) -> None:
        await service.delete_project(principal, project_id)

    @post("/{project_id:int}/runs", summary="Add a run (the next 期数) of a published project")
    async def add_run(
        self, request: Request[Any, Any, Any], principal: Caller, project_id: Id, data: JSONBody[RunIn]
    ) -> RunOut:
        return await runs.add_run(plugin_manager(request), principal, project_id, data)


class RunController(Controller):
    """A run's venue and dates, its sessions, the materials of its hosting application and 提交申请."""

    path = "/api/project-runs"
    guards = [requires_role(*READERS)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["项目 projects"]  # noqa: RUF012

    @get("/{run_id:int}", summary="One run with its sessions and materials")
    async def read(self, request: Request[Any, Any, Any], principal: Caller, run_id: Id) -> RunOut:
        return await runs.get_run(plugin_manager(request), principal, run_id)

    @put("/{run_id:int}", summary="Change a run's venue, dates or note (未上报 or 退回修改 only)")
    async def update(
        self, request: Request[Any, Any, Any], principal: Caller, run_id: Id, data: JSONBody[RunIn]
    ) -> RunOut:
        return await runs.update_run(plugin_manager(request), principal, run_id, data)

    @delete("/{run_id:int}", summary="Delete a run never submitted")
    async def remove(self, principal: Caller, run_id: Id) -> None:
        await runs.delete_run(principal, run_id)

    @post("/{run_id:int}/sessions", summary="Add a session (课题) within the run's dates")
    async def add_session(
        self, request: Request[Any, Any, Any], principal: Caller, run_id: Id, data: JSONBody[SessionIn]
    ) -> RunOut:
        return await runs.add_session(plugin_manager(request), principal, run_id, data)

    @delete("/sessions/{session_id:int}", status_code=200, summary="Remove a session")
    async def remove_session(
        self, request: Request[Any, Any, Any], principal: Caller, session_id: Id
    ) -> RunOut:
        return await runs.delete_session(plugin_manager(request), principal, session_id)

    @post(
        "/{run_id:int}/materials",
        status_code=200,
        summary="Attach a file uploaded as project_material as one of the province's materials",
    )
    async def attach(
        self, request: Request[Any, Any, Any], principal: Caller, run_id: Id, data: JSONBody[MaterialIn]
    ) -> RunOut:
        return await runs.attach_material(plugin_manager(request), principal, run_id, data)

    @post(
        "/{run_id:int}/submit", status_code=200, summary="提交申请: send the hosting application for review"
    )
    async def submit(self, request: Request[Any, Any, Any], principal: Caller, run_id: Id) -> RunOut:
        return await hosting.submit_run(plugin_manager(request), principal, run_id)


class PublicProjectController(Controller):
    """项目查询: published projects and their approved runs, for everybody in the tenant."""

    path = "/api/public/projects"
    dependencies = {"filters": Provide(provide_filters, sync_to_thread=False)}  # noqa: RUF012
    tags = ["项目 projects"]  # noqa: RUF012

    @get("/", summary="Published projects by year, level, discipline, organiser and keyword")
    async def query(
        self,
        request: Request[Any, Any, Any],
        filters: Filters,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> ProjectPage:
        return await service.public_projects(filters, page, page_size, await principal_of(request))

    @get("/{project_id:int}", summary="One published project with its approved runs and their sessions")
    async def read(self, request: Request[Any, Any, Any], project_id: Id) -> ProjectOut:
        return await service.get_project(plugin_manager(request), None, project_id)


def project_api_routes() -> list[type[Controller]]:
    """The projects' controllers."""
    return [ProjectController, RunController, PublicProjectController]
