"""JSON API of the audit log for commission admins: search, export, chain check, an object's change log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from cme_platform.api.params import OptionalId, PageNumber, PageSize
from cme_platform.audit.export import export_events
from cme_platform.audit.query import AuditEventPage, AuditFilters, object_history, search_events
from cme_platform.audit.verify import ChainReport, verify_chain
from cme_platform.clock import CHINA
from cme_platform.errors import FieldError, InvalidInput
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.tenancy.scope import current_tenant

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ShortText = Annotated[str | None, QueryParameter(max_length=64)]


def _day(value: str | None, field: str) -> date | None:
    """A ``YYYY-MM-DD`` filter value; blank means no filter, anything else is a 400."""
    if not value or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("日期格式不正确", [FieldError(field, "请填写 YYYY-MM-DD 格式的日期")]) from None


async def provide_filters(
    date_from: Annotated[
        str | None, QueryParameter(max_length=10, description="起始日期（含），北京时间")
    ] = None,
    date_to: Annotated[
        str | None, QueryParameter(max_length=10, description="截止日期（含），北京时间")
    ] = None,
    account: Annotated[str | None, QueryParameter(max_length=100, description="账号或姓名关键字")] = None,
    account_id: OptionalId = None,
    action: Annotated[
        str | None, QueryParameter(max_length=64, description="操作代码，以 . 结尾为前缀")
    ] = None,
    object_type: ShortText = None,
    object_id: ShortText = None,
    ip: Annotated[str | None, QueryParameter(max_length=45)] = None,
) -> AuditFilters:
    """The search filters of an audit request (blank values mean no filter)."""
    return AuditFilters(
        date_from=_day(date_from, "date_from"),
        date_to=_day(date_to, "date_to"),
        account=(account or "").strip() or None,
        account_id=account_id,
        action=(action or "").strip() or None,
        object_type=object_type or None,
        object_id=object_id or None,
        ip=(ip or "").strip() or None,
    )


Filters = NamedDependency[AuditFilters]


class AuditController(Controller):
    """The active tenant's audit log (commission admins only)."""

    path = "/api/audit"
    guards = [requires_role(Role.COMMISSION_ADMIN)]  # noqa: RUF012
    dependencies = {"filters": Provide(provide_filters)}  # noqa: RUF012
    tags = ["操作日志 audit"]  # noqa: RUF012

    @get("/events", summary="Search audit records (newest first)")
    async def list_events(
        self, filters: Filters, page: PageNumber = 1, page_size: PageSize = 50
    ) -> AuditEventPage:
        return await search_events(filters, page=page, page_size=page_size)

    @get("/events/export", summary="Export matching audit records as .xlsx", media_type=XLSX)
    async def export(self, filters: Filters) -> Response[bytes]:
        content = await export_events(filters)
        stamp = datetime.now(CHINA).strftime("%Y%m%d-%H%M%S")
        name = f"audit-{current_tenant().slug}-{stamp}.xlsx"
        return Response(
            content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @get("/verify", summary="Check the tenant's hash chain")
    async def verify(self) -> ChainReport:
        return await verify_chain(current_tenant().id)

    @get("/objects/{object_type:str}/{object_id:str}", summary="The change log of one object")
    async def history(
        self,
        object_type: FromPath[str],
        object_id: FromPath[str],
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> AuditEventPage:
        return await object_history(object_type, object_id, page=page, page_size=page_size)


def audit_api_routes() -> list[type[Controller]]:
    """The audit log's API controllers."""
    return [AuditController]
