"""The audit log page: search the tenant's records, expand their changes, export, see the chain status."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from cme_platform.api.params import PageNumber
from cme_platform.audit.actions import tenant_audit_labels
from cme_platform.audit.api import Filters, provide_filters
from cme_platform.audit.query import search_events
from cme_platform.audit.verify import verify_chain
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, get
from litestar.di import Provide
from litestar.response import Template

from cme_admin_ui.shell import page_context

PAGE_SIZE = 20
ACTION_PREFIXES = {
    "auth.": "登录与安全（全部）",
    "identity.": "账号与权限（全部）",
    "orgs.": "组织机构（全部）",
}


@get(
    "/audit",
    name="audit_list",
    include_in_schema=False,
    guards=[requires_role(Role.COMMISSION_ADMIN)],
    dependencies={"filters": Provide(provide_filters)},
)
async def audit_page(request: Request[Any, Any, Any], filters: Filters, page: PageNumber = 1) -> Template:
    """The filter form, a page of records (newest first), the export link and the chain status."""
    await principal_of(request)
    result = await search_events(filters, page=page, page_size=PAGE_SIZE)
    labels = tenant_audit_labels(request.app.state.plugin_manager, current_tenant().plugin)
    query = {f: str(v) for f in filters.__struct_fields__ if (v := getattr(filters, f)) is not None}
    return Template(
        template_name="audit/list.html",
        context={
            **page_context(request),
            "result": result,
            "query": query,
            "qs": urlencode(query),
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "chain": await verify_chain(current_tenant().id),
            "actions": [*ACTION_PREFIXES.items(), *labels.actions.items()],
            "object_types": sorted(labels.objects.items(), key=lambda item: item[1]),
        },
    )


routes = [audit_page]
