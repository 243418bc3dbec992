"""The credit standards engine: credits for one record under one standard, with an explanation.

:func:`compute` checks the inputs the rule needs (no negative hours, no more than 24 hours a day, a
rank the rule has), applies the rate, the per-record cap, the minimum duration, the speaker-vs-project
limit and the yearly cap, and explains each step in Chinese. Impossible inputs raise
:class:`StandardInputError` naming the field.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import msgspec

from cme_platform.standards.amounts import format_credits, format_quantity
from cme_platform.standards.rules import (
    RANK_LABELS,
    UNIT_LABELS,
    ByAuthorRank,
    Fixed,
    FromProject,
    PerUnit,
    Standard,
)

HOURS_PER_DAY = 24


class Inputs(msgspec.Struct, frozen=True, kw_only=True):
    """What a record says about the activity: duration, days, occurrences, author rank."""

    hours: Decimal | None = None
    days: int | None = None
    occurrences: int | None = None
    author_rank: int | None = None


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """Other records that limit this one: the project's credits, the person's year so far."""

    project_credits: int | None = None
    earned_this_year: int = 0


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """The credits (hundredths) and the steps that led to them."""

    credits: int
    explanation: tuple[str, ...]


class StandardInputError(ValueError):
    """Inputs the standard cannot take; ``field`` names the input, the message says why in Chinese."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _hours(inputs: Inputs) -> Fraction | None:
    if inputs.hours is None:
        return None
    if not inputs.hours.is_finite() or inputs.hours < 0:
        raise StandardInputError("hours", "学时不能为负数")
    hours = Fraction(inputs.hours)
    days = inputs.days if inputs.days is not None else 1
    if days < 1:
        raise StandardInputError("days", "天数至少为1")
    if hours > HOURS_PER_DAY * days:
        raise StandardInputError("hours", f"{days}天内的学时不能超过{HOURS_PER_DAY * days}小时")
    return hours


def _count(value: int | None, field: str, label: str) -> int:
    if value is None:
        raise StandardInputError(field, f"请填写{label}")
    if value < 1:
        raise StandardInputError(field, f"{label}至少为1")
    return value


def _per_unit(rule: PerUnit, inputs: Inputs, hours: Fraction | None, steps: list[str]) -> int:
    unit = UNIT_LABELS[rule.unit]
    if rule.unit == "hour":
        if hours is None:
            raise StandardInputError("hours", "请填写学时")
        quantity = hours
    elif rule.unit == "day":
        quantity = Fraction(_count(inputs.days, "days", "天数"))
    else:
        quantity = Fraction(_count(inputs.occurrences, "occurrences", "次数"))
    amount = int(quantity * rule.award / rule.every)
    steps.append(
        f"{format_quantity(quantity)}{unit} × 每{rule.every}{unit}{format_credits(rule.award)}分"
        f" = {format_credits(amount)}分"
    )
    if rule.cap is not None and amount > rule.cap:
        amount = rule.cap
        steps.append(f"超过上限，按{format_credits(rule.cap)}分计")
    return amount


def _by_rank(rule: ByAuthorRank, inputs: Inputs, steps: list[str]) -> int:
    rank = inputs.author_rank
    if rank is None:
        raise StandardInputError("author_rank", "请选择作者排名")
    if not 1 <= rank <= len(rule.awards):
        allowed = "、".join(RANK_LABELS[i] for i in range(len(rule.awards)))
        raise StandardInputError("author_rank", f"该标准只计{allowed}")
    steps.append(f"{RANK_LABELS[rank - 1]}：{format_credits(rule.awards[rank - 1])}分")
    return rule.awards[rank - 1]


def compute(standard: Standard, inputs: Inputs, context: Context | None = None) -> Outcome:
    """The credits ``inputs`` earn under ``standard``, given the limiting ``context``."""
    context = context or Context()
    rule = standard.rule
    if isinstance(rule, FromProject):
        raise StandardInputError("standard", f"该标准的学分由项目导入（{rule.label}），不能直接计算")
    hours = _hours(inputs)
    steps: list[str] = [f"{standard.name}：{standard.text}"]
    if standard.min_hours:
        occurrences = inputs.occurrences or 1
        needed = standard.min_hours * occurrences
        if hours is None or hours < needed:
            raise StandardInputError(
                "hours", f"单次不少于{standard.min_hours}小时，{occurrences}次至少{needed}小时"
            )
    if isinstance(rule, PerUnit):
        amount = _per_unit(rule, inputs, hours, steps)
    elif isinstance(rule, Fixed):
        amount = rule.award
    else:
        amount = _by_rank(rule, inputs, steps)
    if standard.not_above_project:
        if context.project_credits is None:
            raise StandardInputError("project_credits", "主讲人学分须对照项目学分，请先选择项目")
        if amount > context.project_credits:
            amount = context.project_credits
            steps.append(f"主讲人学分不超过项目学分，按{format_credits(amount)}分计")
    if standard.yearly_cap is not None:
        left = max(standard.yearly_cap - context.earned_this_year, 0)
        if amount > left:
            amount = left
            steps.append(
                f"本年度该类已得{format_credits(context.earned_this_year)}分，"
                f"年度上限{format_credits(standard.yearly_cap)}分，按{format_credits(amount)}分计"
            )
    steps.append(f"授予{format_credits(amount)}分")
    return Outcome(credits=amount, explanation=tuple(steps))
