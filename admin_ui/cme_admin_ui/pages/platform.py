"""Platform operators' pages on the bare host: ``/platform/login``, ``/platform``, ``/platform/logout``.

They answer 404 inside a tenant: operators work across tenants and never sign in to one.
"""

from __future__ import annotations

from typing import Annotated, Any

from cme_platform.api.params import Id
from cme_platform.identity.captcha import issue_captcha, verify_captcha
from cme_platform.identity.operators import (
    OPERATOR_SESSION_KEY,
    Operator,
    operator_of,
    sign_in_operator,
    sign_out_operator,
    tenant_overview,
    view_tenant,
)
from cme_platform.identity.password_login import LoginRefused
from cme_platform.identity.sessions import rotate_session
from cme_platform.tenancy.scope import active_tenant_or_none
from litestar import Request, Router, get, post
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body
from litestar.response import Redirect, Template

from cme_admin_ui.shell import page_context

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
LOGIN_PATH = "/platform/login"


async def bare_host_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Operators' pages exist only outside every tenant."""
    if active_tenant_or_none() is not None:
        raise NotFoundException("页面不存在")


async def _login_page(
    request: Request[Any, Any, Any], error: str | None, username: str = "", status_code: int = 400
) -> Template:
    return Template(
        template_name="platform/login.html",
        context={
            **page_context(request),
            "error": error,
            "username": username,
            "captcha_token": await issue_captcha(),
        },
        status_code=status_code if error else 200,
    )


async def _operator(request: Request[Any, Any, Any]) -> Operator | Redirect:
    operator = await operator_of(request)
    return operator if operator is not None else Redirect(LOGIN_PATH, status_code=303)


@get("/login")
async def login_page(request: Request[Any, Any, Any]) -> Template:
    """The operators' sign-in form (password and captcha)."""
    return await _login_page(request, None)


@post("/login", status_code=303)
async def login(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """Check captcha and password, then keep the operator under his own session key."""
    username = (data.get("username") or "").strip()[:64]
    if not await verify_captcha(data.get("captcha_token") or "", data.get("captcha") or ""):
        return await _login_page(request, "验证码错误或已过期", username)
    try:
        operator = await sign_in_operator(
            username, data.get("password") or "", request.client.host if request.client else ""
        )
    except LoginRefused as refused:
        return await _login_page(request, refused.message, username, refused.status)
    await rotate_session(request)
    request.set_session({**(request.session or {}), OPERATOR_SESSION_KEY: operator.id})
    return Redirect("/platform", status_code=303)


@post("/logout", status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    """Sign the operator out (tenant sign-ins in the same session stay)."""
    operator = await operator_of(request)
    if operator is not None:
        await sign_out_operator(operator)
    session = dict(request.session or {})
    session.pop(OPERATOR_SESSION_KEY, None)
    request.set_session(session)
    return Redirect(LOGIN_PATH, status_code=303)


@get("/")
async def overview(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Every tenant with its plugin, account counts and audit-chain status."""
    operator = await _operator(request)
    if isinstance(operator, Redirect):
        return operator
    return Template(
        template_name="platform/overview.html",
        context={**page_context(request), "operator": operator, "tenants": await tenant_overview()},
    )


@get("/tenants/{tenant_id:int}")
async def tenant_page(request: Request[Any, Any, Any], tenant_id: Id) -> Template | Redirect:
    """One tenant's accounts and recent audit records (the view is recorded in both audit logs)."""
    operator = await _operator(request)
    if isinstance(operator, Redirect):
        return operator
    return Template(
        template_name="platform/tenant.html",
        context={
            **page_context(request),
            "operator": operator,
            "view": await view_tenant(operator, tenant_id),
        },
    )


routes = [
    Router(
        path="/platform",
        route_handlers=[login_page, login, logout, overview, tenant_page],
        guards=[bare_host_only],
        opt={"platform": True},
        include_in_schema=False,
    )
]
