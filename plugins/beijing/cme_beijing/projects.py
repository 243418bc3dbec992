"""Beijing's projects (seed 000, 继续医学教育项目): the 学分类别 of its declared-project list, which of them
are national or municipal projects declared in Beijing, and which come from elsewhere."""

from __future__ import annotations

from decimal import Decimal

from cme_platform.attendance.policy import AttendancePolicy
from cme_platform.certificates.policy import CertificatePolicy
from cme_platform.projects.policy import ImportList, ProjectPolicy

LEVELS: tuple[str, ...] = (
    "国家级继续医学教育项目",
    "市级继续医学教育项目",
    "区级继续医学教育项目",
    "外地国家级继续医学教育项目",
    "外地省市级继续医学教育项目",
    "北京市继教委许可发证书项目",
)
"""学分类别 of the declared-project list (审批编号, 名称, 学分类别, 学科, 总学分), as the credit-standard
table names them (rows 4, 5, 15–18)."""

PROJECT_POLICY = ProjectPolicy(
    levels=LEVELS,
    entered_levels=("国家级继续医学教育项目",),
    declared_levels=("市级继续医学教育项目", "区级继续医学教育项目"),
    max_credits=Decimal(10),
    import_lists=(
        ImportList(
            code="external",
            label="申报项目导入",
            levels=("外地国家级继续医学教育项目", "外地省市级继续医学教育项目"),
            hint="导入本单位人员参加的外地国家级、省市级继续医学教育项目（按审批编号识别，重复导入会更新原项目）。",
        ),
        ImportList(
            code="licensed",
            label="许可发项目导入",
            levels=("北京市继教委许可发证书项目",),
            importers=("commission_admin",),
            hint="继教委导入许可发证书的项目（按审批编号识别，重复导入会更新原项目）。",
        ),
    ),
)
"""National projects are entered by their owners; 市级 and 区级 projects are declared in the platform; the
projects from outside Beijing and the 许可发证书 projects come from the commission's imported lists. The
standard table caps a project at 10 credits (每3小时1分，上限10分). Its two imports (seed 000, standards
4, 5 and 18) bring the lists of projects held outside Beijing and of licensed projects."""

ATTENDANCE_POLICY = AttendancePolicy(card_sign_in=True)
"""Seed 000: courses are signed in by IC card (or WeChat): staff at the venue may record a card's number
besides learners scanning the venue's rotating codes; otherwise the core's rules (check-in and check-out,
codes rotating every 30 seconds, the list within 14 days)."""

CERTIFICATE_POLICY = CertificatePolicy(
    title="北京市继续医学教育学分证书", issuer="北京市继续医学教育委员会", number_prefix="BJ"
)
"""Beijing's electronic credit certificate: its heading, the commission that issues it, ``BJ2026-…``."""
