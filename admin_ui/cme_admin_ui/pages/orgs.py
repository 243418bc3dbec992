"""Pages of the organisation tree: list, create, edit and (de)activate regions, institutions, departments.

The three kinds share one flow (list with filters → form → service → back to the list); :class:`OrgKind`
holds what differs between them, and the handlers below are built once per kind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from cme_platform.api.params import Id, Keyword, PageNumber, row_id_or_none
from cme_platform.errors import DomainError
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import ORG_ADMIN_ROLES, REGION_READERS, Role
from cme_platform.orgs import schemas as s
from cme_platform.orgs import service
from cme_platform.orgs.access import OrgAccess
from cme_platform.tenancy.scope import current_tenant
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.pages.forms import FormErrors, clean_form, domain_form_errors, parse_form
from cme_admin_ui.shell import page_context

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE_SIZE = 20


class OrgKind(msgspec.Struct, frozen=True, kw_only=True):
    """What the generic org pages need to know about one kind of org unit."""

    slug: str
    label: str
    create_schema: type[msgspec.Struct]
    patch_schema: type[msgspec.Struct]
    list_items: Callable[..., Awaitable[Any]]
    get_item: Callable[[OrgAccess, int], Awaitable[Any]]
    create: Callable[[Request[Any, Any, Any], OrgAccess, Any], Awaitable[Any]]
    update: Callable[[Request[Any, Any, Any], OrgAccess, int, Any], Awaitable[Any]]
    filters: tuple[str, ...] = ()
    optional_ints: tuple[str, ...] = ()
    roles: tuple[Role, ...] = tuple(ORG_ADMIN_ROLES)


def _levels(request: Request[Any, Any, Any]) -> list[str]:
    return service.vocabulary(request.app.state.plugin_manager, current_tenant()).institution_levels


KINDS = (
    OrgKind(
        slug="regions",
        label="区域",
        create_schema=s.RegionIn,
        patch_schema=s.RegionPatch,
        list_items=service.list_regions,
        get_item=service.get_region,
        create=lambda r, a, d: service.create_region(a, d),
        update=lambda r, a, i, d: service.update_region(a, i, d),
        roles=REGION_READERS,
    ),
    OrgKind(
        slug="institutions",
        label="单位",
        create_schema=s.InstitutionIn,
        patch_schema=s.InstitutionPatch,
        list_items=service.list_institutions,
        get_item=service.get_institution,
        create=lambda r, a, d: service.create_institution(a, d, _levels(r)),
        update=lambda r, a, i, d: service.update_institution(a, i, d, _levels(r)),
        filters=("region_id", "level", "category"),
        optional_ints=("region_id",),
    ),
    OrgKind(
        slug="departments",
        label="科室",
        create_schema=s.DepartmentIn,
        patch_schema=s.DepartmentPatch,
        list_items=service.list_departments,
        get_item=service.get_department,
        create=lambda r, a, d: service.create_department(a, d),
        update=lambda r, a, i, d: service.update_department(a, i, d),
        filters=("institution_id",),
        optional_ints=("institution_id",),
    ),
)


async def _access(request: Request[Any, Any, Any]) -> OrgAccess:
    principal = await principal_of(request)
    assert principal is not None  # the router's guard admits signed-in org admins only
    return OrgAccess.of(principal)


async def _choices(request: Request[Any, Any, Any], access: OrgAccess) -> dict[str, Any]:
    """Options for the selects of the forms and filters, within the caller's reach."""
    regions = await service.list_regions(access, active=True, page_size=200)
    institutions = await service.list_institutions(access, active=True, page_size=200)
    return {
        "vocabulary": service.vocabulary(request.app.state.plugin_manager, current_tenant()),
        "region_choices": regions.items,
        "institution_choices": institutions.items,
    }


