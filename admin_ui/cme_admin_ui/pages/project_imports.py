"""Pages of the project-list imports (Beijing's 申报项目导入, 许可发项目导入): the template, the upload
and the outcome with each row's problems.

The upload form posts ``multipart/form-data`` (``purpose`` and ``file``) to ``/projects/imports/{code}``;
the mode is the query string of the button pressed, as the upload intake accepts no other form fields. The
import runs at once and the page shows what it wrote.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from cme_platform.errors import DomainError
from cme_platform.files.intake import UPLOAD_ROUTE_OPT
from cme_platform.identity.guards import requires_role
from cme_platform.projects import importing
from cme_platform.projects.access import IMPORTERS
from cme_platform.projects.import_api import IMPORT_PURPOSE, Code, upload_import
from cme_platform.projects.schemas import ProjectImportOut
from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Template

from cme_admin_ui.pages.credits import current_principal
from cme_admin_ui.shell import page_context

GUARDS = [requires_role(*IMPORTERS)]


async def _render(
    request: Request[Any, Any, Any],
    code: str,
    *,
    outcome: ProjectImportOut | None = None,
    error: DomainError | None = None,
) -> Template:
    principal = await current_principal(request)
    _, listed = importing.import_list(request.app.state.plugin_manager, principal, code)
    return Template(
        template_name="projects/import.html",
        context={
            **page_context(request),
            "listed": listed,
            "columns": importing.COLUMNS,
            "modes": importing.MODES,
            "max_rows": importing.MAX_ROWS,
            "purpose": IMPORT_PURPOSE.name,
            "outcome": outcome,
            "error": error,
        },
        status_code=error.status_code if error else 200,
    )


@get("/projects/imports/{list_code:str}", guards=GUARDS, include_in_schema=False)
async def import_page(request: Request[Any, Any, Any], list_code: Code) -> Template:
    """The list's template download and upload form."""
    return await _render(request, list_code)


@post(
    "/projects/imports/{list_code:str}",
    guards=GUARDS,
    include_in_schema=False,
    opt=UPLOAD_ROUTE_OPT,
    request_max_body_size=None,
)
async def import_upload(
    request: Request[Any, Any, Any],
    list_code: Code,
    mode: Annotated[Literal["all", "valid"], QueryParameter()] = "all",
) -> Template:
    """Import the uploaded list and show what was written and each row's problems (a refused file re-shows
    the form with the reason)."""
    principal = await current_principal(request)
    try:
        outcome = await upload_import(request, principal, list_code, mode)
    except DomainError as exc:
        return await _render(request, list_code, error=exc)
    return await _render(request, list_code, outcome=outcome)


routes = [import_page, import_upload]
"""The project import pages."""
