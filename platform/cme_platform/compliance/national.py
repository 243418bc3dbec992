"""The national compliance rule and the tenant-file overrides every province plugin offers.

The seeds give no compliance numbers, so provinces start from the national rule (卫生部《继续医学教育学分
授予与管理办法》, 2006): at least 25 credits a year and, for staff of provincial institutions and tertiary
hospitals, 10 credits of national projects within five years. A requirement cannot tell institution
levels apart, so plugins apply the five-year rule to 副高 and 正高 (our reading). From 2024 the national
rules (国卫科教发〔2024〕34号) dropped the class split. A tenant file changes the numbers through
:class:`ComplianceOverrides`, which a plugin's settings struct inherits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, ClassVar

import msgspec

from cme_platform.compliance.standards import ComplianceStandard, Requirement
from cme_platform.personnel.vocab import TITLE_LEVELS

NATIONAL_TOTAL_MIN = 25
"""Credits a year, by the 2006 rule (whole credits; the standards hold hundredths)."""
NATIONAL_CHANGE_YEAR = 2024
"""First year of the 2024 national rules: one yearly total, no class split."""
SENIOR_LEVELS: tuple[str, ...] = ("副高", "正高")
"""Title levels that need 10 national-project credits within five years."""


class ComplianceOverrides(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Settings fields that change a province's compliance standard (inherit them in the plugin's settings).

    ``compliance_categories`` (a class variable the subclass sets) lists the category names a minimum may
    name; any other name is refused when the tenant file is synced, so a misspelt one never silently
    counts for nothing.
    """

    compliance_categories: ClassVar[tuple[str, ...]] = ()

    compliance_total_min: Annotated[
        int, msgspec.Meta(ge=0, le=100, description="年度达标总学分下限（分；全国规定每年不少于25分）")
    ] = NATIONAL_TOTAL_MIN
    compliance_category_min: Annotated[
        dict[str, Annotated[int, msgspec.Meta(ge=0, le=100)]] | None,
        msgspec.Meta(
            description=(
                "各学分类别的年度最低学分（分），例如 {国家级继续医学教育项目 = 5}；填0取消该类别的最低要求，"
                "不填则按本省默认（全国规定）"
            )
        ),
    ] = None

    def __post_init__(self) -> None:
        """Reject minimums for categories the province does not have."""
        known = self.compliance_categories
        unknown = sorted(set(self.compliance_category_min or {}) - set(known))
        if unknown:
            raise ValueError(
                f"compliance_category_min 含有不存在的学分类别：{'、'.join(unknown)}"
                f"（可用：{'、'.join(known)}）"
            )

    def category_minimums(self) -> tuple[Requirement, ...]:
        """The tenant's per-category minimums as requirements (zero means none), amounts in hundredths."""
        return tuple(
            Requirement(label=category, category=category, min=credits * 100)
            for category, credits in (self.compliance_category_min or {}).items()
            if credits
        )


def national_projects_rule(category: str, subcategory: str = "") -> Requirement:
    """5年内国家级继续医学教育项目不少于10分, for the province's name of national-project credits."""
    return Requirement(
        label=subcategory or category, category=category, subcategory=subcategory, min=1000, years=5
    )


def per_level_standards(
    year: int,
    *,
    total_min: int,
    requirements: Callable[[str], tuple[Requirement, ...]],
    note: str,
) -> list[ComplianceStandard]:
    """One standard per title level (初级, 中级, 副高, 正高) for ``year``.

    ``total_min`` is in whole credits; ``requirements(level)`` gives the level's requirements.
    """
    return [
        ComplianceStandard(
            name=f"{year}年度{level}职称达标标准",
            total_min=total_min * 100,
            title_levels=(level,),
            requirements=requirements(level),
            note=note,
        )
        for level in TITLE_LEVELS
    ]


def national_standards(
    year: int, overrides: ComplianceOverrides, national_project: Requirement, province: str
) -> list[ComplianceStandard]:
    """The national rule for a province without a class split, with the tenant's overrides.

    Before 2024 副高 and 正高 also need ``national_project`` (the five-year rule); from 2024 the total
    and the tenant's category minimums only.
    """
    minimums = overrides.category_minimums()

    def requirements(level: str) -> tuple[Requirement, ...]:
        senior = year < NATIONAL_CHANGE_YEAR and level in SENIOR_LEVELS
        return minimums + ((national_project,) if senior else ())

    return per_level_standards(
        year,
        total_min=overrides.compliance_total_min,
        requirements=requirements,
        note=f"依据国家继续医学教育学分管理规定；以{province}继续医学教育委员会当年度文件为准。",
    )
