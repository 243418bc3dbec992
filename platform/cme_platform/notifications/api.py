"""站内消息 over HTTP: the caller's messages, newest first; mark one or all read."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.params import QueryParameter

from cme_platform.api.params import Id, PageNumber, PageSize
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_login
from cme_platform.notifications import service
from cme_platform.notifications.service import NotificationOut, NotificationPage, ReadOut

UnreadOnly = Annotated[bool, QueryParameter(description="true: only unread messages")]


class NotificationController(Controller):
    """The signed-in account's own messages (nobody reads another's)."""

    path = "/api/notifications"
    guards = [requires_login]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["消息 notifications"]  # noqa: RUF012

    @get("/", summary="My messages, newest first, with the unread count")
    async def list_mine(
        self, principal: Caller, page: PageNumber = 1, page_size: PageSize = 20, unread: UnreadOnly = False
    ) -> NotificationPage:
        return await service.list_for(
            principal.account_id, page=page, page_size=page_size, unread_only=unread
        )

    @get("/{notification_id:int}", summary="Open one of my messages (marks it read)")
    async def open_one(self, principal: Caller, notification_id: Id) -> NotificationOut:
        return await service.open_message(principal.account_id, notification_id)

    @post("/{notification_id:int}/read", summary="Mark one of my messages read", status_code=200)
    async def read_one(self, principal: Caller, notification_id: Id) -> ReadOut:
        return await service.mark_read(principal.account_id, notification_id)

    @post("/read-all", summary="Mark all my messages read", status_code=200)
    async def read_all(self, principal: Caller) -> ReadOut:
        return await service.mark_read(principal.account_id)


def notification_api_routes() -> list[Any]:
    """The notifications domain's controller."""
    return [NotificationController]
