"""录入权限: the rights opened for learners to enter their own credits (seed 003 §3: 需单位开通权限).

Institution, region and commission administrators open the right for a whole institution or one of
its departments, and close it again. Where the province lets every learner enter (or none), the page
still lists and keeps the rights; the entry forms follow the province's policy.
"""

from __future__ import annotations

from typing import Any

from cme_platform.api.params import Id, OptionalId
from cme_platform.credits import service as ledger
from cme_platform.credits.schemas import SelfEntryGrantIn
from cme_platform.errors import DomainError
from cme_platform.identity.guards import requires_role
from cme_platform.orgs import schemas as orgs_schemas
from cme_platform.orgs import service as orgs
from cme_platform.personnel.access import PersonAccess
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import GRANT_ROLES, back, current_principal
from cme_admin_ui.pages.forms import FormErrors, clean_form, domain_form_errors, parse_form
from cme_admin_ui.shell import page_context

GUARDS = [requires_role(*GRANT_ROLES)]
MAX_CHOICES = 5_000
NOTICES = {"opened": "已开通录入权限", "closed": "已关闭录入权限"}


async def _page(
    request: Request[Any, Any, Any],
    institution_id: int | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    principal = await current_principal(request)
    access = PersonAccess.of(principal).org
    institutions = await orgs.list_institutions(access, active=True, page_size=MAX_CHOICES)
    if institution_id is None and institutions.total == 1:
        institution_id = institutions.items[0].id
    departments = (
        await orgs.list_departments(access, active=True, institution_id=institution_id, page_size=MAX_CHOICES)
        if institution_id
        else orgs_schemas.DepartmentPage(items=[], total=0, page=1, page_size=MAX_CHOICES)
    )
    notice = next((text for key, text in NOTICES.items() if request.query_params.get(key) == "1"), "")
    return Template(
        template_name="credits/grants.html",
        context={
            **page_context(request),
            "items": await ledger.list_grants(principal),
            "institutions": institutions.items,
            "departments": departments.items,
            "institution_id": institution_id,
            "values": values or {"institution_id": institution_id or ""},
            "errors": errors or {},
            "notice": notice,
        },
        status_code=400 if errors else 200,
    )


@get("/credits/grants", guards=GUARDS, include_in_schema=False, name="credit_grants")
async def grants_page(request: Request[Any, Any, Any], institution_id: OptionalId = None) -> Template:
    """The opened rights and the form to open one (choose the institution, then maybe a department)."""
    return await _page(request, institution_id)


@post("/credits/grants", guards=GUARDS, include_in_schema=False, status_code=303)
async def open_grant(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Open the right for the chosen institution or department (opening it twice changes nothing)."""
    principal = await current_principal(request)
    values = clean_form(dict(await request.form()), optional_ints=("institution_id", "department_id"))
    try:
        if not values.get("institution_id"):
            raise FormErrors("请选择单位", {"institution_id": "请选择单位"})
        data = parse_form(
            {"institution_id": values["institution_id"], "department_id": values.get("department_id")},
            SelfEntryGrantIn,
        )
        await ledger.open_grant(principal, data)
    except FormErrors as exc:
        return await _page(request, None, values=values, errors={"_": exc.message, **exc.errors})
    except DomainError as exc:
        return await _page(request, None, values=values, errors=domain_form_errors(exc).errors)
    return back(request, "/credits/grants?opened=1")


@post("/credits/grants/{grant_id:int}/close", guards=GUARDS, include_in_schema=False, status_code=303)
async def close_grant(request: Request[Any, Any, Any], grant_id: Id) -> Redirect:
    """Close an opened right."""
    await ledger.close_grant(await current_principal(request), grant_id)
    return back(request, "/credits/grants?closed=1")


routes = [grants_page, open_grant, close_grant]
"""The 录入权限 page's handlers."""
