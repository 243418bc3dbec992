"""The "API 令牌" page: list, create (the token string is shown once) and revoke the account's API tokens.

Commission admins also see, and may revoke, every token of the tenant (``?all=1``).
"""

from __future__ import annotations

from typing import Annotated, Any

from cme_platform.api.params import Id
from cme_platform.errors import DomainError
from cme_platform.identity import tokens
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.pages.forms import FormErrors, domain_form_errors, parse_form
from cme_admin_ui.shell import page_context

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
TOKEN_ROLES = tuple(r for r in Role if r is not Role.LEARNER)
"""Accounts holding one of these may manage tokens (learner-only accounts may not)."""
DEFAULT_DAYS = 90


async def _principal(request: Request[Any, Any, Any]) -> Principal:
    principal = await principal_of(request)
    assert principal is not None  # the router's guard admits signed-in accounts only
    return principal


async def _render(
    request: Request[Any, Any, Any],
    *,
    every_account: bool = False,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    created: tokens.CreatedToken | None = None,
) -> Template:
    principal = await _principal(request)
    errors = errors or {}
    return Template(
        template_name="account/tokens.html",
        context={
            **page_context(request),
            "tokens": await tokens.list_tokens(principal, every_account=every_account),
            "every_account": every_account,
            "may_see_all": principal.has_any(Role.COMMISSION_ADMIN),
            "own_roles": sorted(principal.roles, key=list(Role).index),
            "role_labels": {r.value: r.label for r in Role},
            "values": values or {"name": "", "roles": [], "expires_in_days": DEFAULT_DAYS},
            "errors": errors,
            "created": created,
            "max_days": tokens.MAX_DAYS,
        },
        status_code=400 if errors else (201 if created else 200),
        headers={"Cache-Control": "no-store"},
    )


@get("/", name="account_tokens")
async def tokens_page(
    request: Request[Any, Any, Any], all_accounts: Annotated[str | None, QueryParameter(name="all")] = None
) -> Template:
    """The token list and the create form."""
    principal = await _principal(request)
    return await _render(
        request, every_account=all_accounts == "1" and principal.has_any(Role.COMMISSION_ADMIN)
    )


@post("/", status_code=201)
async def create_token(request: Request[Any, Any, Any], data: FormData) -> Template:
    """Create a token and show its string this once."""
    principal = await _principal(request)
    roles = data.get("roles") or []
    values = {
        "name": str(data.get("name") or "").strip(),
        "roles": roles if isinstance(roles, list) else [roles],
        "expires_in_days": str(data.get("expires_in_days") or "").strip(),
    }
    try:
        created = await tokens.create_token(
            principal, parse_form(values, tokens.TokenIn), request.app.state.settings.secret_key
        )
    except FormErrors as exc:
        return await _render(request, values=values, errors=exc.errors)
    except DomainError as exc:
        return await _render(request, values=values, errors=domain_form_errors(exc).errors)
    return await _render(request, created=created)


@post("/{token_id:int}/revoke", status_code=303)
async def revoke_token(request: Request[Any, Any, Any], token_id: Id, data: FormData) -> Redirect:
    """Revoke a token, then go back to the list it was revoked from."""
    await tokens.revoke_token(await _principal(request), token_id)
    back = "/account/tokens?all=1" if data.get("all") == "1" else "/account/tokens"
    return Redirect(tenant_url(request, back), status_code=303)


routes = [
    Router(
        path="/account/tokens",
        route_handlers=[tokens_page, create_token, revoke_token],
        guards=[requires_role(*TOKEN_ROLES)],
        include_in_schema=False,
    )
]
