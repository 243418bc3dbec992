"""The forced password change, enforced centrally for every route.

While the signed-in account's ``must_change_password`` is set, pages redirect to the password page and
the API answers 403 ``password_change_required``. Routes marked ``opt={"password_change_exempt": True}``
(the password page itself, logout, captcha images) and the static files and health check stay open.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.response import Redirect
from litestar.types import ASGIApp, Receive, Scope, Send

from cme_platform.api.errors import wants_json
from cme_platform.errors import Forbidden
from cme_platform.identity.current import principal_of
from cme_platform.identity.signin import PASSWORD_CHANGE_PATH
from cme_platform.tenancy.middleware import tenant_relative_path
from cme_platform.tenancy.urls import tenant_url

PASSWORD_CHANGE_EXEMPT_OPT = "password_change_exempt"
ALWAYS_OPEN_PREFIXES = ("/static/", "/healthz")


def is_exempt(scope: Scope) -> bool:
    """True for routes that stay reachable while a password change is pending."""
    if "cme_tenant" not in scope.get("state", {}):
        return True
    if scope["route_handler"].opt.get(PASSWORD_CHANGE_EXEMPT_OPT):
        return True
    return tenant_relative_path(scope).startswith(ALWAYS_OPEN_PREFIXES)


def _sso_only(scope: Scope) -> bool:
    """Accounts of an SSO-only tenant have no password here, so there is nothing to change."""
    return bool(scope["state"]["cme_tenant"].auth.get("sso_only"))


class PasswordChangeGate(ASGIMiddleware):
    """Stop every request of an account that must change its password, except the exempt ones."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Redirect pages / refuse API calls while ``must_change_password`` is set."""
        if not is_exempt(scope):
            request: Request[Any, Any, Any] = Request(scope, receive, send)
            principal = await principal_of(request)
            if principal is not None and principal.must_change_password and not _sso_only(scope):
                if wants_json(request):
                    raise Forbidden("请先修改初始密码", code="password_change_required")
                redirect = Redirect(tenant_url(request, PASSWORD_CHANGE_PATH), status_code=303)
                await redirect.to_asgi_response(app=None, request=request)(scope, receive, send)
                return
        await next_app(scope, receive, send)
