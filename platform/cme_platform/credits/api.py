"""JSON API of the credit ledger (``/api/credits/…``) and of the approvers' inbox (``/api/approvals/…``).

Learners reach the entry options, their own list, entry, change, deletion, submission and export;
administrators also the inbox, decisions, the commission's correction and the self-entry grants.
Importing this module registers the credit approval handler and the evidence read rule.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter

from cme_platform import clock
from cme_platform.api.openapi import RATE_LIMITED
from cme_platform.api.params import MAX_ROW_ID, DepartmentFilter, Id, InstitutionFilter, PageNumber, PageSize
from cme_platform.api.state import plugin_manager
from cme_platform.approvals.schemas import BatchDone
from cme_platform.credits import schemas as s
from cme_platform.credits import service, standard_grants
from cme_platform.credits.schemas import StatusFilter
from cme_platform.files.service import content_disposition
from cme_platform.identity.dependencies import provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CREDITS_TAG = "学分 credits"

Caller = NamedDependency[Principal]
Filters = NamedDependency[s.CreditFilter]


def provide_credit_filter(
    person_id: Annotated[int | None, Parameter(ge=1, le=MAX_ROW_ID, description="人员")] = None,
    q: Annotated[
        str | None,
        Parameter(max_length=128, description="查询关键字（证件号码、手机可用 search-token 换得的令牌）"),
    ] = None,
    q_field: Annotated[
        s.KeywordField,
        Parameter(description="查询项：name 姓名、id_number 证件号码、person_number 人员编号、phone 手机"),
    ] = "name",
    date_from: Annotated[date | None, Parameter(description="活动日期起")] = None,
    date_to: Annotated[date | None, Parameter(description="活动日期止")] = None,
    year: Annotated[int | None, Parameter(ge=2000, le=2100, description="学分年度")] = None,
    status: Annotated[
        StatusFilter | None,
        Parameter(
            description="审核状态：draft 未上报、submitted 待审核、in_review 审核中、"
            "approved 审核通过未生效、effective 已生效、returned 已退回、rejected 审核不通过"
        ),
    ] = None,
    source: Annotated[str | None, Parameter(max_length=16, description="来源：personal 个人录入…")] = None,
    category: Annotated[str | None, Parameter(max_length=64, description="学分类别")] = None,
    institution_id: InstitutionFilter = None,
    department_id: DepartmentFilter = None,
) -> s.CreditFilter:
    """A :class:`CreditFilter` from the request's query (blank values mean "any")."""
    return s.CreditFilter(
        person_id=person_id,
        q=(q or "").strip() or None,
        q_field=q_field,
        date_from=date_from,
        date_to=date_to,
        year=year,
        status=status,
        source=source or None,
        category=category or None,
        institution_id=institution_id,
        department_id=department_id,
    )


ENTRY_ROLES = (Role.LEARNER, *ORG_ADMIN_ROLES)


