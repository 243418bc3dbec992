"""The commission's view of the province settings in force for its tenant (本省参数)."""

from __future__ import annotations

from typing import Any

from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.plugins.manager import plugin_info, tenant_hooks
from cme_platform.plugins.settings_view import setting_rows
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, get
from litestar.response import Template

from cme_admin_ui.shell import page_context


@get("/province/settings", guards=[requires_role(Role.COMMISSION_ADMIN)], include_in_schema=False)
async def province_settings(request: Request[Any, Any, Any]) -> Template:
    """Every setting of the tenant's province plugin with its description, value and default."""
    pm = request.app.state.plugin_manager
    tenant = current_tenant()
    schema = tenant_hooks(pm, tenant.plugin).cme_settings_schema()
    return Template(
        template_name="province_settings.html",
        context={
            **page_context(request),
            "plugin": plugin_info(pm, tenant.plugin),
            "rows": setting_rows(schema, tenant.settings) if schema is not None else [],
        },
    )


routes = [province_settings]
