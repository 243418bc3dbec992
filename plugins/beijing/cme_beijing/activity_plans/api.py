"""The activity plans' JSON API, mounted under ``/p/beijing/api/activity-plans`` for Beijing tenants only."""

from __future__ import annotations

from typing import Any

from cme_platform.api.params import Id, PageNumber, PageSize
from cme_platform.identity.dependencies import provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from cme_beijing.activity_plans import service

Caller = NamedDependency[Principal]
READERS = (Role.COMMISSION_ADMIN, Role.REGION_ADMIN, Role.INSTITUTION_ADMIN)


class ActivityPlanController(Controller):
    """教学活动计划: list, read, upload (with a file uploaded as ``beijing_activity_plan``), submit."""

    path = "/api/activity-plans"
    guards = [requires_role(*READERS)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["北京 教学活动计划 activity plans"]  # noqa: RUF012

    @get("/", summary="The plans of the institutions the caller reaches, newest first")
    async def list_plans(
        self, principal: Caller, page: PageNumber = 1, page_size: PageSize = 20
    ) -> service.PlanPage:
        return await service.list_plans(principal, page, page_size)

    @get("/{plan_id:int}", summary="One plan")
    async def read(self, principal: Caller, plan_id: Id) -> service.PlanOut:
        return await service.get_plan(principal, plan_id)

    @post("/", summary="Upload a plan of the caller's institution (submit=true sends it for review)")
    async def create(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[service.PlanIn]
    ) -> service.PlanOut:
        return await service.create_plan(request.app.state.plugin_manager, principal, data)

    @post("/{plan_id:int}/submit", status_code=200, summary="Send a draft or returned plan to the 主管部门")
    async def submit(
        self, request: Request[Any, Any, Any], principal: Caller, plan_id: Id
    ) -> service.PlanOut:
        return await service.submit_plan(request.app.state.plugin_manager, principal, plan_id)
