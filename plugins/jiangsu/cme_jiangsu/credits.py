"""Jiangsu's credit vocabulary: categories (学分类别) and who enters credits.

Seed 004 is the system for national and provincial CME projects (国家级及省级继续医学教育项目学分系统):
every credit it grants belongs to a 国家级 or a 省级 project (the project numbers carry "(国)" or "(省)";
provincial ones include 备案项目), and it prints no class I/II split. So the categories are the two
project levels; credits of anything else (a city-level project entered by hand) are summed as 其他.
Credits are granted by the commission from the attendee list; learners never enter their own.
"""

from __future__ import annotations

from cme_platform.certificates.schemas import CertificateFacts
from cme_platform.credits.policy import CreditCategory, EntryPolicy

NATIONAL_PROJECT = "国家级继续医学教育项目"
"""Credits of national projects (entered first in the system, then applied for like provincial ones)."""

PROVINCIAL_PROJECT = "省级继续医学教育项目"
"""Credits of provincial projects (declared and approved in the system, including 备案项目)."""

CATEGORY_NAMES: tuple[str, ...] = (NATIONAL_PROJECT, PROVINCIAL_PROJECT)
"""Jiangsu's 学分类别 in display order."""

CREDIT_CATEGORIES: tuple[CreditCategory, ...] = (
    CreditCategory(name=NATIONAL_PROJECT),
    CreditCategory(name=PROVINCIAL_PROJECT, note="含备案项目"),
)
"""The categories as the hook returns them."""

ENTRY_POLICY = EntryPolicy(learner_entry="never", guided=False, free=True)
"""Administrators enter credits by hand (no standard table); learners never enter their own."""


def credit_categories(year: int) -> list[CreditCategory]:
    """Jiangsu's categories in ``year`` (the project levels, the same every year)."""
    return list(CREDIT_CATEGORIES)


def recognised_category(facts: CertificateFacts) -> str:
    """外省学分认可: another province's certificate counts by its project's level (国家级 or 省级, or a
    category already named so); any other credit has no Jiangsu category (``""``: not recognised)."""
    if facts.category in CATEGORY_NAMES:
        return facts.category
    return {"国家级": NATIONAL_PROJECT, "省级": PROVINCIAL_PROJECT}.get(facts.level, "")
