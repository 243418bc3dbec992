"""Zhejiang's yearly compliance standards (达标标准) per title level.

The seeds list compliance per title (seed 002 §7.1 达标标准浏览, seed 003 §4.2 达标情况查询) but give no
numbers, so the defaults are the national rule (卫生部《继续医学教育学分授予与管理办法》, 2006): at least 25
credits a year, of which class I 5–10 and class II 15–20 (at least 5 and 15; at most 10 and 20 count
toward the total), and 10 credits of national projects within five years for staff of provincial
institutions and tertiary hospitals. The requirement cannot tell institution levels apart, so the
five-year rule is applied to 副高 and 正高 (our reading). A tenant file may change the total and the
per-category minimums (``compliance_total_min``, ``compliance_category_min``).
"""

from __future__ import annotations

from cme_platform.compliance.national import SENIOR_LEVELS, national_projects_rule, per_level_standards
from cme_platform.compliance.standards import ComplianceStandard, Requirement

from cme_zhejiang.credits import CLASS_ONE, CLASS_TWO, NATIONAL_PROJECT
from cme_zhejiang.settings import ZhejiangSettings

NATIONAL_CATEGORY_MIN: dict[str, int] = {CLASS_ONE: 5, CLASS_TWO: 15}
"""The national rule's yearly minimum per class, in credits."""

NATIONAL_CATEGORY_MAX: dict[str, int] = {CLASS_ONE: 10, CLASS_TWO: 20}
"""The most credits of each class that count toward the yearly total (national rule), in credits."""

NATIONAL_PROJECTS_FIVE_YEARS = national_projects_rule(CLASS_ONE, NATIONAL_PROJECT)
"""5年内国家级继续医学教育项目不少于10分."""


def class_requirements(settings: ZhejiangSettings) -> tuple[Requirement, ...]:
    """I类 and II类 requirements: the national minimums overridden by the tenant's, the national caps.

    A cap is never below its category's minimum (a tenant asking for 12 class I credits counts 12), and
    the caps are left off when together they would not reach the tenant's yearly total.
    """
    minimums = {**NATIONAL_CATEGORY_MIN, **(settings.compliance_category_min or {})}
    caps = {category: max(cap, minimums.get(category, 0)) for category, cap in NATIONAL_CATEGORY_MAX.items()}
    capped = sum(caps.values()) >= settings.compliance_total_min
    return tuple(
        Requirement(
            label=category,
            category=category,
            min=minimums.get(category, 0) * 100,
            max=cap * 100 if capped else None,
        )
        for category, cap in caps.items()
        if minimums.get(category, 0) or capped
    )


def compliance_standards(year: int, settings: ZhejiangSettings) -> list[ComplianceStandard]:
    """One standard per title level (初级, 中级, 副高, 正高) for ``year``; amounts in hundredths."""
    classes = class_requirements(settings)
    return per_level_standards(
        year,
        total_min=settings.compliance_total_min,
        requirements=lambda level: (
            classes + ((NATIONAL_PROJECTS_FIVE_YEARS,) if level in SENIOR_LEVELS else ())
        ),
        note="依据《继续医学教育学分授予与管理办法》；以浙江省继续医学教育委员会当年度文件为准。",
    )
