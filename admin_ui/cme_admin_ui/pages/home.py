"""The start pages: the platform's tenant list (no tenant) and each tenant's home page.

A tenant's home page shows a signed-in account first what waits for it (``cme_todos``: items to review,
records sent back, drafts, the year's progress), then its roles and one card for each menu entry it may
open, grouped by section; a visitor sees the public entries and a sign-in prompt.
"""

from __future__ import annotations

from typing import Any

from cme_platform.identity.accounts import account_roles
from cme_platform.identity.current import principal_of
from cme_platform.plugins.manager import plugin_info
from cme_platform.tenancy.scope import active_tenant_or_none
from cme_platform.todos.service import todos_for
from litestar import Request, get
from litestar.response import Template

from cme_admin_ui.shell import page_context
from cme_admin_ui.slots import fill_slot


@get("/", opt={"platform": True}, include_in_schema=False, name="home")
async def home(request: Request[Any, Any, Any]) -> Template:
    """A tenant's start page; without a tenant, the list of tenants this platform serves."""
    tenant = active_tenant_or_none()
    if tenant is None:
        tenants = await request.app.state.tenant_directory.all()
        settings = request.app.state.settings
        return Template(
            template_name="platform_home.html",
            context={
                **page_context(request),
                "tenants": tenants,
                "base_domain": settings.base_domain,
                "port": settings.port,
            },
        )
    principal = await principal_of(request)
    pm = request.app.state.plugin_manager
    context = page_context(request)
    cards = [(section, [e for e in entries if e.path != "/"]) for section, entries in context["menu"]]
    return Template(
        template_name="home.html",
        context={
            **context,
            "plugin": plugin_info(pm, tenant.plugin),
            "todos": await todos_for(pm, tenant, principal) if principal else [],
            "roles": await account_roles(principal.account_id) if principal else [],
            "cards": [(section, entries) for section, entries in cards if entries],
            "slots": await fill_slot(request, "home"),
        },
    )


@get("/healthz", opt={"platform": True}, include_in_schema=False, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """Liveness probe for containers and load balancers."""
    return {"status": "ok"}


routes = [home, healthz]
