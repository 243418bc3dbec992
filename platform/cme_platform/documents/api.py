"""The JSON API of documents made in the background (the caller's own only).

- ``GET /api/documents``: the documents the caller asked for, newest first, with progress;
- ``GET /api/documents/{export_id}``: one of them (poll it while it is made);
- ``POST /api/documents/{export_id}/link``: a signed download link, valid for a short while;
- ``POST /api/documents/{export_id}/cancel``: stop one that is not made yet.

Documents are started where they belong (``POST /api/compliance/forms``, a run's certificates).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide

from cme_platform.api.params import Id, PageNumber, PageSize
from cme_platform.documents import schemas as s
from cme_platform.documents import service
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_login
from cme_platform.tenancy.urls import tenant_url


class DocumentController(Controller):
    """导出文件: the caller's documents made in the background."""

    path = "/api/documents"
    guards = [requires_login]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["导出文件 documents"]  # noqa: RUF012

    @get("/", summary="The caller's documents made in the background, newest first")
    async def list_documents(
        self, principal: Caller, page: PageNumber = 1, page_size: PageSize = 20
    ) -> s.ExportPage:
        return await service.list_exports(principal.account_id, page=page, page_size=page_size)

    @get("/{export_id:int}", summary="One of the caller's documents and its progress")
    async def get_document(self, principal: Caller, export_id: Id) -> s.ExportOut:
        return await service.get_export(principal.account_id, export_id)

    @post(
        "/{export_id:int}/link",
        summary="A signed download link of a made document (409 while it is made or once it expired)",
        status_code=200,
    )
    async def link(
        self, request: Request[Any, Any, Any], principal: Caller, export_id: Id
    ) -> s.ExportLinkOut:
        token, expires = await service.download_link(principal, export_id, request.app.state.settings)
        return s.ExportLinkOut(download_url=tenant_url(request, f"/files/{token}"), expires_at=expires)

    @post(
        "/{export_id:int}/cancel",
        summary="Stop a document that is not made yet (409 once it is)",
        status_code=200,
    )
    async def cancel(self, principal: Caller, export_id: Id) -> s.ExportOut:
        return await service.cancel(principal.account_id, export_id)


def document_api_routes() -> list[type[Controller]]:
    """The documents controller."""
    return [DocumentController]
