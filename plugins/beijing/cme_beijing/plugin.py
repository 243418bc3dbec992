"""Beijing's hook implementations (entry point ``beijing`` in the ``cme.plugins`` group).

Beijing counts creditable activity in seven forms, supervises CME projects on site and audits a random
sample of learners' credits each year (seed 000). Institution levels are those of its audit standards.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from cme_platform.approvals.chains import ApprovalSubject, Chain
from cme_platform.attendance.policy import AttendancePolicy
from cme_platform.audit.actions import AuditLabels
from cme_platform.certificates.policy import CertificatePolicy
from cme_platform.compliance.standards import ComplianceStandard
from cme_platform.credits.policy import CreditCategory, EntryPolicy, GrantBases
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.plugins import hookimpl
from cme_platform.plugins.types import (
    DemoInstitution,
    DemoOrganisation,
    DemoRegion,
    MenuEntry,
    PageSlot,
    PluginInfo,
)
from cme_platform.projects.policy import ProjectPolicy
from cme_platform.standards.rules import Standard

from cme_beijing import INSTITUTION_LEVELS, PLUGIN_NAME, TEMPLATE_DIR, __version__
from cme_beijing.activity_plans import SUBJECT_TYPE as ACTIVITY_PLAN
from cme_beijing.activity_plans import TEMPLATE_DIR as ACTIVITY_PLAN_TEMPLATES
from cme_beijing.activity_plans import pages as activity_plan_pages
from cme_beijing.activity_plans.api import ActivityPlanController
from cme_beijing.activity_plans.chains import activity_plan_chain
from cme_beijing.activity_plans.service import AUDIT_LABELS as ACTIVITY_PLAN_AUDIT_LABELS
from cme_beijing.activity_plans.service import filed_plans, home_slot
from cme_beijing.compliance import compliance_standards
from cme_beijing.credits import credit_categories
from cme_beijing.demo import load_demo_grant, load_demo_plans
from cme_beijing.pages import ACTIVITY_FORMS, routes
from cme_beijing.projects import ATTENDANCE_POLICY, CERTIFICATE_POLICY, PROJECT_POLICY
from cme_beijing.settings import BeijingSettings, tenant_settings
from cme_beijing.standards import GRANTED_BY_INSTITUTIONS, PRACTICE, STANDARDS

_PREFIX = f"/p/{PLUGIN_NAME}"


@hookimpl
def cme_plugin_info() -> PluginInfo:
    """Beijing's metadata."""
    return PluginInfo(
        name=PLUGIN_NAME,
        title="北京市继续医学教育管理",
        province="北京市",
        version=__version__,
        code="bj",
        description=(
            "北京市规则：七类可授学分的继续医学教育活动与授分标准、继教项目督查（报备、半天一次反馈、"
            "评分与公布）、年度学分审验（审验标准、随机抽取、专家审核）。"
        ),
    )


@hookimpl
def cme_settings_schema() -> type[BeijingSettings]:
    """Beijing tenants are configured with :class:`~cme_beijing.settings.BeijingSettings`."""
    return BeijingSettings


@hookimpl
def cme_routes() -> list[Any]:
    """The policy page and the activity plans' pages and API (mounted under ``/p/beijing/``)."""
    return [*routes, *activity_plan_pages.routes, ActivityPlanController]


@hookimpl
def cme_piccolo_apps() -> list[str]:
    """The activity plans' table."""
    return ["cme_beijing.activity_plans.piccolo_app"]


@hookimpl
def cme_audit_labels() -> AuditLabels:
    """The activity plans' audit actions."""
    return ACTIVITY_PLAN_AUDIT_LABELS


@hookimpl
def cme_template_dirs() -> list[Path]:
    """The folders holding ``beijing/*.html`` and ``beijing/activity_plans/*.html``."""
    return [TEMPLATE_DIR, ACTIVITY_PLAN_TEMPLATES]


@hookimpl
def cme_menu_entries(tenant: Any) -> list[MenuEntry]:
    """The public credit policy page, and the activity plans (实践活动): upload for institutions, review
    (the approvals inbox, filtered to plans) for the 主管部门."""
    return [
        MenuEntry(
            label="学分政策与授分标准", path=f"{_PREFIX}/policy", section="公共服务", order=50, public=True
        ),
        MenuEntry(
            label="教学活动计划上传",
            path=f"{_PREFIX}/activity-plans",
            section="实践活动",
            roles=(Role.INSTITUTION_ADMIN,),
            order=400,
        ),
        MenuEntry(
            label="教学活动计划审核",
            path=f"/approvals?kind={ACTIVITY_PLAN}",
            section="实践活动",
            roles=(Role.COMMISSION_ADMIN, Role.REGION_ADMIN),
            order=410,
        ),
        MenuEntry(
            label="教学活动计划查询",
            path=f"{_PREFIX}/activity-plans",
            section="实践活动",
            roles=(Role.COMMISSION_ADMIN, Role.REGION_ADMIN),
            order=420,
        ),
    ]


@hookimpl
def cme_institution_levels(tenant: Any) -> list[str]:
    """单位级别 of Beijing's audit standards: 三级医院, 驻区医院, 区直属医院, 统管医院."""
    return list(INSTITUTION_LEVELS)


def _inst(
    code: str, name: str, level: str, staff: int, departments: tuple[str, ...], category: str = "综合"
) -> DemoInstitution:
    return DemoInstitution(
        code=code, name=name, level=level, category=category, staff_count=staff, departments=departments
    )


