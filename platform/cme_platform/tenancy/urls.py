"""Paths inside the request's tenant, for redirects and links (core and UI alike)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection


def tenant_url(connection: ASGIConnection[Any, Any, Any, Any], path: str) -> str:
    """An absolute path inside the request's tenant (adds ``/t/<slug>`` when the tenant came by path)."""
    root = connection.scope.get("root_path", "") or ""
    return f"{root}{path if path.startswith('/') else '/' + path}"


def site_url(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The tenant's absolute address as the request reached it (what a printed code opens)."""
    return f"{connection.url.scheme}://{connection.url.netloc}{tenant_url(connection, '/').rstrip('/')}"
