"""Zhejiang's credit vocabulary: categories and subcategories, entry forms, who enters personal credits.

Categories are the two classes of the credit summary (seed 003, 图-9: I类学分, II类学分; credits of any
other category are summed as 其他学分), completed with the subcategories of the guided personal-entry
table (seed 002 §5.2, :mod:`cme_zhejiang.standards`): credits gained in another province are class I, the
other guided rows class II. The 举办方式 come from the seeds' credit lists (seed 003, 图-7: 远程教育,
单位、科室组织的活动; the guided rows are 个人活动) plus the usual project forms 学术会议 and 培训班.
"""

from __future__ import annotations

from cme_platform.certificates.schemas import CertificateFacts
from cme_platform.credits.policy import CreditCategory, EntryPolicy

CLASS_ONE = "I类学分"
"""Class I credits (I类学分), the spelling of seed 003 图-7 and 图-9."""

CLASS_TWO = "II类学分"
"""Class II credits (II类学分)."""

NATIONAL_PROJECT = "国家级继续医学教育项目"
"""The class I subcategory the five-year national-project requirement counts."""

OUT_OF_PROVINCE_NATIONAL = "赴外省面授获得学分（国家级）"
"""Guided subcategory: national projects attended in another province (class I)."""

OUT_OF_PROVINCE_PROVINCIAL = "赴外省面授获得学分（省级）"
"""Guided subcategory: provincial projects (国家一级学会) attended in another province (class I)."""

OUT_OF_PROVINCE_SUBCATEGORIES: tuple[str, ...] = (OUT_OF_PROVINCE_NATIONAL, OUT_OF_PROVINCE_PROVINCIAL)
"""Subcategories whose credits need the higher administration's review (seed 002 §5.2)."""

FURTHER_STUDY = "脱产到上级医疗卫生单位进修"
"""Guided subcategory (class II): full-time further study at a higher-level institution."""

STUDY_ABROAD = "赴国（境）外进修或培训"
"""Guided subcategory (class II): further study or training abroad."""

GOVERNMENT_MISSION = "执行援藏、援疆、援青、援外任务及重大应急救援等政府指令性任务"
"""Guided subcategory (class II): government-ordered missions."""

DEGREE_EDUCATION = "参加脱产或半脱产学历（学位）教育"
"""Guided subcategory (class II): degree education."""

PAPERS = "发表论文、综述（发表当年）（前三）"
"""Guided subcategory (class II): papers and reviews, first three authors, in the year of publication."""

CREDIT_CATEGORIES: tuple[CreditCategory, ...] = (
    CreditCategory(
        name=CLASS_ONE,
        subcategories=(
            NATIONAL_PROJECT,
            "省级继续医学教育项目",
            "省级推广项目",
            "省、市级学术年会",
            OUT_OF_PROVINCE_NATIONAL,
            OUT_OF_PROVINCE_PROVINCIAL,
        ),
    ),
    CreditCategory(
        name=CLASS_TWO,
        subcategories=(
            "市级II类项目",
            "市级继续医学教育项目",
            "县级继续医学教育项目",
            "自学笔记",
            "四新教育",
            "发表学术论文",
            "科研立项",
            "出版医学著作",
            "考察和研究报告",
            "医学译文",
            "单位和科室组织的活动",
            "6个月以下外出进修",
            "其他II类学分",
            FURTHER_STUDY,
            STUDY_ABROAD,
            GOVERNMENT_MISSION,
            DEGREE_EDUCATION,
            PAPERS,
        ),
    ),
)
"""I类学分 and II类学分 with their subcategories: 图-9's lists first, then the guided-entry rows'."""

ENTRY_FORMS: tuple[str, ...] = ("学术会议", "培训班", "远程教育", "单位、科室组织的活动", "个人活动", "其他")
"""举办方式 of the free entry form (非向导录入)."""


def credit_categories(year: int) -> list[CreditCategory]:
    """Zhejiang's categories in ``year``: the same every year (seed 002 still prints the split in 2025)."""
    return list(CREDIT_CATEGORIES)


def entry_policy(requires_grant: bool) -> EntryPolicy:
    """Learners enter their own credits (once their institution granted it, when ``requires_grant``)."""
    return EntryPolicy(
        learner_entry="granted" if requires_grant else "always",
        guided=True,
        free=True,
        forms=ENTRY_FORMS,
    )


def recognised_category(facts: CertificateFacts) -> str:
    """外省学分认可: a category Zhejiang has keeps its name; otherwise a national or provincial project's
    credit is I类学分 and any other II类学分 (the national rule the classes follow)."""
    if facts.category in (CLASS_ONE, CLASS_TWO):
        return facts.category
    return CLASS_ONE if facts.level in ("国家级", "省级") else CLASS_TWO
