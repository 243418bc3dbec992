"""Set-based compliance evaluation: one SQL statement judges a whole selection of people for a year.

The statement aggregates the *effective* credits (:mod:`cme_platform.credits.status`) of the year per
person and category, the window years of requirements with ``years`` > 1 and the subcategory sums of
requirements that name one; takes the person's title level of THAT year (the ``PersonYear`` row, else
the person's current level); picks the first standard whose ``title_levels`` include it; caps the
categories with a ``max``; and says ``met``. The standards come from Python (the province plugin's hook)
as bind parameters in ``VALUES`` lists, so the database does the work and never Python per person.

Rules, shared with the independent Python verdict :func:`judge`:

- total = every effective credit of the year (categories the province does not list count as 其他).
- counted = total minus, for every requirement with a ``max``, the part of its one-year sum above the max.
- met = counted ≥ ``total_min`` and every requirement's window sum ≥ its ``min``.
- nobody is skipped: people without credits are judged on 0; people whose level no standard covers get
  ``met`` = ``None`` (stored as false) and the explanation :data:`NO_STANDARD`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import msgspec

from cme_platform.compliance.standards import ComplianceStandard, Requirement
from cme_platform.credits.policy import OTHER_CATEGORY, CreditCategory
from cme_platform.credits.status import APPROVED
from cme_platform.credits.tables import CreditRecord
from cme_platform.standards.amounts import format_credits

RESULT_TAIL = "\nSELECT r.* FROM result r\n"
"""How evaluation statements end; :func:`replace_tail` puts another query on the ``result`` there."""
NO_STANDARD = "无适用达标标准：本年度的职称级别没有对应的达标标准"


class Selection(msgspec.Struct, frozen=True, kw_only=True):
    """Whose results to compute: the whole tenant, or the union of regions, institutions, departments.

    ``person_id`` narrows any selection to one person, ``person_ids`` to those people.
    """

    tenant_wide: bool = False
    region_ids: tuple[int, ...] = ()
    institution_ids: tuple[int, ...] = ()
    department_ids: tuple[int, ...] = ()
    person_id: int | None = None
    person_ids: tuple[int, ...] = ()


class SqlBuilder:
    """Collects bind arguments behind markers; :meth:`finish` turns them into ``{}`` in text order."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def bind(self, value: Any) -> str:
        """A marker for ``value``, placed where the argument goes."""
        self.values.append(value)
        return f"\x00{len(self.values) - 1}\x00"

    def finish(self, text: str) -> tuple[str, list[Any]]:
        """The text with ``{}`` placeholders and the arguments in the order they appear."""
        parts = text.split("\x00")
        args = [self.values[int(index)] for index in parts[1::2]]
        return "{}".join(parts[::2]), args

    def integer(self, value: int | None) -> str:
        """An integer argument (``NULL`` for ``None``), typed for PostgreSQL."""
        return "CAST(NULL AS INTEGER)" if value is None else f"CAST({self.bind(value)} AS INTEGER)"

    def text(self, value: str) -> str:
        """A text argument, typed for PostgreSQL."""
        return f"CAST({self.bind(value)} AS VARCHAR)"

    def in_list(self, column: str, values: Iterable[int]) -> str:
        """``column IN (…)`` over integer arguments."""
        return f"{column} IN ({', '.join(self.integer(v) for v in values)})"


def _listed(categories: Sequence[CreditCategory] | None) -> list[str]:
    return [c.name for c in categories or ()]


def selection_clause(sql: SqlBuilder, selection: Selection) -> str:
    """The condition on ``personnel_person p`` that keeps the people of ``selection``."""
    clauses: list[str] = []
    if not selection.tenant_wide:
        if selection.institution_ids:
            clauses.append(sql.in_list("p.institution", selection.institution_ids))
        if selection.department_ids:
            clauses.append(sql.in_list("p.department", selection.department_ids))
        if selection.region_ids:
            regions = sql.in_list("i.region", selection.region_ids)
            clauses.append(f"p.institution IN (SELECT i.id FROM org_institution i WHERE {regions})")
        if not clauses:
            clauses.append("1 = 0")
    where = f"({' OR '.join(clauses)})" if clauses else "1 = 1"
    if selection.person_id is not None:
        where += f" AND p.id = {sql.integer(selection.person_id)}"
    if selection.person_ids:
        where += f" AND {sql.in_list('p.id', selection.person_ids)}"
    return where


