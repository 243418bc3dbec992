"""Account administration pages: ``/accounts`` (list), ``/accounts/new`` and ``/accounts/{id}``.

The pages call the same service as the API (:mod:`cme_platform.identity.accounts`), so the scope rules
hold here too. A new account's set-up link (or the default-password notice) is shown once, on the page
that answers the form.
"""

from __future__ import annotations

from typing import Annotated, Any

from cme_platform.api.params import Id, Keyword, OptionalId, PageNumber, row_id_or_none
from cme_platform.errors import DomainError, FieldError, InvalidInput
from cme_platform.identity import account_schemas as s
from cme_platform.identity import accounts as service
from cme_platform.identity.account_api import with_setup_url
from cme_platform.identity.account_scope import AccountScope
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.orgs import service as orgs
from cme_platform.orgs.access import OrgAccess
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.pages.forms import FormErrors, clean_form, domain_form_errors, parse_form
from cme_admin_ui.shell import page_context

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE_SIZE = 20
_UNIT_FIELDS = {"r": "region_id", "i": "institution_id", "d": "department_id"}


async def _scopes(request: Request[Any, Any, Any]) -> tuple[AccountScope, OrgAccess]:
    principal = await principal_of(request)
    assert principal is not None  # the router's guard admits signed-in administrators only
    return AccountScope.of(principal), OrgAccess.of(principal)


async def _choices(scope: AccountScope, access: OrgAccess) -> dict[str, Any]:
    """The roles the caller may grant and the org units he reaches, for the selects."""
    regions = (
        await orgs.list_regions(access, active=True, page_size=200)
        if access.tenant_wide or access.region_ids
        else None
    )
    institutions = await orgs.list_institutions(access, active=True, page_size=200)
    departments = await orgs.list_departments(access, active=True, page_size=200)
    units = [("", "全省（不绑定单位）")] if access.tenant_wide else []
    units += [(f"r:{r.id}", f"区域：{r.name}") for r in (regions.items if regions else [])]
    units += [(f"i:{i.id}", f"单位：{i.name}") for i in institutions.items]
    units += [(f"d:{d.id}", f"科室：{d.institution_name} {d.name}") for d in departments.items]
    roles = [(r.value, r.label) for r in Role if r in scope.grantable_roles()]
    return {"role_choices": roles, "unit_choices": units, "institution_choices": institutions.items}


def _grant_from(values: dict[str, Any]) -> s.GrantIn:
    """A role grant from the form's ``role`` and ``unit`` (``r:1``, ``i:2``, ``d:3`` or empty)."""
    kind, _, raw = (values.get("unit") or "").partition(":")
    units: dict[str, int] = {}
    if kind:
        unit_id = row_id_or_none(raw)
        if kind not in _UNIT_FIELDS or unit_id is None:
            raise InvalidInput("请选择有效的单位", [FieldError("unit", "请选择有效的单位")])
        units[_UNIT_FIELDS[kind]] = unit_id
    return parse_form({"role": values.get("role") or "", **units}, s.GrantIn)


def _field_errors_to_unit(errors: dict[str, str]) -> dict[str, str]:
    """Show errors about a grant's unit fields next to the form's single unit select."""
    return {("unit" if k in _UNIT_FIELDS.values() else k): v for k, v in errors.items()}


