"""JSON API of the credit standards: ``/api/standards`` (the year's table) and ``…/{code}/compute``."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, Parameter

from cme_platform import clock
from cme_platform.identity.guards import requires_login
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.standards import catalogue
from cme_platform.standards.catalogue import ComputeIn, ComputeOut, StandardOut
from cme_platform.tenancy.scope import current_tenant

Year = Annotated[int | None, Parameter(ge=2000, le=2100, description="学分年度，默认今年")]


class StandardTable(msgspec.Struct, frozen=True, kw_only=True):
    """A year's standards in the province's order."""

    year: int
    items: list[StandardOut]


def year_standards(request: Request[Any, Any, Any], year: int | None) -> tuple[int, list[Any]]:
    """The requested year (default: this year) and the tenant's standards for it."""
    chosen = year or clock.today().year
    return chosen, tenant_hooks(request.app.state.plugin_manager, current_tenant()).cme_credit_standards(
        year=chosen
    )


class StandardController(Controller):
    """Credit standards (授分标准) of the tenant's province."""

    path = "/api/standards"
    guards = [requires_login]  # noqa: RUF012
    tags = ["授分标准 standards"]  # noqa: RUF012

    @get("/", summary="List the year's credit standards")
    async def list_standards(self, request: Request[Any, Any, Any], year: Year = None) -> StandardTable:
        chosen, standards = year_standards(request, year)
        return StandardTable(year=chosen, items=[catalogue.describe(s) for s in standards])

    @post(
        "/{code:str}/compute", summary="Compute the credits of an activity under a standard", status_code=200
    )
    async def compute(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[ComputeIn],
        year: Year = None,
    ) -> ComputeOut:
        _, standards = year_standards(request, year)
        return catalogue.calculate(catalogue.find(standards, code), data)


def standard_api_routes() -> list[Any]:
    """The route handlers of the standards API."""
    return [StandardController]
