"""Signing in with username, password and image captcha; captcha images; signing out.

The SMS-code and single sign-on methods live on their own pages (linked from the sign-in page) and end
the same way, through ``complete_sign_in``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from cme_platform.identity.captcha import captcha_image, issue_captcha, verify_captcha
from cme_platform.identity.current import principal_of
from cme_platform.identity.password_gate import PASSWORD_CHANGE_EXEMPT_OPT
from cme_platform.identity.password_login import LoginRefused, authenticate
from cme_platform.identity.signin import LOGIN_PATH, complete_sign_in, safe_next, sign_out
from cme_platform.tenancy.scope import current_tenant
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.shell import page_context

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
NextParameter = Annotated[str | None, QueryParameter(name="next", max_length=500)]
CAPTCHA_WRONG = "图形验证码错误或已过期，请重新输入"
SSO_ONLY = "本单位仅支持统一身份认证登录"


async def _login_page(
    request: Request[Any, Any, Any],
    *,
    username: str = "",
    next_path: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    """The sign-in page with a fresh captcha (and the single sign-on link when the tenant has one)."""
    await principal_of(request)
    auth = current_tenant().auth
    oidc = auth.get("oidc")
    next_path = safe_next(next_path)
    refresh = tenant_url(request, LOGIN_PATH + (f"?{urlencode({'next': next_path})}" if next_path else ""))
    return Template(
        template_name="login.html",
        context={
            **page_context(request),
            "error": error,
            "username": username,
            "next": next_path or "",
            "password_login": not auth.get("sso_only"),
            "sso_label": oidc.get("label", "统一身份认证登录") if isinstance(oidc, dict) else None,
            "captcha_token": await issue_captcha(),
            "captcha_refresh_url": refresh,
        },
        status_code=status_code,
    )


@get("/login", include_in_schema=False, name="login")
async def login_page(request: Request[Any, Any, Any], next_path: NextParameter = None) -> Template:
    """The sign-in form."""
    return await _login_page(request, next_path=next_path)


@post("/login", include_in_schema=False, status_code=200)
async def login(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """Check captcha, lock-out and password; on success sign in and go to ``next`` or the start page."""
    username = (data.get("username") or "").strip()[:64]
    next_path = data.get("next")
    if current_tenant().auth.get("sso_only"):
        return await _login_page(request, next_path=next_path, error=SSO_ONLY, status_code=403)
    if not await verify_captcha(data.get("captcha_token") or "", data.get("captcha") or ""):
        return await _login_page(
            request, username=username, next_path=next_path, error=CAPTCHA_WRONG, status_code=400
        )
    client_ip = request.client.host if request.client else ""
    try:
        account_id = await authenticate(username, data.get("password") or "", client_ip)
    except LoginRefused as refused:
        return await _login_page(
            request, username=username, next_path=next_path, error=refused.message, status_code=refused.status
        )
    return await complete_sign_in(request, account_id, method="password", next_path=next_path)


@get(
    "/captcha/{filename:str}",
    include_in_schema=False,
    opt={"platform": True, PASSWORD_CHANGE_EXEMPT_OPT: True},
)
async def captcha_png(filename: FromPath[str]) -> Response[bytes]:
    """The image of a live captcha challenge (``/captcha/<token>.png``); 404 when unknown or expired."""
    token = filename.removesuffix(".png")
    image = await captcha_image(token) if filename.endswith(".png") else None
    if image is None:
        raise NotFoundException("验证码已过期，请点击“换一张”")
    return Response(content=image, media_type="image/png", headers={"Cache-Control": "no-store"})


@post("/logout", include_in_schema=False, status_code=303, opt={PASSWORD_CHANGE_EXEMPT_OPT: True})
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    """Sign out of this tenant (other tenants stay signed in) and go to the sign-in page."""
    principal = await principal_of(request)
    await sign_out(request, principal.account_id if principal else None)
    return Redirect(tenant_url(request, LOGIN_PATH), status_code=303)


routes = [login_page, login, captcha_png, logout]