class CreditController(Controller):
    """Personal credits: learners their own, administrators those of their people."""

    path = "/api/credits"
    guards = [requires_role(*ENTRY_ROLES)]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "principal": Provide(provide_principal),
        "filters": Provide(provide_credit_filter, sync_to_thread=False),
    }
    tags = [CREDITS_TAG]  # noqa: RUF012

    @get(
        "/options",
        summary="What the entry forms offer the caller (may he enter, categories, forms, disciplines)",
    )
    async def options(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        year: Annotated[int | None, Parameter(ge=2000, le=2100, description="学分年度（默认今年）")] = None,
    ) -> s.EntryOptions:
        return await service.entry_options(plugin_manager(request), principal, year or clock.today().year)

    @get(
        "/",
        summary="List credits (own for learners, the people in reach for admins) with totals",
        responses=RATE_LIMITED,
    )
    async def list_credits(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        filters: Filters,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> s.CreditPage:
        return await service.list_records(principal, filters, page, page_size, pm=plugin_manager(request))

    @post("/", summary="Enter a credit (guided through a standard, or free); submit=true sends it for review")
    async def create_credit(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[s.CreditIn]
    ) -> s.CreditOut:
        return await service.create_record(plugin_manager(request), principal, data)

    @get(
        "/export",
        summary="Export the filtered credits as an Excel workbook (图-7 columns, totals)",
        media_type=XLSX,
        responses=RATE_LIMITED,
    )
    async def export(
        self, request: Request[Any, Any, Any], principal: Caller, filters: Filters
    ) -> Response[bytes]:
        content = await service.export_records(principal, filters, pm=plugin_manager(request))
        name = f"学分明细_{clock.today():%Y%m%d}.xlsx"
        return Response(
            content,
            media_type=XLSX,
            headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private, no-store"},
        )

    @post("/submit", status_code=200, summary="Send draft or returned credits for review (批量上报)")
    async def submit(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[s.IdList]
    ) -> BatchDone:
        return await service.submit_records(plugin_manager(request), principal, list(data.ids))

    @get("/{record_id:int}", summary="Read a credit with its evidence and review history")
    async def get_credit(self, principal: Caller, record_id: Id) -> s.CreditOut:
        return await service.get_record(principal, record_id)

    @put("/{record_id:int}", summary="Change a credit that is not effective (recomputed; evidence replaced)")
    async def update_credit(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        record_id: Id,
        data: JSONBody[s.CreditIn],
    ) -> s.CreditOut:
        return await service.update_record(plugin_manager(request), principal, record_id, data)

    @delete("/{record_id:int}", summary="Delete a credit that is not effective (withdraws its review)")
    async def delete_credit(self, principal: Caller, record_id: Id) -> None:
        await service.delete_record(principal, record_id)

    @post(
        "/{record_id:int}/correction",
        status_code=200,
        guards=[requires_role(Role.COMMISSION_ADMIN)],
        summary="Correct an approved credit (commission administrators, reason required)",
    )
    async def correct(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        record_id: Id,
        data: JSONBody[s.Correction],
    ) -> s.CreditOut:
        return await service.correct_record(principal, record_id, data, pm=plugin_manager(request))


class SelfEntryGrantController(Controller):
    """The right of learners to enter their own credits (需单位开通权限)."""

    path = "/api/credits/self-entry-grants"
    guards = [requires_role(*ORG_ADMIN_ROLES)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = [CREDITS_TAG]  # noqa: RUF012

    @get("/", summary="The opened self-entry rights of the institutions in reach")
    async def list_grants(self, principal: Caller) -> list[s.SelfEntryGrantOut]:
        return await service.list_grants(principal)

    @post("/", summary="Open self-entry for an institution or one of its departments (idempotent)")
    async def open_grant(self, principal: Caller, data: JSONBody[s.SelfEntryGrantIn]) -> s.SelfEntryGrantOut:
        return await service.open_grant(principal, data)

    @delete("/{self_entry_grant_id:int}", summary="Close a self-entry right")
    async def close_grant(self, principal: Caller, self_entry_grant_id: Id) -> None:
        await service.close_grant(principal, self_entry_grant_id)


class StandardGrantController(Controller):
    """按标准授分: one standard's credits granted to several people at once (where the province offers it)."""

    path = "/api/credits/standard-grants"
    guards = [requires_role(*standard_grants.GRANTORS)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = [CREDITS_TAG]  # noqa: RUF012

    @get("/", summary="The grants made by the caller or for the institutions in reach, newest first")
    async def list_standard_grants(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> standard_grants.StandardGrantPage:
        return await standard_grants.list_grants(principal, page=page, page_size=page_size)

    @post(
        "/",
        summary="Grant a standard's credits to several people (all or nothing; a known key: that grant)",
    )
    async def create_standard_grant(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        data: JSONBody[standard_grants.StandardGrantIn],
    ) -> standard_grants.StandardGrantOut:
        return await standard_grants.grant(plugin_manager(request), principal, data)

    @get("/{standard_grant_id:int}", summary="A grant with each person's credit")
    async def get_standard_grant(
        self, request: Request[Any, Any, Any], principal: Caller, standard_grant_id: Id
    ) -> standard_grants.StandardGrantOut:
        return await standard_grants.grant_detail(principal, standard_grant_id)


def credit_api_routes() -> list[type[Controller]]:
    """The credit ledger's controllers."""
    return [SelfEntryGrantController, StandardGrantController, CreditController]
