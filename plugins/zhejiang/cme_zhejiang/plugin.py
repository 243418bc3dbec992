"""Zhejiang's hook implementations (entry point ``zhejiang`` in the ``cme.plugins`` group).

Zhejiang sums credits as class I and class II, lets learners enter personal credits through a guided
rule table once their institution grants it (reviewed by department, institution and, for credits from
another province, the higher administration), runs internal training with QR attendance and a two-stage
write-off, and makes approved credits effective the next day (seeds 002 and 003).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from cme_platform.approvals.chains import ApprovalSubject, Chain
from cme_platform.attendance.policy import AttendancePolicy
from cme_platform.audit.actions import AuditLabels
from cme_platform.certificates.policy import CertificatePolicy
from cme_platform.certificates.schemas import CertificateFacts
from cme_platform.compliance.standards import ComplianceStandard
from cme_platform.credits.policy import CreditCategory, EntryPolicy
from cme_platform.identity.roles import Role
from cme_platform.plugins import hookimpl
from cme_platform.plugins.types import DemoInstitution, DemoOrganisation, DemoRegion, MenuEntry, PluginInfo
from cme_platform.projects.policy import ProjectPolicy
from cme_platform.standards.rules import Standard

from cme_zhejiang import INSTITUTION_LEVELS, PLUGIN_NAME, TEMPLATE_DIR, __version__
from cme_zhejiang.chains import effective_on, personal_credit_chain
from cme_zhejiang.compliance import compliance_standards
from cme_zhejiang.credits import credit_categories, entry_policy, recognised_category
from cme_zhejiang.internal_training import SUBJECT_TYPE as TRAINING
from cme_zhejiang.internal_training import TEMPLATE_DIR as TRAINING_TEMPLATES
from cme_zhejiang.internal_training import WRITE_OFF_TYPE as TRAINING_WRITE_OFF
from cme_zhejiang.internal_training import pages as training_pages
from cme_zhejiang.internal_training.api import TrainingController
from cme_zhejiang.internal_training.demo import load_demo_trainings
from cme_zhejiang.internal_training.service import AUDIT_LABELS as TRAINING_AUDIT_LABELS
from cme_zhejiang.pages import routes
from cme_zhejiang.projects import ATTENDANCE_POLICY, CERTIFICATE_POLICY, PROJECT_POLICY
from cme_zhejiang.settings import ZhejiangSettings, tenant_settings
from cme_zhejiang.standards import guided_standards

_PREFIX = f"/p/{PLUGIN_NAME}"


@hookimpl
def cme_plugin_info() -> PluginInfo:
    """Zhejiang's metadata."""
    return PluginInfo(
        name=PLUGIN_NAME,
        title="浙江省继续医学教育管理",
        province="浙江省",
        version=__version__,
        code="zj",
        description=(
            "浙江省规则：I类/II类学分汇总、依据本省学分管理方法向导录入个人学分（需单位开通权限）、"
            "院内内部培训二维码考勤与两级核销、审核通过的个人学分次日生效、电子学分证书。"
        ),
    )


@hookimpl
def cme_settings_schema() -> type[ZhejiangSettings]:
    """Zhejiang tenants are configured with :class:`~cme_zhejiang.settings.ZhejiangSettings`."""
    return ZhejiangSettings


@hookimpl
def cme_routes() -> list[Any]:
    """The policy page and internal training's pages and API (mounted under ``/p/zhejiang/``)."""
    return [*routes, *training_pages.routes, TrainingController]


@hookimpl
def cme_audit_labels() -> AuditLabels:
    """Internal training's audit actions."""
    return TRAINING_AUDIT_LABELS


@hookimpl
def cme_piccolo_apps() -> list[str]:
    """Internal training's tables."""
    return ["cme_zhejiang.internal_training.piccolo_app"]


@hookimpl
def cme_template_dirs() -> list[Path]:
    """The folders holding ``zhejiang/*.html`` and ``zhejiang/internal_training/*.html``."""
    return [TEMPLATE_DIR, TRAINING_TEMPLATES]


@hookimpl
def cme_menu_entries(tenant: Any) -> list[MenuEntry]:
    """The public credit policy page, and internal training (内部培训管理): the trainings and their
    statistics for departments and institutions, review and write-off for institutions, the query and
    the statistics for the region and the commission."""
    managers = (Role.DEPARTMENT_ADMIN, Role.INSTITUTION_ADMIN)
    overseers = (Role.REGION_ADMIN, Role.COMMISSION_ADMIN)
    section = "内部培训管理"
    return [
        MenuEntry(
            label="学分政策与达标说明", path=f"{_PREFIX}/policy", section="公共服务", order=50, public=True
        ),
        MenuEntry(label="内部培训", path=f"{_PREFIX}/trainings", section=section, roles=managers, order=400),
        MenuEntry(
            label="内部培训审核",
            path=f"/approvals?kind={TRAINING}",
            section=section,
            roles=(Role.INSTITUTION_ADMIN,),
            order=410,
        ),
        MenuEntry(
            label="内部培训核销",
            path=f"/approvals?kind={TRAINING_WRITE_OFF}",
            section=section,
            roles=(Role.INSTITUTION_ADMIN,),
            order=420,
        ),
        MenuEntry(
            label="内部培训查询", path=f"{_PREFIX}/trainings", section=section, roles=overseers, order=430
        ),
        MenuEntry(
            label="已举办院内活动查看统计",
            path=f"{_PREFIX}/trainings/statistics",
            section=section,
            roles=(*managers, *overseers),
            order=440,
        ),
    ]