def evaluation_sql(
    *,
    tenant_id: int,
    year: int,
    today: date,
    standards: Sequence[ComplianceStandard],
    categories: Sequence[CreditCategory] | None,
    selection: Selection,
    postgres: bool,
) -> tuple[str, list[Any]]:
    """The ``SELECT`` that judges ``selection`` for ``year``, with its arguments.

    Columns: person, person_number, name, institution, department, title, title_level, establishment,
    status, total_credits, total_hours, counted_credits, standard_index (``NULL``: no standard), met
    (``NULL`` without a standard) and by_category (JSON text, credits per category).
    """
    sql = SqlBuilder()
    tenant = sql.integer(tenant_id)
    std_rows = [f"({sql.integer(i)}, {sql.integer(s.total_min)})" for i, s in enumerate(standards)]
    level_rows = [
        f"({sql.integer(i)}, {sql.text(level)})"
        for i, s in enumerate(standards)
        for level in (s.title_levels or ("",))
    ]
    req_rows = [
        f"({sql.integer(i)}, {sql.integer(j)}, {sql.text(r.category)}, {sql.text(r.subcategory)}, "
        f"{sql.integer(r.min)}, {sql.integer(r.max)}, {sql.integer(max(r.years, 1))})"
        for i, s in enumerate(standards)
        for j, r in enumerate(s.requirements)
    ]
    none = "CAST(NULL AS INTEGER)"
    std_rows = std_rows or [f"({sql.integer(-1)}, {none})"]
    level_rows = level_rows or [f"({sql.integer(-1)}, {sql.text('')})"]
    req_rows = req_rows or [
        f"({sql.integer(-1)}, {none}, {sql.text('')}, {sql.text('')}, {none}, {none}, {sql.integer(1)})"
    ]
    window = max([r.years for s in standards for r in s.requirements] + [1])
    listed = _listed(categories)
    if listed:
        names = ", ".join(sql.text(n) for n in listed)
        category = f"CASE WHEN c.category IN ({names}) THEN c.category ELSE {sql.text(OTHER_CATEGORY)} END"
    else:
        category = "c.category"
    first_year = sql.integer(year - window + 1)
    the_year = sql.integer(year)
    today_arg = sql.bind(today)
    chosen = selection_clause(sql, selection)
    by_category = (
        "CAST(json_object_agg(category, credits) AS TEXT)"
        if postgres
        else "json_group_object(category, credits)"
    )
    true, false = "(1 = 1)", "(1 = 0)"
    empty = sql.text("{}")
    text = f"""
WITH std(idx, total_min) AS (VALUES {", ".join(std_rows)}),
std_level(idx, level) AS (VALUES {", ".join(level_rows)}),
req(idx, ridx, category, subcategory, rmin, rmax, years) AS (VALUES {", ".join(req_rows)}),
people AS MATERIALIZED (
  SELECT p.id AS person, p.person_number, p.name, p.institution, p.department,
         COALESCE(py.title, p.title) AS title, COALESCE(py.title_level, p.title_level) AS title_level,
         p.establishment, COALESCE(py.status, p.status) AS status
  FROM personnel_person p
  LEFT JOIN personnel_person_year py
    ON py.tenant = p.tenant AND py.person = p.id AND py.year = {the_year}
  WHERE p.tenant = {tenant} AND {chosen}
),
eff AS MATERIALIZED (
  SELECT c.person, c.year, {category} AS category, c.subcategory, c.credits, c.hours
  FROM credits_record c
  WHERE c.tenant = {sql.integer(tenant_id)} AND c.status = {sql.text(APPROVED)}
    AND c.effective_on <= {today_arg}
    AND c.year BETWEEN {first_year} AND {the_year}
    AND c.person IN (SELECT person FROM people)
),
cat_sum AS MATERIALIZED (
  SELECT person, category, SUM(credits) AS credits, SUM(hours) AS hours
  FROM eff WHERE year = {sql.integer(year)} GROUP BY person, category
),
totals AS MATERIALIZED (
  SELECT person, SUM(credits) AS credits, SUM(hours) AS hours, {by_category} AS by_category
  FROM cat_sum GROUP BY person
),
pick AS MATERIALIZED (
  SELECT pe.person, MIN(sl.idx) AS idx
  FROM people pe JOIN std_level sl ON sl.idx >= 0 AND (sl.level = '' OR sl.level = pe.title_level)
  GROUP BY pe.person
),
req_sum AS MATERIALIZED (
  SELECT pk.person, r.ridx, r.rmin, r.rmax,
         COALESCE(SUM(CASE WHEN e.year >= {sql.integer(year)} - r.years + 1
                           THEN e.credits ELSE 0 END), 0) AS wsum,
         COALESCE(SUM(CASE WHEN e.year = {sql.integer(year)} THEN e.credits ELSE 0 END), 0) AS ysum
  FROM pick pk
  JOIN req r ON r.idx = pk.idx
  LEFT JOIN eff e ON e.person = pk.person AND e.category = r.category
       AND (r.subcategory = '' OR e.subcategory = r.subcategory)
  GROUP BY pk.person, r.ridx, r.rmin, r.rmax
),
req_agg AS MATERIALIZED (
  SELECT person,
         SUM(CASE WHEN rmax IS NOT NULL AND ysum > rmax THEN ysum - rmax ELSE 0 END) AS reduction,
         SUM(CASE WHEN rmin IS NOT NULL AND wsum < rmin THEN 1 ELSE 0 END) AS unmet
  FROM req_sum GROUP BY person
),
result AS MATERIALIZED (
SELECT pe.person, pe.person_number, pe.name, pe.institution, pe.department, pe.title, pe.title_level,
       pe.establishment, pe.status,
       COALESCE(t.credits, 0) AS total_credits, COALESCE(t.hours, 0) AS total_hours,
       COALESCE(t.credits, 0) - COALESCE(ra.reduction, 0) AS counted_credits,
       pk.idx AS standard_index,
       CASE WHEN pk.idx IS NULL THEN NULL
            WHEN COALESCE(t.credits, 0) - COALESCE(ra.reduction, 0) >= s.total_min
                 AND COALESCE(ra.unmet, 0) = 0 THEN {true}
            ELSE {false} END AS met,
       COALESCE(t.by_category, {empty}) AS by_category
FROM people pe
LEFT JOIN pick pk ON pk.person = pe.person
LEFT JOIN std s ON s.idx = pk.idx
LEFT JOIN totals t ON t.person = pe.person
LEFT JOIN req_agg ra ON ra.person = pe.person
)"""
    return sql.finish(text + RESULT_TAIL)


