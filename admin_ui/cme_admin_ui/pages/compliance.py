"""Pages of compliance (达标): the learner's 达标情况查询, the admins' 人员达标情况查询 and 学分完成情况统计,
达标标准浏览 for everyone and the commission's 达标重算 (seed 003 §4.2, 002 §6.2, §6.3, §7.1).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from cme_platform import clock
from cme_platform.api.params import Id, PageNumber
from cme_platform.compliance import jobs, service
from cme_platform.compliance import schemas as s
from cme_platform.compliance.api import MAX_YEAR, MIN_YEAR, provide_result_filter, rules_for, start_recompute
from cme_platform.compliance.evaluate import Selection
from cme_platform.compliance.forms import MAX_YEARS
from cme_platform.errors import Conflict, DomainError
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_login, requires_role
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.jobs.kinds import UNFINISHED_STATUSES
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.vocab import TITLE_LEVELS
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Parameter, QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.shell import page_context

PAGE_SIZE = 20
YEARS_SHOWN = 6
Year = Annotated[int | None, Parameter(ge=MIN_YEAR, le=MAX_YEAR)]
ADMIN_GUARDS = [requires_role(*ORG_ADMIN_ROLES)]


def years_shown() -> list[int]:
    """The years a year select offers: this one and the five before it."""
    this = clock.today().year
    return list(range(this, this - YEARS_SHOWN, -1))


async def access_of(request: Request[Any, Any, Any]) -> PersonAccess:
    """Whose records the signed-in administrator reaches."""
    principal = await principal_of(request)
    assert principal is not None  # the guards admit signed-in accounts only
    return PersonAccess.of(principal)


@get("/my/compliance", name="my_compliance", guards=[requires_role(Role.LEARNER)])
async def my_page(request: Request[Any, Any, Any], year: Year = None) -> Template:
    """达标情况查询: the learner's verdict, explanation, records and summary for a year."""
    principal = await principal_of(request)
    assert principal is not None
    person_id = await service.own_person_id(principal.account_id)
    item = await service.person_year(rules_for(request, year), Selection(tenant_wide=True), person_id)
    return Template(
        template_name="compliance/my.html",
        context={**page_context(request), "item": item, "years": years_shown()},
    )


@get(
    "/compliance",
    name="compliance_people",
    guards=ADMIN_GUARDS,
    dependencies={"filters": Provide(provide_result_filter, sync_to_thread=False)},
)
async def list_page(
    request: Request[Any, Any, Any],
    filters: NamedDependency[s.ResultFilter],
    year: Year = None,
    page: PageNumber = 1,
) -> Template:
    """人员达标情况查询: the people within reach with their totals and verdicts."""
    access = await access_of(request)
    rules = rules_for(request, year)
    result = await service.list_results(rules, access, filters, page=page, page_size=PAGE_SIZE)
    query = {k: "" if v is None else v for k, v in msgspec.to_builtins(filters).items()}
    query["met"] = {True: "true", False: "false"}.get(filters.met, "")  # type: ignore[arg-type]
    query["year"] = rules.year
    return Template(
        template_name="compliance/list.html",
        context={
            **page_context(request),
            "result": result,
            "query": query,
            "years": years_shown(),
            "levels": TITLE_LEVELS,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "not_computed": service.NOT_COMPUTED
            if result.source == "stored" and not result.computed_at
            else "",
        },
    )


@get("/compliance/people/{person_id:int}", name="compliance_person", guards=ADMIN_GUARDS)
async def person_page(request: Request[Any, Any, Any], person_id: Id, year: Year = None) -> Template:
    """One person's year, as the learner sees it."""
    access = await access_of(request)
    item = await service.person_year(rules_for(request, year), service.selection_of(access), person_id)
    return Template(
        template_name="compliance/person.html",
        context={**page_context(request), "item": item, "years": years_shown(), "max_years": MAX_YEARS},
    )


@get("/compliance/statistics", name="compliance_statistics", guards=ADMIN_GUARDS)
async def statistics_page(
    request: Request[Any, Any, Any],
    year: Year = None,
    by: Annotated[s.StatisticsDimension, QueryParameter()] = "title_level",
) -> Template:
    """学分完成情况统计 with a bar chart of the rates."""
    access = await access_of(request)
    stats = await service.statistics(rules_for(request, year), access, by)
    return Template(
        template_name="compliance/statistics.html",
        context={
            **page_context(request),
            "stats": stats,
            "years": years_shown(),
            "dimensions": s.DIMENSION_LABELS,
            "not_computed": service.NOT_COMPUTED
            if stats.source == "stored" and not stats.computed_at
            else "",
        },
    )


@get("/compliance/standards", name="compliance_standards", guards=[requires_login])
async def standards_page(request: Request[Any, Any, Any], year: Year = None) -> Template:
    """达标标准浏览: the standards per title level."""
    standards = service.describe_standards(rules_for(request, year))
    return Template(
        template_name="compliance/standards.html",
        context={**page_context(request), "standards": standards, "years": years_shown()},
    )


async def _runs_page(request: Request[Any, Any, Any], error: str = "", status_code: int = 200) -> Template:
    runs = await jobs.list_runs(page=1, page_size=PAGE_SIZE)
    return Template(
        template_name="compliance/runs.html",
        context={
            **page_context(request),
            "runs": runs,
            "years": years_shown(),
            "error": error,
            "active": any(r.status in UNFINISHED_STATUSES for r in runs.items),
            "unfinished": UNFINISHED_STATUSES,
        },
        status_code=status_code,
    )


@get("/compliance/runs", name="compliance_runs", guards=[requires_role(Role.COMMISSION_ADMIN)])
async def runs_page(request: Request[Any, Any, Any]) -> Template:
    """达标重算: start a recomputation and follow its progress."""
    return await _runs_page(request)


@post("/compliance/runs", guards=[requires_role(Role.COMMISSION_ADMIN)], status_code=303)
async def start_run(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Start recomputing the chosen year, then show the list."""
    form = await request.form()
    text = str(form.get("year") or "")
    principal = await principal_of(request)
    assert principal is not None
    if not (text.isascii() and text.isdigit()):
        return await _runs_page(request, "请选择年度", 400)
    try:
        await start_recompute(request, principal, int(text))
    except DomainError as exc:
        return await _runs_page(request, exc.message, 400)
    return Redirect(tenant_url(request, "/compliance/runs"), status_code=303)


@post("/compliance/runs/{run_id:int}/cancel", guards=[requires_role(Role.COMMISSION_ADMIN)], status_code=303)
async def cancel_run(request: Request[Any, Any, Any], run_id: Id) -> Template | Redirect:
    """Cancel a recomputation that has not finished, then show the list."""
    try:
        await jobs.cancel_run(run_id)
    except DomainError as exc:
        return await _runs_page(request, exc.message, 409 if isinstance(exc, Conflict) else 404)
    return Redirect(tenant_url(request, "/compliance/runs"), status_code=303)


routes = [
    Router(
        path="/",
        route_handlers=[
            my_page,
            list_page,
            person_page,
            statistics_page,
            standards_page,
            runs_page,
            start_run,
            cancel_run,
        ],
        include_in_schema=False,
    )
]
