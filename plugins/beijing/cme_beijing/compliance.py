"""Beijing's yearly compliance standards (达标标准) per title level.

Seed 000 gives no compliance numbers, so they are the national rule's. Until 2023: at least 25 credits a
year (卫生部《继续医学教育学分授予与管理办法》, 2006) and, for 副高 and 正高, 10 credits of national
projects within five years (the rule names staff of provincial institutions and tertiary hospitals; a
requirement cannot tell institution levels apart, so we apply it by title). The 2006 rule's class I/II
bounds are left out: Beijing's categories have no class split. From 2024 the national rules dropped the
class split: a 25-credit total only. A tenant file may change the total and add per-category minimums
(``compliance_total_min``, ``compliance_category_min``).
"""

from __future__ import annotations

from cme_platform.compliance.national import national_projects_rule, national_standards
from cme_platform.compliance.standards import ComplianceStandard

from cme_beijing.credits import NATIONAL_PROJECT
from cme_beijing.settings import BeijingSettings

NATIONAL_PROJECTS_FIVE_YEARS = national_projects_rule(NATIONAL_PROJECT)
"""5年内国家级继续医学教育项目不少于10分 (副高 and 正高, before 2024)."""


def compliance_standards(year: int, settings: BeijingSettings) -> list[ComplianceStandard]:
    """One standard per title level (初级, 中级, 副高, 正高) for ``year``; amounts in hundredths."""
    return national_standards(year, settings, NATIONAL_PROJECTS_FIVE_YEARS, "北京市")
