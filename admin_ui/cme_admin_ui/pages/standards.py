"""The 授分标准 pages: the province's standard table for a year, and a credit calculator per standard.

Every signed-in role sees them: learners check what an activity is worth before entering it, admins
answer questions about a grant. The calculator runs the same engine as the API and shows each step.
"""

from __future__ import annotations

from typing import Any

from cme_platform.errors import DomainError
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_login
from cme_platform.standards import catalogue
from cme_platform.standards.api import Year, year_standards
from cme_platform.standards.catalogue import ComputeIn, ComputeOut
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from cme_admin_ui.pages.forms import FormErrors, clean_form, domain_form_errors, parse_form
from cme_admin_ui.shell import page_context

INPUT_LABELS = {
    "hours": ("学时（小时）", "如 3 或 1.5"),
    "days": ("天数", "活动持续的天数"),
    "occurrences": ("次数", ""),
    "author_rank": ("作者排名", ""),
    "project_credits": ("项目学分", "主讲人学分不超过项目学分"),
}


@get("/standards", guards=[requires_login], include_in_schema=False)
async def standards_page(request: Request[Any, Any, Any], year: Year = None) -> Template:
    """The year's standard table (序号, 名称, 规则, 类别, 子类别, 形式, 备注)."""
    await principal_of(request)
    chosen, standards = year_standards(request, year)
    return Template(
        template_name="standards/list.html",
        context={
            **page_context(request),
            "year": chosen,
            "items": [catalogue.describe(s) for s in standards],
        },
    )


async def _calculator(
    request: Request[Any, Any, Any],
    code: str,
    year: int | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    result: ComputeOut | None = None,
) -> Template:
    await principal_of(request)
    chosen, standards = year_standards(request, year)
    standard = catalogue.find(standards, code)
    return Template(
        template_name="standards/compute.html",
        context={
            **page_context(request),
            "year": chosen,
            "item": catalogue.describe(standard),
            "labels": INPUT_LABELS,
            "values": values or {},
            "errors": errors or {},
            "result": result,
        },
    )


@get("/standards/{code:str}", guards=[requires_login], include_in_schema=False)
async def calculator_page(
    request: Request[Any, Any, Any], code: FromPath[str], year: Year = None
) -> Template:
    """The calculator form of one standard."""
    return await _calculator(request, code, year)


@post("/standards/{code:str}", guards=[requires_login], include_in_schema=False, status_code=200)
async def calculate(request: Request[Any, Any, Any], code: FromPath[str], year: Year = None) -> Template:
    """Compute the credits of the submitted figures; show the steps or the problems."""
    form = clean_form(dict(await request.form()))
    values = {k: v for k, v in form.items() if k in INPUT_LABELS}
    figures = {k: v for k, v in values.items() if v not in ("", None)}
    _, standards = year_standards(request, year)
    standard = catalogue.find(standards, code)
    try:
        result = catalogue.calculate(standard, parse_form(figures, ComputeIn))
    except DomainError as exc:
        failed = domain_form_errors(exc)
        return await _calculator(request, code, year, values=values, errors=failed.errors)
    except FormErrors as exc:
        return await _calculator(request, code, year, values=values, errors=exc.errors)
    return await _calculator(request, code, year, values=values, result=result)


routes = [standards_page, calculator_page, calculate]
"""The handlers of the standards pages."""
