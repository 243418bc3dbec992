"""Single sign-on with the tenant's OpenID provider: ``/login/sso`` and its callback.

The pending state, nonce and PKCE verifier live in the session under ``oidc`` (one entry per tenant) from
the redirect until the callback, which consumes them whatever the outcome.
"""

from __future__ import annotations

from typing import Any

import msgspec
from cme_platform.audit.service import record
from cme_platform.identity.current import principal_of
from cme_platform.identity.oidc import (
    PendingSignIn,
    SsoError,
    find_account,
    finish_sign_in,
    oidc_settings,
    start_sign_in,
)
from cme_platform.identity.signin import complete_sign_in
from cme_platform.tenancy.scope import current_tenant
from cme_platform.tenancy.sync import OidcSection
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from cme_admin_ui.shell import page_context

PENDING_KEY = "oidc"
CALLBACK_PATH = "/login/sso/callback"
NO_ACCOUNT = "未找到与统一身份对应的账户"


def _settings() -> OidcSection:
    settings = oidc_settings(current_tenant())
    if settings is None:
        raise NotFoundException("本单位未启用统一身份认证登录")
    return settings


def _callback_url(request: Request[Any, Any, Any]) -> str:
    return f"{request.url.scheme}://{request.url.netloc}{tenant_url(request, CALLBACK_PATH)}"


def _take_pending(request: Request[Any, Any, Any]) -> PendingSignIn | None:
    """Remove this tenant's pending sign-in from the session and return it (``None`` when absent)."""
    session = dict(request.session or {})
    pending_map = dict(session.get(PENDING_KEY) or {})
    raw = pending_map.pop(current_tenant().slug, None)
    session[PENDING_KEY] = pending_map
    request.set_session(session)
    try:
        return msgspec.convert(raw, PendingSignIn) if raw else None
    except msgspec.ValidationError:
        return None


async def _failure(request: Request[Any, Any, Any], message: str, reason: str, status_code: int) -> Template:
    await principal_of(request)
    await record(
        "auth.sso_failed",
        object_type="sso",
        summary=f"统一身份认证登录失败：{message}",
        after={"reason": reason},
    )
    return Template(
        template_name="auth/sso_error.html",
        context={**page_context(request), "message": message},
        status_code=status_code,
    )


@get("/login/sso", include_in_schema=False, name="login_sso")
async def sso_start(request: Request[Any, Any, Any]) -> Redirect | Template:
    """Send the browser to the provider's authorization endpoint."""
    settings = _settings()
    try:
        url, pending = await start_sign_in(settings, _callback_url(request))
    except SsoError as exc:
        return await _failure(request, exc.message, exc.reason, exc.status_code)
    session = dict(request.session or {})
    session[PENDING_KEY] = {
        **dict(session.get(PENDING_KEY) or {}),
        current_tenant().slug: msgspec.to_builtins(pending),
    }
    request.set_session(session)
    return Redirect(url, status_code=302)


@get(CALLBACK_PATH, include_in_schema=False, name="login_sso_callback")
async def sso_callback(request: Request[Any, Any, Any]) -> Redirect | Template:
    """Finish the flow: verify what the provider sent, then sign the matching account in."""
    settings = _settings()
    pending = _take_pending(request)
    params = {k: v[:2048] for k, v in request.query_params.items() if isinstance(v, str)}
    try:
        value = await finish_sign_in(settings, pending, params)
    except SsoError as exc:
        return await _failure(request, exc.message, exc.reason, exc.status_code)
    account_id = await find_account(settings, value)
    if account_id is None:
        return await _failure(
            request, NO_ACCOUNT, f"no active account with {settings.match} = {value[:100]}", 403
        )
    return await complete_sign_in(request, account_id, method="sso")


routes = [sso_start, sso_callback]
