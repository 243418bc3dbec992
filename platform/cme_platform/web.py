"""What every server-rendered page needs: the tenant, the signed-in account, the menu and URL helpers."""

from __future__ import annotations

from typing import Any

import pluggy
from litestar.connection import ASGIConnection

from cme_platform.identity.csrf import LazyCsrfToken
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import ORG_ADMIN_ROLES, REGION_READERS, Role
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.plugins.types import MenuEntry
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.middleware import tenant_relative_path
from cme_platform.tenancy.scope import active_tenant_or_none

CORE_MENU: tuple[MenuEntry, ...] = (
    MenuEntry(label="首页", path="/", section="工作台", order=0, public=True),
    MenuEntry(label="我的文件", path="/files", section="工作台", order=50),
    MenuEntry(label="区域", path="/orgs/regions", section="组织机构", roles=REGION_READERS, order=10),
    MenuEntry(
        label="单位", path="/orgs/institutions", section="组织机构", roles=tuple(ORG_ADMIN_ROLES), order=20
    ),
    MenuEntry(
        label="科室", path="/orgs/departments", section="组织机构", roles=tuple(ORG_ADMIN_ROLES), order=30
    ),
    MenuEntry(
        label="人员信息", path="/personnel", section="人员管理", roles=tuple(ORG_ADMIN_ROLES), order=100
    ),
    MenuEntry(
        label="人员导入",
        path="/personnel/imports",
        section="人员管理",
        roles=tuple(ORG_ADMIN_ROLES),
        order=110,
    ),
    MenuEntry(label="授分标准", path="/standards", section="学分管理", order=200),
    MenuEntry(
        label="学分录入（向导）",
        path="/credits/new/guided",
        section="学分管理",
        roles=(Role.LEARNER, *sorted(ORG_ADMIN_ROLES)),
        order=210,
    ),
    MenuEntry(
        label="学分录入（非向导）",
        path="/credits/new/free",
        section="学分管理",
        roles=(Role.LEARNER, *sorted(ORG_ADMIN_ROLES)),
        order=215,
    ),
    MenuEntry(label="录入学分查询管理", path="/credits", section="学分管理", order=220),
    MenuEntry(
        label="审核学员录入学分",
        path="/approvals",
        section="学分管理",
        roles=tuple(ORG_ADMIN_ROLES),
        order=230,
    ),
    MenuEntry(
        label="录入权限",
        path="/credits/grants",
        section="学分管理",
        roles=(Role.COMMISSION_ADMIN, Role.REGION_ADMIN, Role.INSTITUTION_ADMIN),
        order=240,
    ),
    MenuEntry(label="达标标准浏览", path="/compliance/standards", section="学分管理", order=290),
    MenuEntry(
        label="达标情况查询", path="/my/compliance", section="统计查询", roles=(Role.LEARNER,), order=310
    ),
    MenuEntry(
        label="人员达标情况查询",
        path="/compliance",
        section="统计查询",
        roles=tuple(ORG_ADMIN_ROLES),
        order=320,
    ),
    MenuEntry(
        label="学分完成情况统计",
        path="/compliance/statistics",
        section="统计查询",
        roles=tuple(ORG_ADMIN_ROLES),
        order=330,
    ),
    MenuEntry(
        label="达标重算",
        path="/compliance/runs",
        section="统计查询",
        roles=(Role.COMMISSION_ADMIN,),
        order=340,
    ),
    MenuEntry(
        label="账户管理", path="/accounts", section="系统管理", roles=tuple(ORG_ADMIN_ROLES), order=800
    ),
    MenuEntry(label="操作日志", path="/audit", section="系统管理", roles=(Role.COMMISSION_ADMIN,), order=850),
    MenuEntry(
        label="本省参数",
        path="/province/settings",
        section="省级模块",
        roles=(Role.COMMISSION_ADMIN,),
        order=900,
    ),
    MenuEntry(label="个人资料", path="/profile", section="个人中心", roles=(Role.LEARNER,), order=980),
    MenuEntry(label="我的账户", path="/account", section="个人中心", order=990),
    MenuEntry(
        label="API 令牌",
        path="/account/tokens",
        section="个人中心",
        roles=tuple(r for r in Role if r is not Role.LEARNER),
        order=995,
    ),
)


def tenant_url(connection: ASGIConnection[Any, Any, Any, Any], path: str) -> str:
    """An absolute path inside the request's tenant (adds ``/t/<slug>`` when the tenant came by path)."""
    root = connection.scope.get("root_path", "") or ""
    return f"{root}{path if path.startswith('/') else '/' + path}"


def menu_for(
    pm: pluggy.PluginManager, tenant: TenantContext, principal: Principal | None
) -> list[tuple[str, list[MenuEntry]]]:
    """The navigation for ``principal`` in ``tenant``: core entries plus the tenant's plugin entries.

    Visitors see the public entries; a signed-in account sees entries without roles and those whose
    roles it holds. Returned grouped by section, sections in order of their first entry.
    """
    entries: list[MenuEntry] = list(CORE_MENU)
    for contributed in tenant_hooks(pm, tenant.plugin).cme_menu_entries(tenant=tenant):
        entries.extend(contributed)
    if principal is None:
        visible = [e for e in entries if e.public]
    else:
        visible = [e for e in entries if not e.roles or principal.roles.intersection(e.roles)]
    sections: dict[str, list[MenuEntry]] = {}
    for entry in sorted(visible, key=lambda e: e.order):
        sections.setdefault(entry.section, []).append(entry)
    return list(sections.items())


def page_context(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    """Template context for the shell: ``tenant``, ``principal``, ``menu``, ``url()`` and ``csrf_token``.

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
    }
