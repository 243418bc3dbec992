"""Compliance standards (达标标准): what a plugin returns from ``cme_compliance_standards``.

A standard applies to some title levels (初级/中级/副高/正高; none listed: every level) and asks for a
yearly total plus per-category requirements. A requirement may set a minimum (``I类学分`` at least 10),
a maximum that limits what counts toward the total (``II类学分`` counted up to 15), and a window of years
(national-project credits over five years). Amounts are hundredths.
"""

from __future__ import annotations

import msgspec

from cme_platform.standards.amounts import format_credits


class Requirement(msgspec.Struct, frozen=True, kw_only=True):
    """A category (optionally one subcategory) with a minimum, a counted maximum and a window of years.

    ``years`` > 1 sums the credit years ``year - years + 1`` … ``year`` (for the minimum only; the
    maximum always applies to the one year).
    """

    label: str
    category: str
    subcategory: str = ""
    min: int = 0
    max: int | None = None
    years: int = 1

    @property
    def text(self) -> str:
        """``I类学分不少于10分``, ``5年内国家级继续医学教育项目不少于10分``, ``II类学分最多计15分``."""
        parts = []
        window = f"{self.years}年内" if self.years > 1 else ""
        if self.min:
            parts.append(f"{window}{self.label}不少于{format_credits(self.min)}分")
        if self.max is not None:
            parts.append(f"{self.label}最多计{format_credits(self.max)}分")
        return "，".join(parts)


class ComplianceStandard(msgspec.Struct, frozen=True, kw_only=True):
    """A year's standard for some title levels: a counted total and the category requirements."""

    name: str
    total_min: int
    title_levels: tuple[str, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    note: str = ""

    @property
    def text(self) -> str:
        """The whole standard in one line, as the 达标标准浏览 page shows it."""
        parts = [f"年度学分不少于{format_credits(self.total_min)}分"]
        parts.extend(r.text for r in self.requirements if r.text)
        return "；".join(parts)

    def applies_to(self, title_level: str) -> bool:
        """True when a person of ``title_level`` is judged by this standard."""
        return not self.title_levels or title_level in self.title_levels
