"""Signing in and out with a username and password.

The identity issue adds the captcha, lock-out, SMS codes, single sign-on and the forced password
change; this page is the plain password path they build on.
"""

from __future__ import annotations

from typing import Annotated, Any

from cme_platform.identity.passwords import verify_password
from cme_platform.identity.principal import SESSION_KEY, session_accounts
from cme_platform.identity.signin import complete_sign_in
from cme_platform.identity.tables import Account
from cme_platform.tenancy.scope import current_tenant
from cme_platform.web import page_context, tenant_url
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


@get("/login", include_in_schema=False, name="login")
async def login_page(request: Request[Any, Any, Any]) -> Template:
    """The sign-in form."""
    return Template(
        template_name="login.html", context={**page_context(request), "error": None, "username": ""}
    )


@post("/login", include_in_schema=False, status_code=200)
async def login(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """Check the password; on success remember the account for this tenant and go to the start page."""
    username = (data.get("username") or "").strip()[:64]
    password = data.get("password") or ""
    account = await Account.objects().where((Account.username == username) & Account.active.eq(True)).first()
    if account is None or not verify_password(account.password_hash, password):
        return Template(
            template_name="login.html",
            context={**page_context(request), "error": "用户名或密码错误", "username": username},
            status_code=400,
        )
    return await complete_sign_in(request, int(account.id), method="password")


@post("/logout", include_in_schema=False, status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    """Forget this tenant's account in the session (other tenants stay signed in)."""
    accounts = session_accounts(request)
    accounts.pop(current_tenant().slug, None)
    request.set_session({**(request.session or {}), SESSION_KEY: accounts})
    return Redirect(tenant_url(request, "/login"), status_code=303)


routes = [login_page, login, logout]
