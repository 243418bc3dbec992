"""Receiving a page form that carries one file: stream it to disk, check the CSRF token, keep the file.

Upload routes are exempt from the CSRF middleware (it would buffer the body) and declare
``opt=UPLOAD_ROUTE_OPT``; these helpers stream the multipart body to a temporary file under the size limit
of the file's purpose, check the token once the form is read, and store the file through the files
service (type checked by content, audited). Credit entry and plugin pages (Beijing's activity plans) use
them alike.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cme_platform.errors import Forbidden
from cme_platform.files import service as files
from cme_platform.files.intake import check_csrf, recording_refusals
from cme_platform.files.purposes import PURPOSES, size_limit
from cme_platform.files.receive import FormShape, ReceivedFile, receive_file
from cme_platform.files.storage import storage_for
from cme_platform.identity.csrf import CSRF_FIELD
from cme_platform.identity.principal import Principal
from litestar import Request


async def read_upload_form(
    request: Request[Any, Any, Any], principal: Principal, *, shape: FormShape, purpose: str
) -> ReceivedFile:
    """The form's fields and its file (``has_file``: one was chosen), refused as soon as the file passes
    ``purpose``'s limit; 403 when the CSRF token is wrong. Discard the file when done with it."""
    settings = request.app.state.settings
    limit = size_limit(PURPOSES[purpose], settings.upload_max_bytes)
    async with recording_refusals(request):
        received = await receive_file(
            request, tmp_dir=settings.data_dir / "tmp" / "uploads", limit_for=lambda _: limit, shape=shape
        )
    try:
        await check_csrf(request, principal, received.fields.get(CSRF_FIELD))
    except Forbidden:
        received.discard()
        raise
    return received


async def keep_upload(
    request: Request[Any, Any, Any], principal: Principal, received: ReceivedFile, purpose: str
) -> int:
    """Store the received file as the caller's upload for ``purpose``; returns its id (type, size checked)."""
    settings = request.app.state.settings
    upload = replace(received, fields={**received.fields, "purpose": purpose})
    async with recording_refusals(request):
        row, _ = await files.store_upload(principal, upload, storage=storage_for(settings), settings=settings)
    return row.id
