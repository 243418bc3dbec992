"""Files over HTTP: the JSON API under ``/api/files`` and the signed download route ``/files/{token}``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.response import Stream

from cme_platform.api.openapi import download_operation, upload_operation
from cme_platform.api.params import Id, OptionalId, PageNumber, PageSize
from cme_platform.errors import NotFound
from cme_platform.files import schemas as s
from cme_platform.files import service
from cme_platform.files.intake import UPLOAD_ROUTE_OPT, accept_upload
from cme_platform.files.purposes import KINDS, size_limit, tenant_purposes
from cme_platform.files.service import FileRow
from cme_platform.files.storage import storage_for
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_login
from cme_platform.tenancy.urls import tenant_url

log = logging.getLogger("cme.files")
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(name="Idempotency-Key", required=False, description="重试时使用同一个键，得到同一条记录"),
]


def with_link(
    request: Request[Any, Any, Any], file: FileRow, token: str, expires: datetime
) -> s.FileWithLink:
    """Metadata plus the tenant-relative download URL of ``token``."""
    out = file.out()
    fields = {name: getattr(out, name) for name in out.__struct_fields__}
    return s.FileWithLink(
        **fields, download_url=tenant_url(request, f"/files/{token}"), download_expires_at=expires
    )


class FileController(Controller):
    """Uploads and their metadata (signed-in accounts of the tenant)."""

    path = "/api/files"
    guards = [requires_login]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["文件 files"]  # noqa: RUF012

    @post(
        "/",
        summary="Upload a file (multipart/form-data: purpose, file)",
        description=(
            "Fields `purpose` (see /api/files/purposes; send it before `file`) and `file`. The type is "
            "judged by content and must match the name's extension. 201 new, 200 a retry with the same "
            "Idempotency-Key, 409 that key with a different file, 413 too large, 415 wrong type."
        ),
        request_max_body_size=None,
        opt=UPLOAD_ROUTE_OPT,
        operation_class=upload_operation(also_ok=200),
    )
    async def upload(
        self, request: Request[Any, Any, Any], principal: Caller, idempotency_key: IdempotencyKey = None
    ) -> Response[s.FileOut]:
        key = service.check_idempotency_key(idempotency_key)
        file, created = await accept_upload(request, principal, idempotency_key=key)
        return Response(file.out(), status_code=201 if created else 200)

    @get("/", summary="List my uploads (commission admins: everyone's)")
    async def list_files(
        self,
        principal: Caller,
        purpose: Annotated[str | None, QueryParameter(max_length=32)] = None,
        uploaded_by: OptionalId = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> s.FilePage:
        return await service.list_files(
            principal, purpose=purpose, uploaded_by=uploaded_by, page=page, page_size=page_size
        )

    @get("/purposes", summary="The upload purposes I may use, with their size limits and extensions")
    async def purposes(self, request: Request[Any, Any, Any], principal: Caller) -> list[s.PurposeOut]:
        upload_max_bytes = request.app.state.settings.upload_max_bytes
        return [
            s.PurposeOut(
                name=p.name,
                label=p.label,
                max_bytes=size_limit(p, upload_max_bytes),
                extensions=[e for k in p.kinds for e in KINDS[k].extensions],
            )
            for p in tenant_purposes(principal.roles)
        ]

    @get("/{file_id:int}", summary="Read a file's metadata with a fresh download link")
    async def get_file(
        self, request: Request[Any, Any, Any], principal: Caller, file_id: Id
    ) -> s.FileWithLink:
        file, token, expires = await service.issue_link(
            principal, file_id, settings=request.app.state.settings
        )
        return with_link(request, file, token, expires)


async def _prefetched(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Read the first chunk before the response starts, so a missing object is a 404, not a cut body."""
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = b""
    except Exception as exc:  # the storage backend lost or cannot serve the object
        log.exception("stored object unreadable", exc_info=exc)
        raise NotFound("文件内容不可用") from exc

    async def rest() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return rest()


@get(
    "/files/{token:str}",
    summary="Download a file through a signed, expiring link",
    tags=["文件 files"],
    operation_class=download_operation(),
)
async def download(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    inline: Annotated[bool, QueryParameter(description="true: an image or PDF opens in the browser")] = False,
) -> Stream:
    """Stream the file a valid token grants, as an attachment (403 forged/expired, 404 other tenant).

    With ``inline=true`` an image or a PDF (:data:`~cme_platform.files.service.PREVIEWS`) is shown by the
    browser instead: an image in the page that links it, a PDF in the browser's viewer (which no page may
    frame). Other types download either way.
    """
    settings = request.app.state.settings
    file = await service.file_for_token(token, settings=settings)
    body = await _prefetched(storage_for(settings).read(file.key))
    kind = service.preview_kind(file.content_type) if inline else ""
    headers = {
        "Content-Disposition": service.content_disposition(file.original_name, inline=bool(kind)),
        "Content-Length": str(file.size),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if kind == "pdf":  # the browser's PDF viewer does not run in a sandbox; nothing may frame it
        headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    return Stream(body, media_type=file.content_type, headers=headers)


def file_api_routes() -> list[Any]:
    """The files API controller and the download route."""
    return [FileController, download]