@hookimpl
async def cme_demo_data(tenant: Any) -> None:
    """The demo department's internal trainings, one of each stage (written off, to score, waiting for
    the institution, a draft)."""
    await load_demo_trainings()


@hookimpl
def cme_institution_levels(tenant: Any) -> list[str]:
    """Zhejiang's 单位级别, from 省级医疗卫生单位 down to 基层医疗卫生机构, plus 学协会单位用户 and 其他."""
    return list(INSTITUTION_LEVELS)


def _inst(
    code: str, name: str, level: str, staff: int, departments: tuple[str, ...], category: str = "综合"
) -> DemoInstitution:
    return DemoInstitution(
        code=code, name=name, level=level, category=category, staff_count=staff, departments=departments
    )


_CITY = "市直属医疗卫生单位"
_COUNTY = "县（市、区）级医疗卫生单位"

DEMO_ORGANISATION = DemoOrganisation(
    regions=(
        DemoRegion(
            code="330100",
            name="杭州市",
            kind="市",
            institutions=(
                _inst(
                    "ZJ-HZ-001", "杭州市示范医院", _CITY, 2100, ("内科", "外科", "护理", "检验科", "药剂科")
                ),
                _inst(
                    "ZJ-HZ-002", "杭州市中医示范医院", _CITY, 760, ("中医内科", "针灸推拿科", "护理"), "中医"
                ),
                _inst(
                    "ZJ-HZ-003",
                    "西湖区示范社区卫生服务中心",
                    "基层医疗卫生机构",
                    85,
                    ("全科医学科", "预防保健科", "护理"),
                ),
            ),
        ),
        DemoRegion(
            code="330200",
            name="宁波市",
            kind="市",
            institutions=(
                _inst("ZJ-NB-001", "宁波市示范医院", _CITY, 1680, ("内科", "外科", "儿科", "护理")),
                _inst("ZJ-NB-002", "鄞州区示范人民医院", _COUNTY, 890, ("内科", "外科", "妇产科", "护理")),
            ),
        ),
        DemoRegion(
            code="330300",
            name="温州市",
            kind="市",
            institutions=(
                _inst("ZJ-WZ-001", "温州市示范医院", _CITY, 1540, ("内科", "外科", "急诊科", "护理")),
                _inst(
                    "ZJ-WZ-002", "瑞安市中医示范医院", _COUNTY, 430, ("中医内科", "骨伤科", "护理"), "中医"
                ),
            ),
        ),
    )
)
"""Three cities with fictional institutions (codes ``ZJ-<city>-<n>``, cities by their 行政区划代码)."""


@hookimpl
def cme_demo_organisation(tenant: Any) -> DemoOrganisation:
    """The Zhejiang demo organisation: 杭州市, 宁波市 and 温州市 with fictional hospitals."""
    return DEMO_ORGANISATION


@hookimpl
def cme_credit_standards(tenant: Any, year: int) -> list[Standard]:
    """The guided personal-entry table of seed 002 §5.2 (13 rows), named for ``year``."""
    return guided_standards(year)


@hookimpl
def cme_credit_categories(tenant: Any, year: int) -> list[CreditCategory]:
    """I类学分 and II类学分 with the subcategories of 图-9 and of the guided-entry table."""
    return credit_categories(year)


@hookimpl
def cme_attendance_policy(tenant: Any) -> AttendancePolicy:
    """The core's attendance, with 现场登记 for people from other provinces (003 §10.2)."""
    return ATTENDANCE_POLICY


@hookimpl
def cme_recognised_category(tenant: Any, facts: CertificateFacts, issuer: str) -> str:
    """A national or provincial project's credit of another province is I类学分, any other II类学分."""
    return recognised_category(facts)


@hookimpl
def cme_credit_entry_policy(tenant: Any) -> EntryPolicy:
    """Learners enter their own credits, guided or free, once granted (unless the setting is off)."""
    return entry_policy(tenant_settings(tenant).learner_self_entry_requires_grant)


@hookimpl
def cme_approval_chain(tenant: Any, subject: ApprovalSubject) -> Chain | None:
    """科室审核 → 单位审核 (→ 上级管理部门审核 for out-of-province credits) for personal credits."""
    return personal_credit_chain(subject, tenant_settings(tenant))


@hookimpl
def cme_credit_effective_on(tenant: Any, subject: ApprovalSubject, approved_on: date) -> date | None:
    """Approved personal credits become effective the next day (``credit_effective_delay_days``)."""
    return effective_on(subject, approved_on, tenant_settings(tenant))


@hookimpl
def cme_project_policy(tenant: Any) -> ProjectPolicy:
    """科室 and 立项用户 declare 省级 and 市级 projects; 国家级 projects are entered by their owners."""
    return PROJECT_POLICY


@hookimpl
def cme_compliance_standards(tenant: Any, year: int) -> list[ComplianceStandard]:
    """Per title level: the national rule's 25 credits with I类/II类 bounds, as the tenant file sets."""
    return compliance_standards(year, tenant_settings(tenant))


@hookimpl
def cme_certificate_policy(tenant: Any) -> CertificatePolicy:
    """The province's certificate heading, issuing commission and number prefix."""
    return CERTIFICATE_POLICY
