"""Every error answer: JSON for the API (and clients that ask for it), a friendly page for everyone else.

A visitor who must sign in is sent to the tenant's sign-in page; other errors render ``error.html`` inside
the shell with the same Chinese message the API would give.
"""

from __future__ import annotations

from typing import Any

from cme_platform.api.errors import error_body_for, json_error, wants_json
from cme_platform.tenancy.scope import active_tenant_or_none
from litestar import Request, Response
from litestar.response import Redirect, Template

from cme_admin_ui.shell import page_context


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Litestar exception handler: the JSON error body for the API, a page for the UI."""
    if wants_json(request):
        return json_error(request, exc)
    status, body = error_body_for(exc)
    if status == 401 and active_tenant_or_none() is not None:
        from cme_platform.identity.signin import login_url

        return Redirect(login_url(request), status_code=303)
    return Template(
        template_name="error.html",
        context={**page_context(request), "status": status, "error": body},
        status_code=status,
        headers=getattr(exc, "headers", None) or None,
    )
