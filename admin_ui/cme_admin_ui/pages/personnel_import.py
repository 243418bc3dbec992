"""Pages of the Excel import and export of people: upload with the template, progress and row errors.

The upload form posts ``multipart/form-data`` (``purpose`` and ``file``) to ``/personnel/imports``; the
mode is the query string of the button pressed (``?mode=all`` 全部正确才导入, ``?mode=valid`` 只导入正确
的行), as the upload intake accepts no other form fields. The job page polls the JSON API while the
import runs. ``/personnel/export.xlsx`` downloads the list page's filtered people.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any, Literal

from cme_platform.api.params import Id, PageNumber
from cme_platform.errors import Conflict, DomainError
from cme_platform.files.intake import UPLOAD_ROUTE_OPT
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import ORG_ADMIN_ROLES
from cme_platform.jobs.kinds import UNFINISHED_STATUSES
from cme_platform.personnel import jobs
from cme_platform.personnel import schemas as s
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.import_api import IMPORT_PURPOSE, export_response, start_upload_import
from cme_platform.personnel.importer import MODES
from cme_platform.personnel.params import provide_person_filter
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.shell import page_context

PAGE_SIZE = 20


async def _caller(request: Request[Any, Any, Any]) -> tuple[Principal, PersonAccess]:
    principal = await principal_of(request)
    assert principal is not None  # the router's guard admits signed-in org admins only
    return principal, PersonAccess.of(principal)


async def _render(
    request: Request[Any, Any, Any], *, page: int = 1, error: DomainError | None = None
) -> Template:
    principal, access = await _caller(request)
    result = await jobs.list_imports(access, principal.account_id, page=page, page_size=PAGE_SIZE)
    return Template(
        template_name="personnel_import/index.html",
        context={
            **page_context(request),
            "result": result,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "modes": MODES,
            "purpose": IMPORT_PURPOSE.name,
            "error": error,
        },
        status_code=error.status_code if error else 200,
    )


@get("/imports", name="personnel_imports")
async def imports_page(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """The template download, the upload form and the past imports."""
    return await _render(request, page=page)


@post("/imports", request_max_body_size=None, opt=UPLOAD_ROUTE_OPT)
async def upload(
    request: Request[Any, Any, Any],
    mode: Annotated[Literal["all", "valid"], QueryParameter()] = "all",
) -> Template | Redirect:
    """Store the workbook and start its import, then show its progress; a refused file re-shows the form."""
    principal, access = await _caller(request)
    try:
        job_id = await start_upload_import(request, principal, access, mode=mode, institution_id=None)
    except DomainError as exc:
        return await _render(request, error=exc)
    return Redirect(tenant_url(request, f"/personnel/imports/{job_id}"), status_code=303)


@get("/imports/{import_id:int}")
async def import_page(request: Request[Any, Any, Any], import_id: Id) -> Template:
    """An import's progress (refreshed while it runs), counts and row errors."""
    principal, access = await _caller(request)
    job = await jobs.get_import(access, principal.account_id, import_id)
    return Template(
        template_name="personnel_import/detail.html",
        context={
            **page_context(request),
            "job": job,
            "modes": MODES,
            "running": job.status in UNFINISHED_STATUSES,
        },
    )


@post("/imports/{import_id:int}/cancel", status_code=303)
async def cancel(request: Request[Any, Any, Any], import_id: Id) -> Redirect:
    """Cancel an import that has not finished, then show it again (one that has ended shows its outcome)."""
    principal, access = await _caller(request)
    with contextlib.suppress(Conflict):
        await jobs.cancel_import(access, principal.account_id, import_id)
    return Redirect(tenant_url(request, f"/personnel/imports/{import_id}"), status_code=303)


@get("/export.xlsx", dependencies={"filters": Provide(provide_person_filter, sync_to_thread=False)})
async def export(
    request: Request[Any, Any, Any], filters: NamedDependency[s.PersonFilter]
) -> Response[bytes]:
    """The list page's filtered people as an Excel file."""
    _, access = await _caller(request)
    return await export_response(request, access, filters)


routes = [
    Router(
        path="/personnel",
        route_handlers=[imports_page, upload, import_page, cancel, export],
        guards=[requires_role(*ORG_ADMIN_ROLES)],
        include_in_schema=False,
    )
]