def replace_tail(text: str, outer: str) -> str:
    """The statement with its final ``SELECT r.* FROM result r`` replaced by ``outer`` (reading ``result r``).

    Outer queries go after the ``WITH`` list rather than around it: a ``WITH`` inside a subquery is
    planned far worse by SQLite (seconds instead of a tenth for a unit's thousands of people).
    """
    if not text.endswith(RESULT_TAIL):
        raise ValueError("not an evaluation or stored-results statement")
    return f"{text[: -len(RESULT_TAIL)]}\n{outer}"


# -- the independent Python verdict and the explanation ------------------------------------------


@dataclass
class PersonSums:
    """A person's effective credits by (year, category, subcategory), for :func:`judge` and :func:`explain`.

    ``year`` is the year judged; categories the province does not list are already summed as 其他.
    """

    year: int
    credits: dict[tuple[int, str, str], int] = field(default_factory=dict)

    def add(self, year: int, category: str, subcategory: str, credits: int) -> None:
        """Count one effective record."""
        key = (year, category, subcategory)
        self.credits[key] = self.credits.get(key, 0) + credits

    def total(self) -> int:
        """Every effective credit of the year."""
        return sum(v for (y, _, _), v in self.credits.items() if y == self.year)

    def requirement_sum(self, requirement: Requirement, *, window: bool) -> int:
        """The requirement's category (or subcategory) sum over its window years, or the one year."""
        first = self.year - max(requirement.years, 1) + 1 if window else self.year
        return sum(
            v
            for (y, c, sub), v in self.credits.items()
            if first <= y <= self.year
            and c == requirement.category
            and (not requirement.subcategory or sub == requirement.subcategory)
        )