def _kind_routes(kind: OrgKind) -> Router:
    template = f"orgs/{kind.slug}.html"
    form_template = f"orgs/{kind.slug[:-1]}_form.html"

    async def render_form(
        request: Request[Any, Any, Any],
        access: OrgAccess,
        item: Any,
        values: dict[str, Any],
        errors: dict[str, str],
    ) -> Template:
        return Template(
            template_name=form_template,
            context={
                **page_context(request),
                **await _choices(request, access),
                "kind": kind,
                "item": item,
                "values": values,
                "errors": errors,
            },
            status_code=400 if errors else 200,
        )

    @get("/", name=f"orgs_{kind.slug}")
    async def list_page(
        request: Request[Any, Any, Any],
        q: Keyword = None,
        active: Annotated[str | None, QueryParameter(max_length=5)] = None,
        page: PageNumber = 1,
    ) -> Template:
        access = await _access(request)
        filters: dict[str, Any] = {}
        for name in kind.filters:
            raw = request.query_params.get(name) or None
            filters[name] = row_id_or_none(raw) if name in kind.optional_ints else (raw[:32] if raw else None)
        active_filter = {"1": True, "0": False}.get(active or "")
        result = await kind.list_items(
            access, q=q or None, active=active_filter, page=page, page_size=PAGE_SIZE, **filters
        )
        return Template(
            template_name=template,
            context={
                **page_context(request),
                **await _choices(request, access),
                "kind": kind,
                "result": result,
                "query": {"q": q or "", "active": active or "", **{k: v or "" for k, v in filters.items()}},
                "pages": max(1, -(-result.total // PAGE_SIZE)),
            },
        )

    @get("/new", name=f"orgs_{kind.slug}_new")
    async def new_page(request: Request[Any, Any, Any]) -> Template:
        access = await _access(request)
        preset = {k: request.query_params.get(k, "") for k in kind.filters}
        return await render_form(request, access, None, preset, {})

    @post("/new", status_code=303)
    async def create(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
        access = await _access(request)
        values = clean_form(data, optional_ints=kind.optional_ints)
        try:
            await kind.create(request, access, parse_form(values, kind.create_schema))
        except FormErrors as exc:
            return await render_form(request, access, None, values, exc.errors)
        except DomainError as exc:
            return await render_form(request, access, None, values, domain_form_errors(exc).errors)
        return Redirect(tenant_url(request, f"/orgs/{kind.slug}?saved=1"), status_code=303)

    @get("/{item_id:int}/edit", name=f"orgs_{kind.slug}_edit")
    async def edit_page(request: Request[Any, Any, Any], item_id: Id) -> Template:
        access = await _access(request)
        item = await kind.get_item(access, item_id)
        return await render_form(request, access, item, msgspec.to_builtins(item), {})

    @post("/{item_id:int}/edit", status_code=303)
    async def update(request: Request[Any, Any, Any], item_id: Id, data: FormData) -> Template | Redirect:
        access = await _access(request)
        item = await kind.get_item(access, item_id)
        values = clean_form(data, optional_ints=kind.optional_ints)
        try:
            await kind.update(request, access, item_id, parse_form(values, kind.patch_schema))
        except FormErrors as exc:
            return await render_form(request, access, item, values, exc.errors)
        except DomainError as exc:
            return await render_form(request, access, item, values, domain_form_errors(exc).errors)
        return Redirect(tenant_url(request, f"/orgs/{kind.slug}?saved=1"), status_code=303)

    @post("/{item_id:int}/active", status_code=303)
    async def set_active(request: Request[Any, Any, Any], item_id: Id, data: FormData) -> Redirect:
        access = await _access(request)
        patch = kind.patch_schema(active=data.get("active") == "1")
        await kind.update(request, access, item_id, patch)
        return Redirect(tenant_url(request, f"/orgs/{kind.slug}?saved=1"), status_code=303)

    return Router(
        path=f"/orgs/{kind.slug}",
        route_handlers=[list_page, new_page, create, edit_page, update, set_active],
        guards=[requires_role(*kind.roles)],
        include_in_schema=False,
    )


routes = [_kind_routes(kind) for kind in KINDS]
