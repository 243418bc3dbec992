"""One upload request from start to finish, shared by ``POST /api/files`` and the ``/files`` page.

Upload routes are exempt from the CSRF middleware (which would parse the whole multipart body before the
handler) and check the token here instead: a session-authenticated upload must carry the session's
token in the ``X-CSRF-Token`` header or the ``_csrf`` form field; API-token requests need none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request

from cme_platform.audit.refusals import record_refusal, request_summary
from cme_platform.errors import InvalidInput
from cme_platform.files.checks import FileTooLarge, UnsupportedFileType
from cme_platform.files.purposes import PURPOSES, size_limit
from cme_platform.files.receive import receive_file
from cme_platform.files.service import FileRow, store_upload
from cme_platform.files.storage import storage_for
from cme_platform.identity.csrf import CSRF_FIELD, CSRF_HEADER, check_token
from cme_platform.identity.principal import Principal

UPLOAD_REFUSALS = (FileTooLarge, UnsupportedFileType, InvalidInput)
"""The upload errors that are audited as refusals (size, type, name, form)."""
UPLOAD_ROUTE_OPT = {"csrf_exempt": True}
"""``opt`` of upload routes: this module checks the CSRF token itself, after streaming the form."""


async def check_csrf(request: Request[Any, Any, Any], principal: Principal, form_token: str | None) -> None:
    """Refuse (403, audited) a session-authenticated form whose CSRF token (header or field) is wrong."""
    if principal.token_id is None:
        await check_token(request, request.headers.get(CSRF_HEADER) or form_token or "")


async def accept_upload(
    request: Request[Any, Any, Any], principal: Principal, *, idempotency_key: str | None = None
) -> tuple[FileRow, bool]:
    """Receive, check and store the request's file; returns the row and whether it is new.

    The temporary file is always removed; nothing is stored when any check fails. A refused file (too
    large, wrong type or name, malformed form) is audited as ``security.upload_refused``.
    """
    settings = request.app.state.settings
    async with recording_refusals(request):
        received = await receive_file(
            request,
            tmp_dir=settings.data_dir / "tmp" / "uploads",
            limit_for=lambda name: size_limit(PURPOSES.get(name or ""), settings.upload_max_bytes),
        )
    try:
        await check_csrf(request, principal, received.fields.get(CSRF_FIELD))
        async with recording_refusals(request):
            return await store_upload(
                principal,
                received,
                storage=storage_for(settings),
                settings=settings,
                idempotency_key=idempotency_key,
            )
    finally:
        received.discard()


@asynccontextmanager
async def recording_refusals(request: Request[Any, Any, Any]) -> AsyncIterator[None]:
    """Audit an upload refused inside the block (:data:`UPLOAD_REFUSALS`) as ``security.upload_refused``
    (rate-limited, without the file's name), then let the error go on."""
    try:
        yield
    except UPLOAD_REFUSALS as refused:
        await record_refusal(
            "security.upload_refused",
            refused.code,
            summary=f"上传被拒绝（{refused.message}）：{request_summary(request.scope)}",
            object_type="file",
        )
        raise