DEMO_ORGANISATION = DemoOrganisation(
    regions=(
        DemoRegion(
            code="110105",
            name="朝阳区",
            institutions=(
                _inst(
                    "BJ-CY-001",
                    "朝阳区示范医院",
                    "三级医院",
                    1850,
                    ("内科", "外科", "护理部", "检验科", "医学影像科"),
                ),
                _inst(
                    "BJ-CY-002",
                    "朝阳区中医示范医院",
                    "区直属医院",
                    620,
                    ("中医内科", "针灸科", "护理部"),
                    "中医",
                ),
                _inst(
                    "BJ-CY-003", "朝阳区驻区示范医院", "驻区医院", 940, ("内科", "外科", "急诊科", "护理部")
                ),
            ),
        ),
        DemoRegion(
            code="110108",
            name="海淀区",
            institutions=(
                _inst("BJ-HD-001", "海淀区示范医院", "统管医院", 1320, ("内科", "外科", "儿科", "护理部")),
                _inst(
                    "BJ-HD-002",
                    "海淀区中医示范医院",
                    "区直属医院",
                    480,
                    ("中医内科", "推拿科", "护理部"),
                    "中医",
                ),
            ),
        ),
        DemoRegion(
            code="110101",
            name="东城区",
            institutions=(
                _inst(
                    "BJ-DC-001", "东城区示范医院", "三级医院", 1560, ("内科", "妇产科", "检验科", "护理部")
                ),
                _inst(
                    "BJ-DC-002",
                    "东城区第二示范医院",
                    "区直属医院",
                    510,
                    ("内科", "外科", "全科医学科", "护理部"),
                ),
            ),
        ),
    )
)
"""Three districts with fictional institutions (codes ``BJ-<district>-<n>``; districts by 行政区划代码)."""


@hookimpl
def cme_demo_organisation(tenant: Any) -> DemoOrganisation:
    """The Beijing demo organisation: 朝阳区, 海淀区 and 东城区 with fictional hospitals."""
    return DEMO_ORGANISATION


@hookimpl
async def cme_page_slot(tenant: Any, slot: str, principal: Any, context: dict[str, Any]) -> PageSlot | None:
    """On the start page: the activity plans by status for those who upload or review them."""
    return await home_slot(principal) if slot == "home" else None


@hookimpl
async def cme_demo_data(tenant: Any) -> None:
    """The demo institution's activity plans (one passed, one waiting for the district, one draft) and
    its grant of teaching rounds to three people (按标准授分)."""
    await load_demo_plans()
    await load_demo_grant()


@hookimpl
def cme_credit_standards(tenant: Any, year: int) -> list[Standard]:
    """Beijing's 20-row standard table of seed 000."""
    return list(STANDARDS)


@hookimpl
def cme_credit_categories(tenant: Any, year: int) -> list[CreditCategory]:
    """The 学分类别 of the 20-row standard table, plus 有计划的自学."""
    return credit_categories(year)


@hookimpl
def cme_credit_entry_policy(tenant: Any) -> EntryPolicy:
    """Administrators enter credits through the 20-row standard table; learners never enter their own.

    Beijing's credits come from projects, filed activity plans and self-study plans granted by the
    institution (seed 000); the seed has no learner-entered credit record and no free entry form. The
    forms are the seven creditable activity forms. Institutions grant the standards of 进修学习, 在职学历
    教育, 实践活动, 政府指令性任务 and 住院医师规范化培训 to their people through the 3-step wizard
    (按标准授分); the project standards come from projects.
    """
    return EntryPolicy(
        learner_entry="never",
        guided=True,
        free=False,
        forms=tuple(form.name for form in ACTIVITY_FORMS),
        standard_grants=GRANTED_BY_INSTITUTIONS,
    )


@hookimpl
def cme_grant_bases(
    tenant: Any, principal: Principal, standard: Standard, year: int
) -> Awaitable[GrantBases] | None:
    """Grants of 有组织的继续医学教育实践活动 name one of the passed activity plans of their year
    (seed 000: 学分授予需与备案计划核对); other standards need no basis."""
    return filed_plans(principal, year) if standard.category == PRACTICE else None


@hookimpl
def cme_approval_chain(tenant: Any, subject: ApprovalSubject) -> Chain | None:
    """主管部门审核 for activity plans (the district's administration; the commission where none)."""
    return activity_plan_chain(subject)


@hookimpl
def cme_project_policy(tenant: Any) -> ProjectPolicy:
    """The 学分类别 of the declared-project list; national projects entered, 市级 and 区级 declared."""
    return PROJECT_POLICY


@hookimpl
def cme_attendance_policy(tenant: Any) -> AttendancePolicy:
    """Rotating codes, and card sign-in (刷卡签到) at the venue."""
    return ATTENDANCE_POLICY


@hookimpl
def cme_compliance_standards(tenant: Any, year: int) -> list[ComplianceStandard]:
    """Per title level: 25 credits a year (and, before 2024, national projects for 副高/正高), as set."""
    return compliance_standards(year, tenant_settings(tenant))


@hookimpl
def cme_certificate_policy(tenant: Any) -> CertificatePolicy:
    """The province's certificate heading, issuing commission and number prefix."""
    return CERTIFICATE_POLICY