@get("/", name="accounts")
async def list_page(
    request: Request[Any, Any, Any],
    q: Keyword = None,
    role: Annotated[str | None, QueryParameter(max_length=32)] = None,
    institution_id: OptionalId = None,
    active: Annotated[str | None, QueryParameter(max_length=5)] = None,
    page: PageNumber = 1,
) -> Template:
    """Accounts within the caller's reach, with keyword, role, institution and status filters."""
    scope, access = await _scopes(request)
    role_filter = Role(role) if role and role in Role._value2member_map_ else None
    result = await service.list_accounts(
        scope,
        q=q or None,
        role=role_filter,
        institution_id=institution_id,
        active={"1": True, "0": False}.get(active or ""),
        page=page,
        page_size=PAGE_SIZE,
    )
    return Template(
        template_name="accounts/list.html",
        context={
            **page_context(request),
            **await _choices(scope, access),
            "all_roles": [(r.value, r.label) for r in Role],
            "result": result,
            "query": {
                "q": q or "",
                "role": role or "",
                "institution_id": institution_id or "",
                "active": active or "",
            },
            "pages": max(1, -(-result.total // PAGE_SIZE)),
        },
    )


async def _render_new(
    request: Request[Any, Any, Any], values: dict[str, Any], errors: dict[str, str]
) -> Template:
    scope, access = await _scopes(request)
    return Template(
        template_name="accounts/new.html",
        context={
            **page_context(request),
            **await _choices(scope, access),
            "values": values,
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


@get("/new", name="accounts_new")
async def new_page(request: Request[Any, Any, Any]) -> Template:
    """The form for a new account."""
    return await _render_new(request, {"password_mode": "link"}, {})


@post("/new", status_code=200)
async def create(request: Request[Any, Any, Any], data: FormData) -> Template:
    """Create the account; the answer shows its set-up link or default-password notice once."""
    scope, _ = await _scopes(request)
    values = clean_form(data)
    try:
        grant = _grant_from(values)
        fields = {k: values.get(k) or None for k in ("username", "display_name", "phone", "email")}
        account_in = parse_form(
            {**fields, "roles": [grant], "password_mode": values.get("password_mode") or ""}, s.AccountIn
        )
        created = with_setup_url(request, await service.create_account(scope, account_in))
    except FormErrors as exc:
        return await _render_new(request, values, _field_errors_to_unit(exc.errors))
    except DomainError as exc:
        return await _render_new(request, values, _field_errors_to_unit(domain_form_errors(exc).errors))
    return await _render_detail(request, created.account.id, credential=created.credential)


async def _render_detail(
    request: Request[Any, Any, Any],
    account_id: int,
    *,
    credential: s.Credential | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    scope, access = await _scopes(request)
    account = await service.get_account(scope, account_id)
    return Template(
        template_name="accounts/detail.html",
        context={
            **page_context(request),
            **await _choices(scope, access),
            "account": account,
            "credential": credential,
            "errors": errors or {},
            "values": values
            or {"display_name": account.display_name, "phone": account.phone, "email": account.email},
            "is_self": account.id == scope.account_id,
            "saved": request.query_params.get("saved") == "1",
        },
        status_code=400 if errors else 200,
    )


def _back(request: Request[Any, Any, Any], account_id: int) -> Redirect:
    return Redirect(tenant_url(request, f"/accounts/{account_id}?saved=1"), status_code=303)


@get("/{account_id:int}", name="account_detail")
async def detail_page(request: Request[Any, Any, Any], account_id: Id) -> Template:
    """An account: profile form, roles, activation and password reset."""
    return await _render_detail(request, account_id)


@post("/{account_id:int}", status_code=303)
async def update(request: Request[Any, Any, Any], account_id: Id, data: FormData) -> Template | Redirect:
    """Save the profile fields."""
    scope, _ = await _scopes(request)
    values = clean_form(data)
    try:
        patch = parse_form({k: values.get(k, "") for k in ("display_name", "phone", "email")}, s.AccountPatch)
        await service.update_account(scope, account_id, patch)
    except FormErrors as exc:
        return await _render_detail(request, account_id, errors=exc.errors, values=values)
    except DomainError as exc:
        return await _render_detail(request, account_id, errors=domain_form_errors(exc).errors, values=values)
    return _back(request, account_id)


@post("/{account_id:int}/active", status_code=303)
async def set_active(request: Request[Any, Any, Any], account_id: Id, data: FormData) -> Redirect:
    """Activate or deactivate the account."""
    scope, _ = await _scopes(request)
    await service.update_account(scope, account_id, s.AccountPatch(active=data.get("active") == "1"))
    return _back(request, account_id)


@post("/{account_id:int}/password", status_code=200)
async def reset_password(request: Request[Any, Any, Any], account_id: Id, data: FormData) -> Template:
    """Reset the password; the answer shows the new link or the default-password notice once."""
    scope, _ = await _scopes(request)
    mode = "default" if data.get("password_mode") == "default" else "link"
    try:
        created = with_setup_url(request, await service.reset_password(scope, account_id, mode))
    except InvalidInput as exc:
        return await _render_detail(request, account_id, errors=domain_form_errors(exc).errors)
    return await _render_detail(request, account_id, credential=created.credential)


@post("/{account_id:int}/roles", status_code=303)
async def grant(request: Request[Any, Any, Any], account_id: Id, data: FormData) -> Template | Redirect:
    """Grant one more role."""
    scope, _ = await _scopes(request)
    values = clean_form(data)
    try:
        await service.grant_role(scope, account_id, _grant_from(values))
    except FormErrors as exc:
        return await _render_detail(request, account_id, errors=_field_errors_to_unit(exc.errors))
    except DomainError as exc:
        if exc.status_code == 404 and not exc.errors:
            raise
        return await _render_detail(
            request, account_id, errors=_field_errors_to_unit(domain_form_errors(exc).errors)
        )
    return _back(request, account_id)


@post("/{account_id:int}/roles/{grant_id:int}/revoke", status_code=303)
async def revoke(request: Request[Any, Any, Any], account_id: Id, grant_id: Id) -> Template | Redirect:
    """Take one role away."""
    scope, _ = await _scopes(request)
    try:
        await service.revoke_role(scope, account_id, grant_id)
    except InvalidInput as exc:
        return await _render_detail(request, account_id, errors=domain_form_errors(exc).errors)
    return _back(request, account_id)


routes = [
    Router(
        path="/accounts",
        route_handlers=[
            list_page,
            new_page,
            create,
            detail_page,
            update,
            set_active,
            reset_password,
            grant,
            revoke,
        ],
        guards=[requires_role(*ORG_ADMIN_ROLES)],
        include_in_schema=False,
    )
]
