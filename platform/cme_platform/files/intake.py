"""One upload request from start to finish, shared by ``POST /api/files`` and the ``/files`` page.

Upload routes are exempt from the CSRF middleware (which would parse the whole multipart body before the
handler) and check the token here instead: a session-authenticated upload must carry the session's
token in the ``X-CSRF-Token`` header or the ``_csrf`` form field; API-token requests need none.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request

from cme_platform.api.errors import Forbidden
from cme_platform.files.purposes import PURPOSES, size_limit
from cme_platform.files.receive import receive_file
from cme_platform.files.service import FileRow, store_upload
from cme_platform.files.storage import storage_for
from cme_platform.identity.csrf import CSRF_FIELD, CSRF_HEADER, CSRF_SESSION_KEY
from cme_platform.identity.principal import Principal

UPLOAD_ROUTE_OPT = {"csrf_exempt": True}
"""``opt`` of upload routes: this module checks the CSRF token itself, after streaming the form."""


def check_csrf(request: Request[Any, Any, Any], principal: Principal, form_token: str | None) -> None:
    """Refuse (403) a session-authenticated form whose CSRF token (header or field) is not the session's."""
    if principal.token_id is not None:
        return
    session = request.scope.get("session")
    expected = session.get(CSRF_SESSION_KEY) if isinstance(session, dict) else None
    given = request.headers.get(CSRF_HEADER) or form_token or ""
    if not (
        isinstance(expected, str) and expected and secrets.compare_digest(expected.encode(), given.encode())
    ):
        raise Forbidden("页面已过期或请求来源不可信，请刷新页面后重试", code="csrf_failed")


async def accept_upload(
    request: Request[Any, Any, Any], principal: Principal, *, idempotency_key: str | None = None
) -> tuple[FileRow, bool]:
    """Receive, check and store the request's file; returns the row and whether it is new.

    The temporary file is always removed; nothing is stored when any check fails.
    """
    settings = request.app.state.settings
    received = await receive_file(
        request,
        tmp_dir=settings.data_dir / "tmp" / "uploads",
        limit_for=lambda name: size_limit(PURPOSES.get(name or ""), settings.upload_max_bytes),
    )
    try:
        check_csrf(request, principal, received.fields.get(CSRF_FIELD))
        return await store_upload(
            principal,
            received,
            storage=storage_for(settings),
            settings=settings,
            idempotency_key=idempotency_key,
        )
    finally:
        received.discard()
