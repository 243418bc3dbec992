"""My account: profile with roles and recent sign-ins, contact details, and the password change page."""

from __future__ import annotations

from typing import Annotated, Any

from cme_platform.errors import DomainError
from cme_platform.identity import account_service
from cme_platform.identity import profile_schemas as s
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_login
from cme_platform.identity.password_gate import PASSWORD_CHANGE_EXEMPT_OPT
from cme_platform.identity.principal import Principal
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from cme_admin_ui.pages.forms import FormErrors, clean_form, domain_form_errors, parse_form
from cme_admin_ui.shell import flash, page_context

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _me(request: Request[Any, Any, Any]) -> Principal:
    principal = await principal_of(request)
    assert principal is not None  # the route's guard admits signed-in accounts only
    return principal


async def _profile_page(
    request: Request[Any, Any, Any],
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
) -> Template:
    profile = await account_service.profile(await _me(request))
    return Template(
        template_name="account/profile.html",
        context={
            **page_context(request),
            "profile": profile,
            "values": values if values is not None else {"phone": profile.phone, "email": profile.email},
            "errors": errors or {},
            "saved": saved,
            "password_change_allowed": account_service.password_change_allowed(),
        },
        status_code=400 if errors else 200,
    )


@get("/account", include_in_schema=False, guards=[requires_login], name="account")
async def account_page(request: Request[Any, Any, Any]) -> Template:
    """The signed-in account's profile."""
    return await _profile_page(request, saved=request.query_params.get("saved") == "1")


@post("/account", include_in_schema=False, guards=[requires_login], status_code=200)
async def save_contact(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """Save phone and e-mail, then show the profile again."""
    values = clean_form(data)
    try:
        patch = parse_form({k: values.get(k, "") for k in ("phone", "email")}, s.ProfilePatch)
        await account_service.update_contact((await _me(request)).account_id, patch)
    except DomainError as exc:
        return await _profile_page(request, values=values, errors=domain_form_errors(exc).errors)
    except FormErrors as exc:
        return await _profile_page(request, values=values, errors=exc.errors)
    return Redirect(tenant_url(request, "/account?saved=1"), status_code=303)


def _password_page(
    request: Request[Any, Any, Any], errors: dict[str, str], status_code: int = 200
) -> Template:
    return Template(
        template_name="account/password.html",
        context={
            **page_context(request),
            "errors": errors,
            "allowed": account_service.password_change_allowed(),
        },
        status_code=status_code,
    )


@get(
    "/account/password",
    include_in_schema=False,
    guards=[requires_login],
    opt={PASSWORD_CHANGE_EXEMPT_OPT: True},
    name="account-password",
)
async def password_page(request: Request[Any, Any, Any]) -> Template:
    """The password change form (the only page open while a change is pending)."""
    await _me(request)
    return _password_page(request, {})


@post(
    "/account/password",
    include_in_schema=False,
    guards=[requires_login],
    opt={PASSWORD_CHANGE_EXEMPT_OPT: True},
    status_code=200,
)
async def change_password(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """Change the password and go to the home page, which says so."""
    principal = await _me(request)
    try:
        change = parse_form(
            {k: data.get(k, "") for k in s.PasswordChange.__struct_fields__}, s.PasswordChange
        )
        await account_service.change_password(principal.account_id, change)
    except DomainError as exc:
        return _password_page(request, domain_form_errors(exc).errors, exc.status_code)
    except FormErrors as exc:
        return _password_page(request, exc.errors, 400)
    flash(request, "密码已修改，下次登录请使用新密码")
    return Redirect(tenant_url(request, "/"), status_code=303)


routes = [account_page, save_contact, password_page, change_password]
