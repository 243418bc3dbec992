"""The core's menu, contributed by the default plugin and cut to what the tenant's province allows.

An entry is shown only where its page has something to do for its roles in this tenant: learners see the
entry forms only where they enter their own credits, the guided form only where the province has a
standard table this year, 按标准授分 only where the province grants standards to many people at once,
录入权限 only where learners need their institution's grant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cme_platform.approvals.kinds import PROJECT_HOSTING
from cme_platform.identity.roles import GRANTORS, ORG_ADMIN_ROLES, REGION_READERS, Role
from cme_platform.plugins.types import MenuEntry
from cme_platform.projects.access import named_roles

if TYPE_CHECKING:
    import pluggy

    from cme_platform.certificates.policy import CertificatePolicy
    from cme_platform.credits.policy import EntryPolicy
    from cme_platform.projects.policy import ProjectPolicy
    from cme_platform.tenancy.context import TenantContext

ADMINS: tuple[Role, ...] = tuple(sorted(ORG_ADMIN_ROLES))

FIXED_MENU: tuple[MenuEntry, ...] = (
    MenuEntry(label="首页", path="/", section="工作台", order=0, public=True),
    MenuEntry(label="待我审核", path="/approvals", section="工作台", roles=ADMINS, order=20),
    MenuEntry(label="站内消息", path="/notifications", section="工作台", order=30),
    MenuEntry(label="我的文件", path="/files", section="工作台", order=50),
    MenuEntry(
        label="导出文件", path="/documents", section="工作台", roles=(*ADMINS, Role.PROJECT_OWNER), order=55
    ),
    MenuEntry(label="区域", path="/orgs/regions", section="组织机构", roles=REGION_READERS, order=10),
    MenuEntry(label="单位", path="/orgs/institutions", section="组织机构", roles=ADMINS, order=20),
    MenuEntry(label="科室", path="/orgs/departments", section="组织机构", roles=ADMINS, order=30),
    MenuEntry(label="人员信息", path="/personnel", section="人员管理", roles=ADMINS, order=100),
    MenuEntry(label="人员导入", path="/personnel/imports", section="人员管理", roles=ADMINS, order=110),
    MenuEntry(label="录入学分查询管理", path="/credits", section="学分管理", order=220),
    MenuEntry(label="达标标准浏览", path="/compliance/standards", section="学分管理", order=290),
    MenuEntry(
        label="达标情况查询", path="/my/compliance", section="统计查询", roles=(Role.LEARNER,), order=310
    ),
    MenuEntry(
        label="打印学分登记表",
        path="/my/compliance/forms?form=register",
        section="统计查询",
        roles=(Role.LEARNER,),
        order=312,
    ),
    MenuEntry(
        label="多年度学分验证表",
        path="/my/compliance/forms?form=years",
        section="统计查询",
        roles=(Role.LEARNER,),
        order=314,
    ),
    MenuEntry(label="人员达标情况查询", path="/compliance", section="统计查询", roles=ADMINS, order=320),
    MenuEntry(
        label="学分完成情况统计", path="/compliance/statistics", section="统计查询", roles=ADMINS, order=330
    ),
    MenuEntry(
        label="多年度学分验证表",
        path="/compliance/forms?form=years",
        section="统计查询",
        roles=ADMINS,
        order=334,
    ),
    MenuEntry(
        label="学分登记表",
        path="/compliance/forms?form=register",
        section="统计查询",
        roles=ADMINS,
        order=336,
    ),
    MenuEntry(
        label="达标重算",
        path="/compliance/runs",
        section="统计查询",
        roles=(Role.COMMISSION_ADMIN,),
        order=340,
    ),
    MenuEntry(label="项目查询", path="/projects", section="项目管理", order=500, public=True),
    MenuEntry(label="本单位项目", path="/projects/manage", section="项目管理", roles=ADMINS, order=520),
    MenuEntry(
        label="现场签到",
        path="/attendance/sessions",
        section="项目管理",
        roles=(Role.PROJECT_OWNER, Role.DEPARTMENT_ADMIN, Role.ONSITE_MANAGER),
        order=512,
    ),
    MenuEntry(
        label="考勤记录", path="/attendance/mine", section="学分管理", roles=(Role.LEARNER,), order=225
    ),
    MenuEntry(
        label="外省学分认可", path="/recognitions", section="学分管理", roles=(Role.LEARNER,), order=228
    ),
    MenuEntry(
        label="电子学分证书", path="/certificates", section="学分管理", roles=(Role.LEARNER,), order=226
    ),
    MenuEntry(
        label="证书管理",
        path="/certificates/manage",
        section="学分管理",
        roles=(Role.COMMISSION_ADMIN,),
        order=345,
    ),
    MenuEntry(
        label="举办申请审核",
        path=f"/approvals?kind={PROJECT_HOSTING}",
        section="项目管理",
        roles=(Role.INSTITUTION_ADMIN, Role.COMMISSION_ADMIN),
        order=530,
    ),
    MenuEntry(label="账户管理", path="/accounts", section="系统管理", roles=ADMINS, order=800),
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
"""Entries every tenant shows (to the roles named)."""


def credit_entries(policy: EntryPolicy, has_standards: bool) -> list[MenuEntry]:
    """The credit entry forms, 录入权限 and 授分标准, as the province's entry policy and table allow."""
    entrants = (Role.LEARNER, *ADMINS) if policy.learner_entry != "never" else ADMINS
    entries: list[MenuEntry] = []
    if has_standards:
        entries.append(MenuEntry(label="授分标准", path="/standards", section="学分管理", order=200))
    if policy.guided and has_standards:
        entries.append(
            MenuEntry(
                label="学分录入（向导）",
                path="/credits/new/guided",
                section="学分管理",
                roles=entrants,
                order=210,
            )
        )
    if policy.free:
        entries.append(
            MenuEntry(
                label="学分录入（非向导）",
                path="/credits/new/free",
                section="学分管理",
                roles=entrants,
                order=215,
            )
        )
    if policy.standard_grants and has_standards:
        entries.append(
            MenuEntry(
                label="按标准授分",
                path="/credits/standard-grants",
                section="学分管理",
                roles=GRANTORS,
                order=218,
            )
        )
    if policy.learner_entry == "granted":
        entries.append(
            MenuEntry(label="录入权限", path="/credits/grants", section="学分管理", roles=GRANTORS, order=240)
        )
    return entries


