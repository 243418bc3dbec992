"""The web shell: what every server-rendered page needs (the tenant, the signed-in account, the menu and
the ``url()`` helper), for the core's pages and the plugins' alike."""

from __future__ import annotations

from typing import Any

import pluggy
from cme_platform.identity.csrf import LazyCsrfToken
from cme_platform.identity.current import principal_of
from cme_platform.identity.principal import Principal
from cme_platform.identity.tokens import is_api_request
from cme_platform.notifications.service import unread_count
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.plugins.types import MenuEntry
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.middleware import tenant_relative_path
from cme_platform.tenancy.scope import active_tenant_or_none
from cme_platform.tenancy.urls import tenant_url
from litestar import Request
from litestar.connection import ASGIConnection


def menu_for(
    pm: pluggy.PluginManager, tenant: TenantContext, principal: Principal | None
) -> list[tuple[str, list[MenuEntry]]]:
    """The navigation for ``principal`` in ``tenant``: the core's entries (from its default plugin, cut to
    the province's policy) and the province plugin's.

    Visitors see the public entries; a signed-in account sees entries without roles and those whose
    roles it holds. Returned grouped by section, sections in order of their first entry.
    """
    entries = [e for contributed in tenant_hooks(pm, tenant).cme_menu_entries() for e in contributed]
    if principal is None:
        visible = [e for e in entries if e.public]
    else:
        visible = [e for e in entries if not e.roles or principal.roles.intersection(e.roles)]
    sections: dict[str, list[MenuEntry]] = {}
    for entry in sorted(visible, key=lambda e: e.order):
        sections.setdefault(entry.section, []).append(entry)
    return list(sections.items())


UNREAD_KEY = "cme_unread"
"""The request state key of the signed-in account's unread message count (:func:`shell_state`)."""

FLASH_KEY = "flash"
"""The session key of the message the next page shows once (:func:`flash`)."""


def flash(connection: ASGIConnection[Any, Any, Any, Any], message: str) -> None:
    """Show ``message`` (what an action did) once, on the next page the browser opens after a redirect."""
    session = connection.scope.get("session")
    if isinstance(session, dict):
        session[FLASH_KEY] = message


def _take_flash(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    session = connection.scope.get("session")
    return str(session.pop(FLASH_KEY, "")) if isinstance(session, dict) else ""


def page_context(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    """Template context for the shell: ``tenant``, ``principal``, ``menu``, ``url()``, ``csrf_token`` and
    ``flash`` (the message of the action that led here, shown once by the layout).

    Uses the principal already loaded for this request (see ``principal_of``); never queries.
    """
    tenant = active_tenant_or_none()
    principal = connection.scope.get("state", {}).get("cme_principal")
    return {
        "tenant": tenant,
        "principal": principal,
        "menu": menu_for(connection.app.state.plugin_manager, tenant, principal) if tenant else [],
        "url": lambda path: tenant_url(connection, path),
        "csrf_token": LazyCsrfToken(connection),
        "current_path": tenant_relative_path(connection.scope),
        "flash": _take_flash(connection),
        "unread": connection.scope.get("state", {}).get(UNREAD_KEY),
    }


async def shell_state(request: Request[Any, Any, Any]) -> None:
    """Before a page of a tenant: load the signed-in account and count his unread 站内消息 for the header
    (``page_context`` never queries). Only a tenant's pages shown with a GET; API requests and static
    files skip it."""
    if request.method != "GET" or active_tenant_or_none() is None or is_api_request(request):
        return
    if request.scope["path"].startswith("/static/"):
        return
    principal = await principal_of(request)
    if principal is not None:
        request.scope.setdefault("state", {})[UNREAD_KEY] = await unread_count(principal.account_id)
