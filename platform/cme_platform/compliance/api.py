"""JSON API of compliance (达标): the learner's year, the people list, statistics, standards, runs."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter, QueryParameter

from cme_platform import clock
from cme_platform.api.params import DepartmentFilter, Id, InstitutionFilter, PageNumber, PageSize
from cme_platform.compliance import export, jobs, service
from cme_platform.compliance import schemas as s
from cme_platform.compliance.evaluate import Selection
from cme_platform.compliance.forms import start_forms
from cme_platform.compliance.schemas import FIRST_YEAR, LAST_YEAR
from cme_platform.documents.schemas import ExportOut
from cme_platform.errors import FieldError, InvalidInput
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_login, requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.import_api import XLSX, xlsx_response
from cme_platform.tenancy.scope import current_tenant

TAGS = ["达标 compliance"]
MIN_YEAR, MAX_YEAR = FIRST_YEAR, LAST_YEAR
Year = Annotated[int | None, Parameter(ge=MIN_YEAR, le=MAX_YEAR, description="年度，默认今年")]


def rules_for(request: Request[Any, Any, Any], year: int | None) -> service.YearRules:
    """The tenant's standards and categories for ``year`` (default: this year)."""
    chosen = year or clock.today().year
    return service.year_rules(request.app.state.plugin_manager, current_tenant(), chosen)


def provide_result_filter(
    institution_id: InstitutionFilter = None,
    department_id: DepartmentFilter = None,
    title_level: Annotated[str | None, Parameter(max_length=8, description="职称级别")] = None,
    met: Annotated[bool | None, Parameter(description="true 只看达标，false 只看未达标")] = None,
    q: Annotated[str | None, Parameter(max_length=50, description="姓名（开头）")] = None,
) -> s.ResultFilter:
    """A :class:`ResultFilter` from the query (blank values mean "any")."""
    return s.ResultFilter(
        institution_id=institution_id,
        department_id=department_id,
        title_level=title_level or None,
        met=met,
        q=(q or "").strip() or None,
    )