def project_entries(policy: ProjectPolicy) -> list[MenuEntry]:
    """我的项目 for project owners and the province's declarers, 新项目申报 and 项目评审 (for experts)
    where projects are declared, 代办项目管理 for departments where institutions delegate projects, and
    one entry per import list for the administrators who import them."""
    declarers = named_roles(policy.declarers)
    owners = tuple(dict.fromkeys((Role.PROJECT_OWNER, *declarers)))
    entries = [
        MenuEntry(label="我的项目", path="/projects/mine", section="项目管理", roles=owners, order=510)
    ]
    if policy.delegation:
        entries.append(
            MenuEntry(
                label="代办项目管理",
                path="/projects/delegated",
                section="项目管理",
                roles=(Role.DEPARTMENT_ADMIN,),
                order=515,
            )
        )
    entries.extend(
        MenuEntry(
            label=listed.label,
            path=f"/projects/imports/{listed.code}",
            section="项目管理",
            roles=named_roles(listed.importers),
            order=540 + index,
        )
        for index, listed in enumerate(policy.import_lists)
    )
    if policy.declared_levels:
        entries.append(
            MenuEntry(
                label="项目评审",
                path="/projects/reviews",
                section="项目管理",
                roles=(Role.AUDIT_EXPERT,),
                order=550,
            )
        )
    if policy.declared_levels and declarers:
        entries.append(
            MenuEntry(
                label="新项目申报", path="/projects/declare", section="项目管理", roles=declarers, order=505
            )
        )
    return entries


def core_menu(pm: pluggy.PluginManager, tenant: TenantContext, year: int) -> list[MenuEntry]:
    """The core's entries for ``tenant`` in ``year``: the fixed ones and those its policy allows."""
    from cme_platform.plugins.manager import tenant_hooks

    hooks = tenant_hooks(pm, tenant.plugin)
    policy: EntryPolicy = hooks.cme_credit_entry_policy(tenant=tenant)
    has_standards = bool(hooks.cme_credit_standards(tenant=tenant, year=year))
    projects: ProjectPolicy = hooks.cme_project_policy(tenant=tenant)
    certificates: CertificatePolicy = hooks.cme_certificate_policy(tenant=tenant)
    return [
        *FIXED_MENU,
        *credit_entries(policy, has_standards),
        *project_entries(projects),
        *certificate_entries(certificates),
    ]


def certificate_entries(policy: CertificatePolicy) -> list[MenuEntry]:
    """学员证书查询 and 外省人员证书查询 for everybody, where the province offers them."""
    entries = []
    if policy.public_lookup:
        entries.append(
            MenuEntry(
                label="学员证书查询", path="/certificates/lookup", section="学分管理", order=228, public=True
            )
        )
    if policy.external_access:
        entries.append(
            MenuEntry(
                label="外省人员证书查询",
                path="/certificates/external",
                section="学分管理",
                order=229,
                public=True,
            )
        )
    return entries