def map_category(category: str, categories: Sequence[CreditCategory] | None) -> str:
    """The category a record is summed under: its own when listed (or nothing is listed), else 其他."""
    listed = _listed(categories)
    return category if not listed or category in listed else OTHER_CATEGORY


def sums_from_records(
    records: Iterable[dict[str, Any]], year: int, categories: Sequence[CreditCategory] | None, today: date
) -> PersonSums:
    """:class:`PersonSums` of the records (dicts with status, effective_on, year, category, …) in effect."""
    sums = PersonSums(year=year)
    for r in records:
        if r["status"] == APPROVED and r["effective_on"] is not None and r["effective_on"] <= today:
            sums.add(r["year"], map_category(r["category"], categories), r["subcategory"], r["credits"])
    return sums


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """Python's judgement of one person: the sums, ``met`` (``None``: no standard) and the explanation."""

    total: int
    counted: int
    met: bool | None
    lines: list[str]


def pick_standard(standards: Sequence[ComplianceStandard], title_level: str) -> ComplianceStandard | None:
    """The first standard that covers ``title_level``."""
    return next((s for s in standards if s.applies_to(title_level)), None)


def counted_total(standard: ComplianceStandard, sums: PersonSums) -> int:
    """The year's total with every capped requirement's excess left out."""
    reduction = 0
    for r in standard.requirements:
        if r.max is not None:
            reduction += max(0, sums.requirement_sum(r, window=False) - r.max)
    return sums.total() - reduction


def judge(standard: ComplianceStandard | None, sums: PersonSums) -> Verdict:
    """The verdict computed in Python alone (the same rules as the SQL)."""
    total = sums.total()
    if standard is None:
        return Verdict(total=total, counted=total, met=None, lines=[NO_STANDARD])
    counted = counted_total(standard, sums)
    met = counted >= standard.total_min and all(
        sums.requirement_sum(r, window=True) >= r.min for r in standard.requirements
    )
    return Verdict(total=total, counted=counted, met=met, lines=explain(standard, sums))


def _amount(hundredths: int) -> str:
    return f"{hundredths / 100:.2f}"


def explain(standard: ComplianceStandard | None, sums: PersonSums) -> list[str]:
    """Readable lines: the year's total against the minimum, each requirement, each cap."""
    if standard is None:
        return [NO_STANDARD]
    total = sums.total()
    counted = counted_total(standard, sums)
    head = f"年度学分 {_amount(total)} 分"
    if counted != total:
        head += f"，计入 {_amount(counted)} 分"
    if counted >= standard.total_min:
        head += f"，达到 {format_credits(standard.total_min)} 分"
    else:
        short = _amount(standard.total_min - counted)
        head += f"，未达到 {format_credits(standard.total_min)} 分，还差 {short} 分"
    lines = [head]
    for r in standard.requirements:
        label = f"{r.years}年内{r.label}" if r.years > 1 else r.label
        if r.min:
            got = sums.requirement_sum(r, window=True)
            line = f"{label} {_amount(got)} 分，不少于 {format_credits(r.min)} 分"
            line += "，已达到" if got >= r.min else f"，还差 {_amount(r.min - got)} 分"
            lines.append(line)
        if r.max is not None:
            got = sums.requirement_sum(r, window=False)
            line = f"{r.label} {_amount(got)} 分，最多计 {format_credits(r.max)} 分"
            lines.append(line)
    return lines


async def window_records(
    person_id: int, year: int, standards: Sequence[ComplianceStandard]
) -> list[dict[str, Any]]:
    """The person's records of ``year`` and of the window years the standards look back on."""
    window = max([r.years for s in standards for r in s.requirements] + [1])
    return await CreditRecord.select(
        CreditRecord.year,
        CreditRecord.category,
        CreditRecord.subcategory,
        CreditRecord.credits,
        CreditRecord.status,
        CreditRecord.effective_on,
    ).where(
        (CreditRecord.person == person_id)
        & (CreditRecord.year >= year - window + 1)
        & (CreditRecord.year <= year)
    )
