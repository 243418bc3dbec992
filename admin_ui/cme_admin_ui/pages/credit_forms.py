"""The credit forms as PDF (seed 002 §9, 003 §11): 学分登记表 (one year's effective credits, totals and
verdict) and 多年度学分验证表 (several years' verdicts and totals), for the learner himself
(``/my/compliance/forms``), for an administrator of one person within his reach (from 人员达标情况查询),
and through the selection screen (``/compliance/forms``: choose a department, move people into the
selected list, choose the years) for many at once, made in the background beyond a few people."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from cme_platform import clock
from cme_platform.api.params import Id, YearNumber, row_id_or_none
from cme_platform.api.state import plugin_manager
from cme_platform.compliance import service
from cme_platform.compliance.api import MAX_YEAR, MIN_YEAR
from cme_platform.compliance.evaluate import Selection
from cme_platform.compliance.forms import (
    FORM_TEMPLATES,
    FORM_TITLES,
    INSTANT_PEOPLE,
    MAX_PEOPLE,
    MAX_YEARS,
    audit_printed,
    forms_context,
    forms_filename,
    reached_people,
    start_forms,
)
from cme_platform.compliance.forms import Form as FormName
from cme_platform.compliance.schemas import FormsIn
from cme_platform.errors import DomainError, NotFound
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.personnel.access import PersonAccess
from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import Parameter
from litestar.response import Redirect, Template

from cme_admin_ui.documents import pdf_download, rendered_pdf
from cme_admin_ui.pages.compliance import access_of, years_shown
from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.pages.forms import FormErrors, parse_form
from cme_admin_ui.person_selection import PersonSelection
from cme_admin_ui.shell import flash, page_context

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


def this_year() -> int:
    """The year in China today (the forms' default)."""
    return clock.today().year


async def _forms_pdf(
    request: Request[Any, Any, Any],
    selection: Selection,
    form: FormName,
    person_ids: list[int],
    years: list[int],
) -> Response[bytes]:
    """The form of ``person_ids`` within ``selection`` as a PDF download (a few people: at once)."""
    context = await forms_context(plugin_manager(request), selection, form, person_ids, years)
    pdf = await rendered_pdf(request, FORM_TEMPLATES[form], **context)
    return pdf_download(pdf, forms_filename(form, years, context))


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
    return await _forms_pdf(
        request, Selection(tenant_wide=True), "register", [_own(principal.person_id)], [year or this_year()]
    )


@get("/my/compliance/years.pdf", guards=LEARNERS, include_in_schema=False)
async def my_years(request: Request[Any, Any, Any], years: Years) -> Response[bytes]:
    """多年度学分验证表 of the learner's chosen years."""
    principal = await current_principal(request)
    return await _forms_pdf(request, Selection(tenant_wide=True), "years", [_own(principal.person_id)], years)


@get("/compliance/people/{person_id:int}/register.pdf", guards=ADMINS, include_in_schema=False)
async def person_register(
    request: Request[Any, Any, Any], person_id: Id, year: Year = None
) -> Response[bytes]:
    """学分登记表 of a person within the administrator's reach (404 beyond it); audited."""
    chosen = [year or this_year()]
    response = await _forms_pdf(
        request, service.selection_of(await access_of(request)), "register", [person_id], chosen
    )
    await audit_printed("register", [person_id], chosen)
    return response


@get("/compliance/people/{person_id:int}/years.pdf", guards=ADMINS, include_in_schema=False)
async def person_years_form(request: Request[Any, Any, Any], person_id: Id, years: Years) -> Response[bytes]:
    """多年度学分验证表 of a person within the administrator's reach (404 beyond it); audited."""
    response = await _forms_pdf(
        request, service.selection_of(await access_of(request)), "years", [person_id], years
    )
    await audit_printed("years", [person_id], years)
    return response


class Screen:
    """The selection screen's state, carried in its form: which form and years, and the people of the
    kit's person picker."""

    def __init__(self, values: FormMultiDict | None, access: PersonAccess, form_name: str = "") -> None:
        form = values if values is not None else FormMultiDict()
        self.access = access
        self.form: FormName = "register" if (form_name or form.get("form")) == "register" else "years"
        years = {y for y in map(row_id_or_none, form.getall("years", [])) if y and MIN_YEAR <= y <= MAX_YEAR}
        self.years = sorted(years) if values is not None else years_shown()[:3]
        year = row_id_or_none(form.get("year"))
        self.year = year if year and MIN_YEAR <= year <= MAX_YEAR else this_year()
        self.people = PersonSelection(values, access, limit=MAX_PEOPLE)

    @property
    def chosen_years(self) -> list[int]:
        """The years the form covers."""
        return [self.year] if self.form == "register" else self.years


async def _screen(
    request: Request[Any, Any, Any], screen: Screen, *, error: str = "", status_code: int = 200
) -> Template:
    return Template(
        template_name="compliance/select_forms.html",
        context={
            **page_context(request),
            "screen": screen,
            "people": await screen.people.view(),
            "years": years_shown(),
            "titles": FORM_TITLES,
            "instant": INSTANT_PEOPLE,
            "max_years": MAX_YEARS,
            "error": error,
        },
        status_code=status_code,
    )


@get("/compliance/forms", guards=ADMINS, include_in_schema=False)
async def select_page(request: Request[Any, Any, Any], form: Form = "years") -> Template:
    """学分打印 for a department's people (seed 002 §9): choose the form, the years and the people."""
    return await _screen(request, Screen(None, await access_of(request), form))


@post("/compliance/forms", guards=ADMINS, include_in_schema=False, status_code=200)
async def select_action(request: Request[Any, Any, Any]) -> Template | Response[bytes] | Redirect:
    """One step of the selection screen: 查询, 加入已选 (the checked or every matching person), 移出,
    清空, or 导出PDF (a few people at once; more as a document made in the background)."""
    values = await request.form()
    screen = Screen(values, await access_of(request))
    action = str(values.get("action") or "")
    if action != "export":
        await screen.people.apply(action)
        return await _screen(request, screen)
    try:
        return await _export(request, screen)
    except FormErrors as exc:
        return await _screen(
            request, screen, error=next(iter(exc.errors.values()), exc.message), status_code=400
        )
    except DomainError as exc:
        return await _screen(request, screen, error=exc.message, status_code=exc.status_code)


async def _export(request: Request[Any, Any, Any], screen: Screen) -> Response[bytes] | Redirect:
    if not screen.people.selected:
        raise FormErrors("请先把要打印的人员加入已选人员", {})
    data = parse_form(
        {"form": screen.form, "person_ids": screen.people.selected, "years": screen.chosen_years}, FormsIn
    )
    if len(data.person_ids) <= INSTANT_PEOPLE:
        people = await reached_people(screen.access, data.person_ids)
        selection = service.selection_of(screen.access)
        response = await _forms_pdf(request, selection, data.form, people, data.years)
        await audit_printed(data.form, people, data.years)
        return response
    principal = await current_principal(request)
    export = await start_forms(screen.access, principal.account_id, data, request.app.state.settings)
    flash(request, f"已开始生成“{export.title}”，完成后会通知您，可在此下载")
    return back(request, "/documents")


routes = [my_forms, my_register, my_years, person_register, person_years_form, select_page, select_action]
