"""The credit forms as PDF (seed 002 §9, 003 §11): 学分登记表 (one year's effective credits, totals and
verdict) and 多年度学分验证表 (several years' verdicts and totals), for the learner himself
(``/my/compliance/forms``) and for an administrator, of a person within his reach (from 人员达标情况查询)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from cme_platform import clock
from cme_platform.api.params import Id, YearNumber
from cme_platform.api.state import plugin_manager
from cme_platform.audit.service import record
from cme_platform.compliance import service
from cme_platform.compliance.api import MAX_YEAR, MIN_YEAR, rules_for
from cme_platform.compliance.evaluate import Selection
from cme_platform.compliance.forms import MAX_YEARS, person_years
from cme_platform.errors import NotFound
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, Response, get
from litestar.params import Parameter
from litestar.response import Template

from cme_admin_ui.documents import pdf_download, rendered_pdf
from cme_admin_ui.pages.compliance import access_of, years_shown
from cme_admin_ui.pages.credits import current_principal
from cme_admin_ui.shell import page_context

LEARNERS = [requires_role(Role.LEARNER)]
ADMINS = [requires_role(*ORG_ADMIN_ROLES)]
Year = Annotated[int | None, Parameter(ge=MIN_YEAR, le=MAX_YEAR)]
Form = Annotated[
    Literal["register", "years"], Parameter(description="register：学分登记表；years：多年度学分验证表")
]
Years = Annotated[list[YearNumber], Parameter(min_items=1, max_items=MAX_YEARS, description="年度（可多选）")]


def _own(person_id: int | None) -> int:
    if person_id is None:
        raise NotFound("您的账号没有关联的人员信息，请联系所在单位")
    return person_id


async def _register(
    request: Request[Any, Any, Any], selection: Selection, person_id: int, year: int | None
) -> Response[bytes]:
    item = await service.person_year(rules_for(request, year), selection, person_id)
    pdf = await rendered_pdf(request, "compliance/register_pdf.html", items=[item], **_issued())
    return pdf_download(pdf, f"学分登记表-{item.year}-{item.person_number}.pdf")


async def _years_form(
    request: Request[Any, Any, Any], selection: Selection, person_id: int, years: list[int]
) -> Response[bytes]:
    found = await person_years(plugin_manager(request), selection, person_id, years)
    pdf = await rendered_pdf(request, "compliance/years_pdf.html", people=[found], **_issued())
    span = f"{found[-1].year}-{found[0].year}" if len(found) > 1 else str(found[0].year)
    return pdf_download(pdf, f"多年度学分验证表-{span}-{found[0].person_number}.pdf")


def _issued() -> dict[str, Any]:
    return {"issuer": current_tenant().name, "printed_at": clock.now()}


@get("/my/compliance/forms", guards=LEARNERS, include_in_schema=False)
async def my_forms(request: Request[Any, Any, Any], form: Form = "register") -> Template:
    """打印学分登记表 (``form=register``) or 多年度学分验证表 (``form=years``): choose the year (or years),
    then download the PDF."""
    return Template(
        template_name="compliance/forms.html",
        context={
            "form": form,
            **page_context(request),
            "years": years_shown(),
            "this_year": clock.today().year,
            "max_years": MAX_YEARS,
        },
    )


@get("/my/compliance/register.pdf", guards=LEARNERS, include_in_schema=False)
async def my_register(request: Request[Any, Any, Any], year: Year = None) -> Response[bytes]:
    """学分登记表 of the learner's year (default: this year)."""
    principal = await current_principal(request)
    return await _register(request, Selection(tenant_wide=True), _own(principal.person_id), year)


@get("/my/compliance/years.pdf", guards=LEARNERS, include_in_schema=False)
async def my_years(request: Request[Any, Any, Any], years: Years) -> Response[bytes]:
    """多年度学分验证表 of the learner's chosen years."""
    principal = await current_principal(request)
    return await _years_form(request, Selection(tenant_wide=True), _own(principal.person_id), years)


@get("/compliance/people/{person_id:int}/register.pdf", guards=ADMINS, include_in_schema=False)
async def person_register(
    request: Request[Any, Any, Any], person_id: Id, year: Year = None
) -> Response[bytes]:
    """学分登记表 of a person within the administrator's reach (404 beyond it); audited."""
    response = await _register(request, service.selection_of(await access_of(request)), person_id, year)
    await _printed(person_id, f"打印学分登记表（{year or clock.today().year}年度）")
    return response


@get("/compliance/people/{person_id:int}/years.pdf", guards=ADMINS, include_in_schema=False)
async def person_years_form(request: Request[Any, Any, Any], person_id: Id, years: Years) -> Response[bytes]:
    """多年度学分验证表 of a person within the administrator's reach (404 beyond it); audited."""
    response = await _years_form(request, service.selection_of(await access_of(request)), person_id, years)
    await _printed(person_id, f"打印多年度学分验证表（{'、'.join(str(y) for y in sorted(set(years)))}年度）")
    return response


async def _printed(person_id: int, summary: str) -> None:
    """An administrator printed a person's form: personal data left the system on paper."""
    await record("compliance.forms.print", object_type="person", object_id=person_id, summary=summary)


routes = [my_forms, my_register, my_years, person_register, person_years_form]
