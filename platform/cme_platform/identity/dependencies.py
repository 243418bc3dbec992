"""Litestar dependencies that hand handlers the signed-in principal."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException

from cme_platform.identity.current import principal_of
from cme_platform.identity.principal import Principal


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in principal (401 when anonymous; routes also carry a guard)."""
    principal = await principal_of(request)
    if principal is None:
        raise NotAuthorizedException("请先登录")
    return principal


Caller = NamedDependency[Principal]
"""A handler parameter filled by :func:`provide_principal` (``principal: Caller``)."""
