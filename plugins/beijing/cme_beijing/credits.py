"""Beijing's credit vocabulary: categories (学分类别) and who enters personal credits.

The categories are the 学分类别 column of the 20-row credit-standard table (seed 000), in the order they
first appear, plus 有计划的自学, the self-study form whose grants the seed shows without a 学分类别 (using
the form's name is our assumption). Beijing's 2025 system prints no class I/II split and no
subcategories.
"""

from __future__ import annotations

from cme_platform.credits.policy import CreditCategory

NATIONAL_PROJECT = "国家级继续医学教育项目"
"""The category the five-year national-project requirement counts."""

CATEGORY_NAMES: tuple[str, ...] = (
    NATIONAL_PROJECT,
    "市级继续医学教育项目",
    "区级继续医学教育项目",
    "进修学习",
    "在职学历(学位)教育",
    "有组织的继续医学教育实践活动",
    "政府指令性医疗卫生任务",
    "住院医师规范化培训",
    "北京市继教委许可发证书项目",
    "有计划的自学",
)
"""Beijing's 学分类别, spelt as the standards' ``category`` values."""

CREDIT_CATEGORIES: tuple[CreditCategory, ...] = tuple(CreditCategory(name=name) for name in CATEGORY_NAMES)
"""The categories as the hook returns them (no subcategories)."""


def credit_categories(year: int) -> list[CreditCategory]:
    """Beijing's categories in ``year`` (the 2025 table; the seed shows no other year)."""
    return list(CREDIT_CATEGORIES)
