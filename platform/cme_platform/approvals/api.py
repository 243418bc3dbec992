"""The approvals API: one inbox of every kind of subject, a request with its history, decisions."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import JSONBody, QueryParameter

from cme_platform.api.params import Id, PageNumber, PageSize
from cme_platform.api.state import plugin_manager
from cme_platform.approvals import inbox as service
from cme_platform.approvals import schemas as s
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_login, requires_role
from cme_platform.identity.roles import ORG_ADMIN_ROLES

APPROVALS_TAG = "审核 approvals"

DECIDERS = [requires_role(*ORG_ADMIN_ROLES)]
Kind = Annotated[
    str | None,
    QueryParameter(
        max_length=64,
        description="Only this subject type (``credit``, a plugin module's own); the inbox lists the kinds.",
    ),
]


class ApprovalController(Controller):
    """The approver's inbox and his decisions (审核), whatever the subject."""

    path = "/api/approvals"
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = [APPROVALS_TAG]  # noqa: RUF012

    @get(
        "/inbox",
        guards=DECIDERS,
        summary="What waits for the caller's decision, oldest first, with the count of every kind",
    )
    async def inbox(
        self, principal: Caller, kind: Kind = None, page: PageNumber = 1, page_size: PageSize = 20
    ) -> s.InboxPage:
        return await service.inbox(principal, kind or None, page, page_size)

    @get(
        "/{request_id:int}",
        guards=[requires_login],
        summary="One request with its subject's summary and history (its approvers, its submitter)",
    )
    async def read(self, principal: Caller, request_id: Id) -> s.RequestOut:
        return await service.get_request(principal, request_id)

    @post(
        "/{request_id:int}/decision",
        guards=DECIDERS,
        status_code=200,
        summary="Approve, reject or return one waiting item",
    )
    async def decision(
        self, request: Request[Any, Any, Any], principal: Caller, request_id: Id, data: JSONBody[s.DecisionIn]
    ) -> s.RequestOut:
        return await service.decide(plugin_manager(request), principal, request_id, data)

    @post(
        "/batch",
        guards=DECIDERS,
        status_code=200,
        summary="The same decision on several waiting items (批量审核)",
    )
    async def batch(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[s.BatchDecisionIn]
    ) -> s.BatchDone:
        return await service.decide_many(plugin_manager(request), principal, data)


def approval_api_routes() -> list[type[Controller]]:
    """The approvals domain's controllers."""
    return [ApprovalController]
