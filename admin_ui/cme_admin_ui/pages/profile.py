"""The learner's 个人资料 page (seed 003 §5): his record and history by year; the phone and e-mail form."""

from __future__ import annotations

from typing import Annotated, Any

from cme_platform.errors import DomainError
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.personnel import profile as service
from cme_platform.personnel.schemas import ProfilePatch
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from cme_admin_ui.pages.forms import FormErrors, clean_form, domain_form_errors, parse_form
from cme_admin_ui.shell import page_context

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _account_id(request: Request[Any, Any, Any]) -> int:
    principal = await principal_of(request)
    assert principal is not None  # the route's guard admits signed-in learners only
    return principal.account_id


async def _page(
    request: Request[Any, Any, Any],
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    record = await service.profile(await _account_id(request))
    person = record.person
    return Template(
        template_name="personnel/profile.html",
        context={
            **page_context(request),
            "person": person,
            "years": record.years,
            "values": values if values is not None else {"phone": person.phone or "", "email": person.email},
            "errors": errors or {},
            "saved": request.query_params.get("saved") == "1",
        },
        status_code=400 if errors else 200,
    )


@get("/profile", include_in_schema=False, guards=[requires_role(Role.LEARNER)], name="profile")
async def profile_page(request: Request[Any, Any, Any]) -> Template:
    """The learner's own record."""
    return await _page(request)


@post("/profile", include_in_schema=False, guards=[requires_role(Role.LEARNER)], status_code=200)
async def save_profile(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """Save phone and e-mail (nothing else is taken from the form)."""
    values = clean_form(data)
    try:
        patch = parse_form({k: values.get(k, "") for k in ("phone", "email")}, ProfilePatch)
        await service.update_profile(await _account_id(request), patch)
    except FormErrors as exc:
        return await _page(request, values, exc.errors)
    except DomainError as exc:
        return await _page(request, values, domain_form_errors(exc).errors)
    return Redirect(tenant_url(request, "/profile?saved=1"), status_code=303)


routes = [profile_page, save_profile]
