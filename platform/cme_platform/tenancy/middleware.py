"""Tenant resolution for every request: by path prefix ``/t/<slug>/`` or by host name.

:func:`resolve_tenant` runs before Litestar's router (see ``CMEApp.__call__``); it sets the ASGI
``root_path`` to the tenant prefix, so handlers see tenant-relative paths, and activates the tenant
scope for the rest of the request. :class:`TenantRequiredMiddleware` answers 404 for every route that
needs a tenant when none was resolved; routes marked ``opt={"platform": True}`` work without one.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.exceptions import NotFoundException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.registry import TenantDirectory

PATH_PREFIX_RE = re.compile(r"^/t/(?P<slug>[^/]+)(?P<rest>/.*)?$")
UNKNOWN_TENANT_KEY = "cme_unknown_tenant"


async def resolve_tenant(scope: Scope, directory: TenantDirectory) -> TenantContext | None:
    """Find the request's tenant and prepare ``scope`` (``root_path``, state); ``None`` when there is none.

    A ``/t/<slug>`` prefix wins over the host. An unknown slug is remembered in the scope state so that
    the 404 page can name it.
    """
    state: dict[str, Any] = scope.setdefault("state", {})
    match = PATH_PREFIX_RE.match(scope["path"])
    if match:
        slug = match.group("slug")
        scope["root_path"] = scope.get("root_path", "") + f"/t/{slug}"
        tenant = await directory.by_slug(slug)
        if tenant is None:
            state[UNKNOWN_TENANT_KEY] = slug
        return tenant
    host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
    return await directory.by_host(host) if host else None


def tenant_relative_path(scope: Scope) -> str:
    """The request path inside its tenant: without the ``/t/<slug>`` prefix kept in ``root_path``."""
    root = scope.get("root_path", "") or ""
    path: str = scope["path"]
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return path


_API_PATH = re.compile(r"^(/p/[^/]+)?/api(/|$)")


def is_api_path(path: str) -> bool:
    """True for a tenant-relative path of the JSON API: the core's ``/api/…`` or a plugin's
    ``/p/<name>/api/…`` (answered in JSON, errors included)."""
    return bool(_API_PATH.match(path))


class TenantRequiredMiddleware(ASGIMiddleware):
    """Answer 404 for an unknown ``/t/<slug>``, and for tenant routes reached without a tenant."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        state = scope.get("state", {})
        unknown = state.get(UNKNOWN_TENANT_KEY)
        if unknown:
            raise NotFoundException(f"未找到租户“{unknown}”")
        if "cme_tenant" not in state and not scope["route_handler"].opt.get("platform"):
            raise NotFoundException("未找到租户：请通过租户地址访问")
        await next_app(scope, receive, send)
