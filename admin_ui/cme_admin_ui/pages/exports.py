"""导出文件: the documents an account asked to be made in the background (a run's certificates, the
credit forms of many people), with their progress, a download while they are kept, and cancelling."""

from __future__ import annotations

from typing import Any

from cme_platform.api.params import Id, PageNumber
from cme_platform.documents import service
from cme_platform.errors import DomainError
from cme_platform.identity.guards import requires_login
from cme_platform.jobs.kinds import UNFINISHED_STATUSES
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.shell import flash, page_context

PAGE_SIZE = 20


@get("/documents", guards=[requires_login], include_in_schema=False)
async def exports_page(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """The account's documents, newest first; the page refreshes itself while one is being made."""
    principal = await current_principal(request)
    result = await service.list_exports(principal.account_id, page=page, page_size=PAGE_SIZE)
    return Template(
        template_name="documents/list.html",
        context={
            **page_context(request),
            "result": result,
            "unfinished": UNFINISHED_STATUSES,
            "active": any(e.status in UNFINISHED_STATUSES for e in result.items),
            "keep_days": service.KEEP_DAYS,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
        },
    )


@post(
    "/documents/{export_id:int}/download", guards=[requires_login], include_in_schema=False, status_code=303
)
async def download(request: Request[Any, Any, Any], export_id: Id) -> Redirect:
    """下载: a fresh signed link to the made document (the page's own link never expires in the page)."""
    principal = await current_principal(request)
    try:
        token, _expires = await service.download_link(principal, export_id, request.app.state.settings)
    except DomainError as exc:
        flash(request, exc.message)
        return back(request, "/documents")
    return back(request, f"/files/{token}")


@post("/documents/{export_id:int}/cancel", guards=[requires_login], include_in_schema=False, status_code=303)
async def cancel(request: Request[Any, Any, Any], export_id: Id) -> Redirect:
    """取消 a document that is not made yet."""
    principal = await current_principal(request)
    try:
        await service.cancel(principal.account_id, export_id)
        flash(request, "已取消")
    except DomainError as exc:
        flash(request, exc.message)
    return back(request, "/documents")


routes = [exports_page, download, cancel]
