"""A tenant's standards for a year, from its province plugin, and the views the API and pages show."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

from cme_platform.api.params import Quantity
from cme_platform.errors import FieldError, InvalidInput, NotFound
from cme_platform.standards.amounts import format_credits
from cme_platform.standards.engine import Context, Inputs, StandardInputError, compute
from cme_platform.standards.rules import ByAuthorRank, PerUnit, Standard

InputName = Literal["hours", "days", "occurrences", "author_rank", "project_credits"]
ROLE_LABELS = {"participant": "参加者", "speaker": "主讲人"}
_UNIT_INPUT: dict[str, InputName] = {"hour": "hours", "day": "days", "occurrence": "occurrences"}


class StandardOut(msgspec.Struct, frozen=True, kw_only=True):
    """One standard as the table shows it, with the inputs its rule asks for."""

    code: str
    name: str
    text: str
    category: str
    subcategory: str
    form: str
    role: str
    note: str
    inputs: list[InputName]
    author_ranks: int = 0


class ComputeIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The activity's figures; ``project_credits`` is the project's credits for speaker standards."""

    hours: Decimal | None = None
    days: Quantity | None = None
    occurrences: Quantity | None = None
    author_rank: Quantity | None = None
    project_credits: Decimal | None = None


class ComputeOut(msgspec.Struct, frozen=True, kw_only=True):
    """The credits (hundredths and as text) and the explanation, step by step."""

    code: str
    credits: int
    credits_text: str
    explanation: list[str]


def inputs_of(standard: Standard) -> list[InputName]:
    """The inputs a standard's rule needs, in form order."""
    names: list[InputName] = []
    rule = standard.rule
    if isinstance(rule, PerUnit):
        names.append(_UNIT_INPUT[rule.unit])
        if rule.unit == "hour":
            names.append("days")
    if isinstance(rule, ByAuthorRank):
        names.append("author_rank")
    if standard.min_hours and "hours" not in names:
        names.append("hours")
    if standard.not_above_project:
        names.append("project_credits")
    return names


def describe(standard: Standard) -> StandardOut:
    """The table view of ``standard``."""
    rule = standard.rule
    return StandardOut(
        code=standard.code,
        name=standard.name,
        text=standard.text,
        category=standard.category,
        subcategory=standard.subcategory,
        form=standard.form,
        role=ROLE_LABELS[standard.role],
        note=standard.note,
        inputs=inputs_of(standard),
        author_ranks=len(rule.awards) if isinstance(rule, ByAuthorRank) else 0,
    )


def find(standards: list[Standard], code: str) -> Standard:
    """The standard ``code`` of the list, or :class:`NotFound`."""
    for standard in standards:
        if standard.code == code:
            return standard
    raise NotFound("没有这个授分标准")


MAX_FIGURE = Decimal(100_000)
"""The largest hours or project credits the calculator takes (larger ones are typing errors)."""


def _check_figure(value: Decimal | None, field: str, label: str) -> None:
    """Refuse an absurd decimal before any exact arithmetic: ``1e999999999`` would take the CPU for hours."""
    if value is None or not value.is_finite():
        return  # the engine names these
    if value.copy_abs() > MAX_FIGURE or (value and value.adjusted() < -6):
        message = f"{label}应在 0 到 {MAX_FIGURE} 之间"
        raise InvalidInput(message, [FieldError(field, message)])


def calculate(standard: Standard, data: ComputeIn) -> ComputeOut:
    """The credits ``data`` earns under ``standard``; impossible figures give a 400 naming the field."""
    _check_figure(data.hours, "hours", "学时")
    _check_figure(data.project_credits, "project_credits", "项目学分")
    project = None
    if data.project_credits is not None:
        if not data.project_credits.is_finite() or data.project_credits < 0:
            raise InvalidInput("项目学分不正确", [FieldError("project_credits", "项目学分不能为负数")])
        project = int(data.project_credits * 100)
    inputs = Inputs(
        hours=data.hours, days=data.days, occurrences=data.occurrences, author_rank=data.author_rank
    )
    try:
        outcome = compute(standard, inputs, Context(project_credits=project))
    except StandardInputError as exc:
        raise InvalidInput(exc.message, [FieldError(exc.field, exc.message)]) from exc
    return ComputeOut(
        code=standard.code,
        credits=outcome.credits,
        credits_text=format_credits(outcome.credits),
        explanation=list(outcome.explanation),
    )