class MyComplianceController(Controller):
    """The learner's own compliance (达标情况查询)."""

    path = "/api/my/compliance"
    guards = [requires_role(Role.LEARNER)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = TAGS

    @get("/", summary="My year: the standard, the verdict with its explanation, the summary and the records")
    async def my_year(
        self, request: Request[Any, Any, Any], principal: Caller, year: Year = None
    ) -> s.PersonCompliance:
        person_id = await service.own_person_id(principal.account_id)
        return await service.person_year(rules_for(request, year), Selection(tenant_wide=True), person_id)

    @get("/export", summary="My year as xlsx (sheets 学分记录 and 学分汇总)", media_type=XLSX)
    async def my_export(
        self, request: Request[Any, Any, Any], principal: Caller, year: Year = None
    ) -> Response[bytes]:
        person_id = await service.own_person_id(principal.account_id)
        item = await service.person_year(rules_for(request, year), Selection(tenant_wide=True), person_id)
        return xlsx_response(await export.person_workbook(item), export.file_name("达标情况", item.year))


async def provide_person_access(principal: Caller) -> PersonAccess:
    """The people the caller reaches."""
    return PersonAccess.of(principal)


class ComplianceAdminController(Controller):
    """人员达标情况查询 and 学分完成情况统计 of the people the caller manages."""

    path = "/api/compliance"
    guards = [requires_role(*ORG_ADMIN_ROLES)]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "principal": Provide(provide_principal),
        "access": Provide(provide_person_access),
        "filters": Provide(provide_result_filter, sync_to_thread=False),
    }
    tags = TAGS

    @get(
        "/people",
        summary="People with the year's totals and verdict (live for a unit, stored for a region or tenant)",
    )
    async def list_people(
        self,
        request: Request[Any, Any, Any],
        access: NamedDependency[PersonAccess],
        filters: NamedDependency[s.ResultFilter],
        year: Year = None,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> s.PersonResultPage:
        return await service.list_results(
            rules_for(request, year), access, filters, page=page, page_size=page_size
        )

    @get("/people/export", summary="The filtered list as xlsx (audited)", media_type=XLSX)
    async def export_people(
        self,
        request: Request[Any, Any, Any],
        access: NamedDependency[PersonAccess],
        filters: NamedDependency[s.ResultFilter],
        year: Year = None,
    ) -> Response[bytes]:
        rules = rules_for(request, year)
        page = await service.list_results(rules, access, filters, everything=True)
        content = await export.list_workbook(page, filters)
        return xlsx_response(content, export.file_name("人员达标情况", rules.year))

    @post(
        "/forms",
        summary="学分登记表 or 多年度学分验证表 of up to 2,000 people as one PDF, made in the background "
        "(202; poll GET /api/documents/{id}, then POST /api/documents/{id}/link); audited per person",
        status_code=202,
    )
    async def print_forms(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        access: NamedDependency[PersonAccess],
        data: JSONBody[s.FormsIn],
    ) -> ExportOut:
        return await start_forms(access, principal.account_id, data, request.app.state.settings)

    @get("/people/{person_id:int}", summary="One person's year (same shape as the learner's)")
    async def person(
        self,
        request: Request[Any, Any, Any],
        access: NamedDependency[PersonAccess],
        person_id: Id,
        year: Year = None,
    ) -> s.PersonCompliance:
        return await service.person_year(rules_for(request, year), service.selection_of(access), person_id)

    @get("/statistics", summary="学分完成情况统计 by title level, title, department or establishment")
    async def statistics(
        self,
        request: Request[Any, Any, Any],
        access: NamedDependency[PersonAccess],
        year: Year = None,
        by: Annotated[s.StatisticsDimension, QueryParameter(description="统计维度")] = "title_level",
    ) -> s.Statistics:
        return await service.statistics(rules_for(request, year), access, by)


class ComplianceStandardController(Controller):
    """达标标准浏览: the year's standards, for every signed-in role."""

    path = "/api/compliance/standards"
    guards = [requires_login]  # noqa: RUF012
    tags = TAGS

    @get("/", summary="The year's compliance standards per title level")
    async def list_standards(self, request: Request[Any, Any, Any], year: Year = None) -> s.StandardList:
        return service.describe_standards(rules_for(request, year))


class ComplianceRunController(Controller):
    """Recomputation of a tenant-year's stored results (commission only)."""

    path = "/api/compliance/runs"
    guards = [requires_role(Role.COMMISSION_ADMIN)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = TAGS

    @post("/", summary="Start recomputing a year (202; poll GET /api/compliance/runs/{id})", status_code=202)
    async def start(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[s.RunIn]
    ) -> s.RunOut:
        return await start_recompute(request, principal, data.year)

    @get("/", summary="Recomputations, newest first")
    async def list_runs(self, page: PageNumber = 1, page_size: PageSize = 20) -> s.RunPage:
        return await jobs.list_runs(page=page, page_size=page_size)

    @get("/{run_id:int}", summary="One recomputation and its progress")
    async def get_run(self, run_id: Id) -> s.RunOut:
        return await jobs.get_run(run_id)

    @post(
        "/{run_id:int}/cancel",
        summary="Cancel a recomputation that has not finished (409 when it has)",
        status_code=200,
    )
    async def cancel_run(self, run_id: Id) -> s.RunOut:
        return await jobs.cancel_run(run_id)


async def start_recompute(request: Request[Any, Any, Any], principal: Principal, year: int) -> s.RunOut:
    """Validate ``year``, create the run and start it in the background."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput("请检查标注的字段", [FieldError("year", f"年度：应在 {MIN_YEAR}–{MAX_YEAR} 之间")])
    run_id = await jobs.start_run(year, principal.account_id, request.app.state.settings)
    return await jobs.get_run(run_id)


def compliance_api_routes() -> list[type[Controller]]:
    """The compliance controllers."""
    return [
        MyComplianceController,
        ComplianceAdminController,
        ComplianceStandardController,
        ComplianceRunController,
    ]
