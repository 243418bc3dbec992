"""Route guards: sign-in and role checks that run before every protected handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from cme_platform.identity.current import principal_of
from cme_platform.identity.roles import Role

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


async def requires_login(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Reject a request without a signed-in account of the active tenant (401)."""
    if await principal_of(connection) is None:
        raise NotAuthorizedException("请先登录")


def requires_role(*roles: Role) -> Guard:
    """A guard that admits accounts holding at least one of ``roles`` (401 anonymous, 403 otherwise)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = await principal_of(connection)
        if principal is None:
            raise NotAuthorizedException("请先登录")
        if not principal.has_any(*roles):
            raise PermissionDeniedException("没有权限执行此操作")

    return guard
