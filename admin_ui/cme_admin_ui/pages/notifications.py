"""站内消息: the signed-in account's messages, newest first; opening one marks it read and goes where it
points; 全部标为已读 clears the header's count."""

from __future__ import annotations

from typing import Any

from cme_platform.api.params import Id, PageNumber
from cme_platform.identity.guards import requires_login
from cme_platform.notifications import service
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.shell import flash, page_context

PAGE_SIZE = 20


@get("/notifications", guards=[requires_login], include_in_schema=False, name="notifications")
async def notifications_page(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """My messages, unread ones marked, with links to what they are about."""
    principal = await current_principal(request)
    result = await service.list_for(principal.account_id, page=page, page_size=PAGE_SIZE)
    return Template(
        template_name="notifications/list.html",
        context={**page_context(request), "result": result, "pages": max(1, -(-result.total // PAGE_SIZE))},
    )


@get("/notifications/{notification_id:int}", guards=[requires_login], include_in_schema=False)
async def open_notification(request: Request[Any, Any, Any], notification_id: Id) -> Redirect:
    """Mark the message read and go where it points (back to the list when it points nowhere)."""
    principal = await current_principal(request)
    message = await service.open_message(principal.account_id, notification_id)
    return back(request, message.path or "/notifications")


@post("/notifications/read-all", guards=[requires_login], include_in_schema=False, status_code=303)
async def read_all(request: Request[Any, Any, Any]) -> Redirect:
    """Mark every message read."""
    principal = await current_principal(request)
    done = await service.mark_read(principal.account_id)
    flash(request, f"已将 {done.marked} 条消息标为已读" if done.marked else "没有未读消息")
    return back(request, "/notifications")


routes = [notifications_page, open_notification, read_all]
