"""Rule primitives of credit standards, and the standard that names one with its category.

A province composes its catalogue from these (plugin data, no code): per unit of time or occurrence with
a rate and a cap, a fixed amount, an amount by author rank, or credits that come from a project. Each
rule writes its own text as the seeds print it (``每3小时授予1分(最高限分10)``). Amounts are hundredths
(:mod:`cme_platform.standards.amounts`).
"""

from __future__ import annotations

from typing import Literal

import msgspec

from cme_platform.standards.amounts import format_credits

Unit = Literal["hour", "day", "occurrence"]
UNIT_LABELS: dict[str, str] = {"hour": "小时", "day": "天", "occurrence": "次"}
RANK_LABELS: tuple[str, ...] = ("第一作者（通讯作者）", "第二作者", "第三作者", "第四作者", "第五作者")


class PerUnit(msgspec.Struct, frozen=True, kw_only=True, tag="per_unit"):
    """``award`` for every ``every`` units (hours, days or occurrences), at most ``cap`` per record."""

    unit: Unit
    award: int
    every: int = 1
    cap: int | None = None

    def describe(self) -> str:
        """``每3小时授予1分(最高限分10)``."""
        text = f"每{self.every}{UNIT_LABELS[self.unit]}授予{format_credits(self.award)}分"
        return text + (f"(最高限分{format_credits(self.cap)})" if self.cap is not None else "")


class Fixed(msgspec.Struct, frozen=True, kw_only=True, tag="fixed"):
    """A fixed ``award`` per record (``25分``, ``0.5分``)."""

    award: int

    def describe(self) -> str:
        """``25分``."""
        return f"{format_credits(self.award)}分"


class ByAuthorRank(msgspec.Struct, frozen=True, kw_only=True, tag="author_rank"):
    """An amount by author rank: ``awards[0]`` for the first (corresponding) author, and so on."""

    awards: tuple[int, ...]

    def describe(self) -> str:
        """``第一作者（通讯作者）25分 第二作者15分``."""
        return " ".join(f"{RANK_LABELS[i]}{format_credits(award)}分" for i, award in enumerate(self.awards))


class FromProject(msgspec.Struct, frozen=True, kw_only=True, tag="from_project"):
    """Credits taken from a project's record, not computed (``申报项目导入``)."""

    label: str = "申报项目导入"

    def describe(self) -> str:
        """The label, e.g. ``许可发项目导入``."""
        return self.label


Rule = PerUnit | Fixed | ByAuthorRank | FromProject


class Standard(msgspec.Struct, frozen=True, kw_only=True):
    """One row of a province's standard table (授分标准): a named rule with its vocabulary.

    ``min_hours`` is the least duration of one occurrence (``单次不少于1小时``); ``not_above_project``
    caps a speaker's credits at the project's (``主讲人分数不能超过项目分数``); ``yearly_cap`` bounds a
    person's credits under this standard's subcategory in one year.
    """

    code: str
    name: str
    rule: Rule
    category: str
    subcategory: str = ""
    form: str = ""
    role: Literal["participant", "speaker"] = "participant"
    min_hours: int = 0
    not_above_project: bool = False
    yearly_cap: int | None = None
    note: str = ""

    @property
    def text(self) -> str:
        """The rule as the standard table prints it."""
        return self.rule.describe()
