"""Jiangsu's hook implementations (entry point ``jiangsu`` in the ``cme.plugins`` group).

Jiangsu runs hosting applications for national and provincial projects with a two-level approval,
check-in and check-out QR codes, an attendee list within two weeks and a commission grant (seed 004).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cme_platform.attendance.policy import AttendancePolicy
from cme_platform.certificates.policy import CertificatePolicy
from cme_platform.certificates.schemas import CertificateFacts
from cme_platform.compliance.standards import ComplianceStandard
from cme_platform.credits.policy import CreditCategory, EntryPolicy
from cme_platform.plugins import hookimpl
from cme_platform.plugins.types import DemoInstitution, DemoOrganisation, DemoRegion, MenuEntry, PluginInfo
from cme_platform.projects.policy import ProjectPolicy

from cme_jiangsu import INSTITUTION_LEVELS, PLUGIN_NAME, TEMPLATE_DIR, __version__
from cme_jiangsu.compliance import compliance_standards
from cme_jiangsu.credits import ENTRY_POLICY, credit_categories, recognised_category
from cme_jiangsu.pages import routes
from cme_jiangsu.projects import CERTIFICATE_POLICY, PROJECT_POLICY, attendance_policy
from cme_jiangsu.settings import JiangsuSettings, tenant_settings

_PREFIX = f"/p/{PLUGIN_NAME}"


@hookimpl
def cme_plugin_info() -> PluginInfo:
    """Jiangsu's metadata."""
    return PluginInfo(
        name=PLUGIN_NAME,
        title="江苏省继续医学教育管理",
        province="江苏省",
        version=__version__,
        code="js",
        description=(
            "江苏省规则：国家级、省级继续医学教育项目举办申请与两级审核、签到与撤离二维码、"
            "撤离调查问卷、项目结束后两周内提交学员名单、管理用户审核授予学分、学员证书查询。"
        ),
    )


@hookimpl
def cme_settings_schema() -> type[JiangsuSettings]:
    """Jiangsu tenants are configured with :class:`~cme_jiangsu.settings.JiangsuSettings`."""
    return JiangsuSettings


@hookimpl
def cme_routes() -> list[Any]:
    """The workflow page (mounted under ``/p/jiangsu/``)."""
    return list(routes)


@hookimpl
def cme_template_dirs() -> list[Path]:
    """The folder holding ``jiangsu/*.html``."""
    return [TEMPLATE_DIR]


@hookimpl
def cme_menu_entries(tenant: Any) -> list[MenuEntry]:
    """A public entry for the workflow page."""
    return [
        MenuEntry(
            label="项目举办与学分授予流程",
            path=f"{_PREFIX}/workflow",
            section="公共服务",
            order=50,
            public=True,
        ),
    ]


@hookimpl
def cme_institution_levels(tenant: Any) -> list[str]:
    """Jiangsu's 单位级别: hospital grades, 基层医疗卫生机构, 学协会 and 其他."""
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
            code="320100",
            name="南京市",
            kind="市",
            institutions=(
                _inst(
                    "JS-NJ-001",
                    "南京市示范医院",
                    "三级甲等",
                    2300,
                    ("内科", "外科", "护理部", "检验科", "医学影像科"),
                ),
                _inst(
                    "JS-NJ-002",
                    "南京市中医示范医院",
                    "三级乙等",
                    900,
                    ("中医内科", "针灸科", "护理部"),
                    "中医",
                ),
                _inst(
                    "JS-NJ-003",
                    "玄武区示范社区卫生服务中心",
                    "基层医疗卫生机构",
                    60,
                    ("全科医学科", "公共卫生科", "护理部"),
                ),
            ),
        ),
        DemoRegion(
            code="320500",
            name="苏州市",
            kind="市",
            institutions=(
                _inst(
                    "JS-SZ-001", "苏州市示范医院", "三级甲等", 1900, ("内科", "外科", "心血管内科", "护理部")
                ),
                _inst("JS-SZ-002", "吴中区示范人民医院", "二级甲等", 700, ("内科", "外科", "儿科", "护理部")),
            ),
        ),
        DemoRegion(
            code="320200",
            name="无锡市",
            kind="市",
            institutions=(
                _inst("JS-WX-001", "无锡市示范医院", "三级乙等", 1200, ("内科", "外科", "检验科", "护理部")),
                _inst(
                    "JS-WX-002",
                    "江阴市中医示范医院",
                    "二级甲等",
                    430,
                    ("中医内科", "骨伤科", "护理部"),
                    "中医",
                ),
            ),
        ),
    )
)
"""Three cities with fictional institutions (codes ``JS-<city>-<n>``, cities by their 行政区划代码)."""


@hookimpl
def cme_demo_organisation(tenant: Any) -> DemoOrganisation:
    """The Jiangsu demo organisation: 南京市, 苏州市 and 无锡市 with fictional hospitals."""
    return DEMO_ORGANISATION


@hookimpl
def cme_credit_categories(tenant: Any, year: int) -> list[CreditCategory]:
    """国家级继续医学教育项目 and 省级继续医学教育项目, the two project levels of seed 004."""
    return credit_categories(year)


@hookimpl
def cme_recognised_category(tenant: Any, facts: CertificateFacts, issuer: str) -> str:
    """Another province's certificate counts by its project's level (国家级 or 省级 project credits)."""
    return recognised_category(facts)


@hookimpl
def cme_credit_entry_policy(tenant: Any) -> EntryPolicy:
    """Administrators only, by the free form: the commission grants credits from attendee lists."""
    return ENTRY_POLICY


@hookimpl
def cme_project_policy(tenant: Any) -> ProjectPolicy:
    """国家级 (entered by owners) and 省级 projects; 会议通知 (with the red seal) and 会议日程."""
    return PROJECT_POLICY


@hookimpl
def cme_attendance_policy(tenant: Any) -> AttendancePolicy:
    """Printed (static) check-in and check-out codes, both required; the list within the set days (14)
    or refused."""
    return attendance_policy(tenant_settings(tenant).attendee_list_deadline_days)


@hookimpl
def cme_compliance_standards(tenant: Any, year: int) -> list[ComplianceStandard]:
    """Per title level: 25 credits a year (and, before 2024, national projects for 副高/正高), as set."""
    return compliance_standards(year, tenant_settings(tenant))


@hookimpl
def cme_certificate_policy(tenant: Any) -> CertificatePolicy:
    """The province's certificate heading, issuing commission and number prefix."""
    return CERTIFICATE_POLICY
