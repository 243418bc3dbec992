"""Shapes of the compliance API (msgspec structs). Amounts are integer hundredths with a ``_text`` twin."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from cme_platform.api.params import RowId, YearNumber

StatisticsDimension = Literal["title_level", "title", "department", "establishment"]
DIMENSION_LABELS: dict[str, str] = {
    "title_level": "职称级别",
    "title": "职称",
    "department": "科室",
    "establishment": "是否在编",
}


FIRST_YEAR, LAST_YEAR = 2000, 2100
"""The years compliance answers for (a year's query, the credit forms)."""


class RecordRow(msgspec.Struct, frozen=True, kw_only=True):
    """One effective credit of the year (seed 003 图-8 columns)."""

    id: int
    activity_date: date
    activity_name: str
    activity_number: str
    category: str
    subcategory: str
    form: str
    issuer: str
    credits: int
    credits_text: str
    hours: int
    hours_text: str
    effective_on: date | None


class SummaryRow(msgspec.Struct, frozen=True, kw_only=True):
    """A line of the 学分汇总 table (图-9): a category, or one of its subcategories (``level`` 1)."""

    label: str
    level: int
    credits: int
    credits_text: str
    hours: int
    hours_text: str


class PersonCompliance(msgspec.Struct, frozen=True, kw_only=True):
    """A person's year: the standard, the verdict with its explanation, the summary and the records."""

    person_id: int
    person_number: str
    name: str
    institution_name: str
    department_name: str
    title: str
    title_level: str
    year: int
    standard_name: str
    standard_text: str
    met: bool | None
    met_label: str
    explanation: list[str]
    total_credits: int
    total_credits_text: str
    counted_credits: int
    counted_credits_text: str
    total_hours: int
    total_hours_text: str
    summary: list[SummaryRow]
    records: list[RecordRow]


class PersonResult(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the 人员达标情况 list."""

    id: int
    person_number: str
    name: str
    institution_name: str
    department_name: str
    title: str
    title_level: str
    establishment: str
    total_credits: int
    total_credits_text: str
    counted_credits: int
    counted_credits_text: str
    met: bool | None
    met_label: str


class ResultFilter(msgspec.Struct, frozen=True, kw_only=True):
    """The list filters: unit, department, title level, 达标 yes/no and a name's beginning."""

    institution_id: int | None = None
    department_id: int | None = None
    title_level: str | None = None
    met: bool | None = None
    q: str | None = None


class PersonResultPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of results; ``source`` says ``live`` (computed now) or ``stored`` (as of ``computed_at``)."""

    year: int
    items: list[PersonResult]
    total: int
    page: int
    page_size: int
    source: Literal["live", "stored"]
    computed_at: datetime | None


class StatisticsGroup(msgspec.Struct, frozen=True, kw_only=True):
    """One group of the 学分完成情况统计: people, how many met, the rate and the average credits."""

    key: str
    label: str
    people: int
    met: int
    rate: float
    rate_text: str
    average_credits: int
    average_credits_text: str


class Statistics(msgspec.Struct, frozen=True, kw_only=True):
    """The groups of one dimension, and the overall line."""

    year: int
    by: StatisticsDimension
    by_label: str
    groups: list[StatisticsGroup]
    overall: StatisticsGroup
    source: Literal["live", "stored"]
    computed_at: datetime | None


class RequirementOut(msgspec.Struct, frozen=True, kw_only=True):
    """A requirement row of a standard."""

    label: str
    category: str
    subcategory: str
    min: int
    min_text: str
    max: int | None
    max_text: str
    years: int
    text: str


class StandardOut(msgspec.Struct, frozen=True, kw_only=True):
    """A standard as 达标标准浏览 shows it."""

    name: str
    title_levels: list[str]
    title_levels_text: str
    total_min: int
    total_min_text: str
    text: str
    note: str
    requirements: list[RequirementOut]


class StandardList(msgspec.Struct, frozen=True, kw_only=True):
    """The year's standards of the tenant's province."""

    year: int
    items: list[StandardOut]


class FormsIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Print 学分登记表 (``register``: one year) or 多年度学分验证表 (``years``: up to 10 years) of up to
    2,000 people within the administrator's reach, as one PDF made in the background."""

    form: Literal["register", "years"]
    person_ids: Annotated[list[RowId], msgspec.Meta(min_length=1, max_length=2000)]
    years: Annotated[list[YearNumber], msgspec.Meta(min_length=1, max_length=10)]


class RunIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Start a recomputation of a year."""

    year: YearNumber


class RunOut(msgspec.Struct, frozen=True, kw_only=True):
    """A recomputation job and its outcome."""

    id: int
    year: int
    status: str
    status_label: str
    people: int
    met: int
    seconds: int
    message: str
    created_at: datetime | None
    finished_at: datetime | None


class RunPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of recomputation jobs, newest first."""

    items: list[RunOut]
    total: int
    page: int
    page_size: int
