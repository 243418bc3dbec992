"""The "我的文件" page: upload a file (purpose + file) and list my uploads with download links.

Uploads post ``multipart/form-data`` to ``/files`` and go through the same intake as ``POST /api/files``;
a download link is issued (and audited) only when the person follows it, through
``/files/{id}/download``, which redirects to the signed ``/files/{token}``.
"""

from __future__ import annotations

from typing import Any

from cme_platform.api.params import Id, OptionalId, PageNumber
from cme_platform.errors import DomainError
from cme_platform.files import service
from cme_platform.files.checks import human_size
from cme_platform.files.intake import UPLOAD_ROUTE_OPT, accept_upload
from cme_platform.files.purposes import KINDS, size_limit, tenant_purposes
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_login
from cme_platform.identity.principal import Principal
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.shell import page_context

PAGE_SIZE = 20


async def _principal(request: Request[Any, Any, Any]) -> Principal:
    principal = await principal_of(request)
    assert principal is not None  # the route's guard admits signed-in accounts only
    return principal


async def _render(
    request: Request[Any, Any, Any],
    *,
    page: int = 1,
    error: DomainError | None = None,
    purpose: str | None = None,
    uploaded: int | None = None,
) -> Template:
    principal = await _principal(request)
    result = await service.list_files(
        principal, uploaded_by=principal.account_id, page=page, page_size=PAGE_SIZE
    )
    purposes = [
        {
            "name": p.name,
            "label": p.label,
            "limit": human_size(size_limit(p, request.app.state.settings.upload_max_bytes)),
            "kinds": p.kind_labels(),
            "accept": ",".join(f".{e}" for k in p.kinds for e in KINDS[k].extensions),
        }
        for p in tenant_purposes(principal.roles)
    ]
    return Template(
        template_name="files/index.html",
        context={
            **page_context(request),
            "result": result,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "purposes": purposes,
            "selected": purpose or "evidence",
            "error": error,
            "uploaded": next((f for f in result.items if f.id == uploaded), None),
            "human_size": human_size,
        },
        status_code=error.status_code if error else 200,
    )


@get("/files", guards=[requires_login], name="files", include_in_schema=False)
async def files_page(
    request: Request[Any, Any, Any], page: PageNumber = 1, uploaded: OptionalId = None
) -> Template:
    """My uploads, newest first, under the upload form."""
    return await _render(request, page=page, uploaded=uploaded)


@post(
    "/files",
    guards=[requires_login],
    include_in_schema=False,
    request_max_body_size=None,
    opt=UPLOAD_ROUTE_OPT,
)
async def upload_from_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Store the submitted file, then show it in the list; a refused file re-shows the form with why."""
    principal = await _principal(request)
    try:
        file, _ = await accept_upload(request, principal)
    except DomainError as exc:
        return await _render(request, error=exc)
    return Redirect(tenant_url(request, f"/files?uploaded={file.id}"), status_code=303)


@get("/files/{file_id:int}/download", guards=[requires_login], include_in_schema=False)
async def download_from_page(request: Request[Any, Any, Any], file_id: Id) -> Redirect:
    """Issue a fresh signed link for a file I may read and send the browser to it."""
    principal = await _principal(request)
    _, token, _ = await service.issue_link(principal, file_id, settings=request.app.state.settings)
    return Redirect(tenant_url(request, f"/files/{token}"), status_code=303)


@get("/files/{file_id:int}/view", guards=[requires_login], include_in_schema=False)
async def view_from_page(request: Request[Any, Any, Any], file_id: Id) -> Redirect:
    """Like the download, but an image or PDF opens in the browser (``<img src>``, a viewer tab)."""
    principal = await _principal(request)
    _, token, _ = await service.issue_link(principal, file_id, settings=request.app.state.settings)
    return Redirect(tenant_url(request, f"/files/{token}?inline=true"), status_code=303)


routes = [files_page, upload_from_page, download_from_page, view_from_page]
