"""``GET /api/todos``: what waits for the caller, as the home page lists it."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import Provide

from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_login
from cme_platform.plugins.types import Todo
from cme_platform.tenancy.scope import current_tenant
from cme_platform.todos.service import todos_for


@get(
    "/api/todos",
    guards=[requires_login],
    dependencies={"principal": Provide(provide_principal)},
    tags=["待办 todos"],
    summary="What waits for the caller: items to review, records sent back, drafts, the year's progress",
)
async def list_todos(request: Request[Any, Any, Any], principal: Caller) -> list[Todo]:
    """The caller's to-dos from every module (``cme_todos``), in order; ``path`` is inside the tenant."""
    return await todos_for(request.app.state.plugin_manager, current_tenant(), principal)


def todo_api_routes() -> list[Any]:
    """The to-do domain's routes."""
    return [list_todos]
