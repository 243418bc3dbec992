"""Compliance queries: one person's year, the people list, statistics, the standards and the stored results.

Everything runs in the active tenant's scope; the raw statements name the tenant themselves (raw SQL
passes the ORM's scope by). Small selections (a learner, a department, an institution, or a list
narrowed to one unit) are evaluated live; the tenant-wide and region-wide list and statistics read the
stored :class:`ComplianceResult` rows of the last recomputation, since evaluating a province's hundred
thousand people on every page view would cost seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pluggy
from piccolo.query.functions.aggregate import Max, Min

from cme_platform import clock
from cme_platform.compliance import schemas as s
from cme_platform.compliance.evaluate import (
    RESULT_TAIL,
    Selection,
    SqlBuilder,
    evaluation_sql,
    explain,
    map_category,
    replace_tail,
    selection_clause,
    sums_from_records,
    window_records,
)
from cme_platform.compliance.standards import ComplianceStandard
from cme_platform.compliance.tables import ComplianceResult
from cme_platform.credits.policy import OTHER_CATEGORY, CreditCategory
from cme_platform.credits.status import effective_clause
from cme_platform.credits.tables import CreditRecord
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import NotFound
from cme_platform.orgs.tables import Department, Institution
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.tables import Person
from cme_platform.personnel.vocab import TITLE_LEVELS
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.standards.amounts import format_credits
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.scope import current_tenant

MET_LABELS = {True: "达标", False: "未达标", None: "无适用标准"}
NOT_COMPUTED = "本年度的达标结果尚未计算，请由管理用户在“达标重算”中计算"


@dataclass(frozen=True)
class YearRules:
    """The province's standards and credit categories for a year (from the plugin hooks)."""

    year: int
    standards: list[ComplianceStandard]
    categories: list[CreditCategory]


def year_rules(pm: pluggy.PluginManager, tenant: TenantContext, year: int) -> YearRules:
    """Ask the tenant's plugin for ``year``'s standards and categories."""
    hooks = tenant_hooks(pm, tenant.plugin)
    return YearRules(
        year=year,
        standards=list(hooks.cme_compliance_standards(tenant=tenant, year=year)),
        categories=list(hooks.cme_credit_categories(tenant=tenant, year=year)),
    )


def _postgres() -> bool:
    return bool(Person._meta.db.engine_type == "postgres")


def _text(hundredths: int) -> str:
    return format_credits(hundredths)


def selection_of(access: PersonAccess) -> Selection:
    """The people ``access`` reaches as a :class:`Selection`."""
    org = access.org
    return Selection(
        tenant_wide=org.tenant_wide,
        region_ids=tuple(sorted(org.region_ids)),
        institution_ids=tuple(sorted(org.institution_ids)),
        department_ids=tuple(sorted(org.department_ids)),
    )


def is_small(access: PersonAccess, filters: s.ResultFilter) -> bool:
    """Whether the list is evaluated live: a unit's admin, or a list narrowed to one unit."""
    org = access.org
    if filters.institution_id is not None or filters.department_id is not None:
        return True
    return not org.tenant_wide and not org.region_ids


def live_sql(rules: YearRules, selection: Selection) -> tuple[str, list[Any]]:
    """The evaluation statement for ``selection`` in the active tenant, today."""
    return evaluation_sql(
        tenant_id=current_tenant().id,
        year=rules.year,
        today=clock.today(),
        standards=rules.standards,
        categories=rules.categories,
        selection=selection,
        postgres=_postgres(),
    )


async def evaluate(rules: YearRules, selection: Selection) -> list[dict[str, Any]]:
    """Judge ``selection`` now; one dict per person (``met`` ``None`` without a standard)."""
    text, args = live_sql(rules, selection)
    rows = await Person.raw(text, *args)
    for row in rows:
        row["met"] = None if row["met"] is None else bool(row["met"])
    return list(rows)


def _stored_sql(year: int, selection: Selection, *, people: bool = True) -> tuple[str, list[Any]]:
    """The stored results of ``selection`` in the evaluation statement's column shape.

    ``people=False`` leaves out the person's number and name, and for the whole tenant the join that
    fetches them (statistics over a province read the results alone).
    """
    sql = SqlBuilder()
    tenant = sql.integer(current_tenant().id)
    the_year = sql.integer(year)
    chosen = selection_clause(sql, selection)
    named = "p.person_number, p.name" if people else "NULL AS person_number, NULL AS name"
    joined = people or not selection.tenant_wide or selection.person_id is not None
    join = "JOIN personnel_person p ON p.id = cr.person AND p.tenant = cr.tenant" if joined else ""
    text = f"""
WITH result AS (
SELECT cr.person, {named}, cr.institution, cr.department, cr.title, cr.title_level,
       cr.establishment, cr.status, cr.total_credits, cr.total_hours, cr.counted_credits,
       NULL AS standard_index, cr.met, cr.by_category
FROM compliance_result cr {join}
WHERE cr.tenant = {tenant} AND cr.year = {the_year} AND {chosen}
)"""
    return sql.finish(text + RESULT_TAIL)


def _filter_sql(filters: s.ResultFilter) -> tuple[str, list[Any]]:
    sql = SqlBuilder()
    clauses = ["1 = 1"]
    if filters.institution_id is not None:
        clauses.append(f"r.institution = {sql.integer(filters.institution_id)}")
    if filters.department_id is not None:
        clauses.append(f"r.department = {sql.integer(filters.department_id)}")
    if filters.title_level:
        clauses.append(f"r.title_level = {sql.text(filters.title_level)}")
    if filters.met is True:
        clauses.append("r.met = (1 = 1)")
    elif filters.met is False:
        clauses.append("(r.met IS NULL OR r.met = (1 = 0))")
    if filters.q:
        escaped = filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(f"r.name LIKE {sql.text(escaped + '%')} ESCAPE '\\'")
    return sql.finish(" AND ".join(clauses))


async def _computed_at(year: int) -> datetime | None:
    row = (
        await ComplianceResult.select(ComplianceResult.computed_at)
        .where(ComplianceResult.year == year)
        .order_by(ComplianceResult.computed_at, ascending=False)
        .first()
    )
    return row["computed_at"] if row else None


async def _source(
    rules: YearRules, access: PersonAccess, filters: s.ResultFilter, *, people: bool = True
) -> tuple[str, list[Any], str, datetime | None]:
    selection = selection_of(access)
    if is_small(access, filters):
        text, args = live_sql(rules, selection)
        return text, args, "live", None
    text, args = _stored_sql(rules.year, selection, people=people)
    return text, args, "stored", await _computed_at(rules.year)


def _met(value: Any) -> bool | None:
    return None if value is None else bool(value)


async def _name_map(table: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await table.select(table.id, table.name).where(table.id.is_in(sorted(ids)))
    return {r["id"]: r["name"] for r in rows}


async def _names(rows: list[dict[str, Any]]) -> tuple[dict[int, str], dict[int, str]]:
    """The names of the institutions and departments the ``rows`` name (only those)."""
    institutions = await _name_map(Institution, {r["institution"] for r in rows if r.get("institution")})
    departments = await _name_map(Department, {r["department"] for r in rows if r.get("department")})
    return institutions, departments


def _result(row: dict[str, Any], institutions: dict[int, str], departments: dict[int, str]) -> s.PersonResult:
    met = _met(row["met"])
    return s.PersonResult(
        id=row["person"],
        person_number=row["person_number"],
        name=row["name"],
        institution_name=institutions.get(row["institution"], ""),
        department_name=departments.get(row["department"], "") if row["department"] else "",
        title=row["title"],
        title_level=row["title_level"],
        establishment=row["establishment"],
        total_credits=int(row["total_credits"]),
        total_credits_text=_text(int(row["total_credits"])),
        counted_credits=int(row["counted_credits"]),
        counted_credits_text=_text(int(row["counted_credits"])),
        met=met,
        met_label=MET_LABELS[met],
    )


async def list_results(
    rules: YearRules,
    access: PersonAccess,
    filters: s.ResultFilter,
    *,
    page: int = 1,
    page_size: int = 20,
    everything: bool = False,
) -> s.PersonResultPage:
    """A page of the people's results (``everything``: every row, for the export)."""
    source, source_args, kind, computed_at = await _source(rules, access, filters)
    where, where_args = _filter_sql(filters)
    query = replace_tail(
        source, f"SELECT r.*, COUNT(*) OVER () AS n FROM result r WHERE {where} ORDER BY r.person_number"
    )
    args = [*source_args, *where_args]
    if not everything:
        query += " LIMIT {} OFFSET {}"
        args += [page_size, (page - 1) * page_size]
    rows = await Person.raw(query, *args)
    if rows:
        total = int(rows[0]["n"])
    else:  # a page past the end: count on its own
        counted = replace_tail(source, f"SELECT COUNT(*) AS n FROM result r WHERE {where}")
        total = int((await Person.raw(counted, *source_args, *where_args))[0]["n"])
    institutions, departments = await _names(rows)
    return s.PersonResultPage(
        year=rules.year,
        items=[_result(r, institutions, departments) for r in rows],
        total=total,
        page=page,
        page_size=page_size,
        source=kind,  # type: ignore[arg-type]
        computed_at=computed_at,
    )


_GROUP_COLUMNS = {
    "title_level": "r.title_level",
    "title": "r.title",
    "department": "r.department",
    "establishment": "r.establishment",
}


def _group(key: str, label: str, people: int, met: int, credits: int) -> s.StatisticsGroup:
    rate = met / people if people else 0.0
    average = round(credits / people) if people else 0
    return s.StatisticsGroup(
        key=key,
        label=label,
        people=people,
        met=met,
        rate=round(rate, 4),
        rate_text=f"{rate * 100:.1f}%",
        average_credits=average,
        average_credits_text=f"{average / 100:.2f}",
    )


async def statistics(rules: YearRules, access: PersonAccess, by: s.StatisticsDimension) -> s.Statistics:
    """学分完成情况统计: per group of ``by``, people, met, rate and the average credits."""
    empty = s.ResultFilter()
    source, args, kind, computed_at = await _source(rules, access, empty, people=False)
    column = _GROUP_COLUMNS[by]
    outer = (
        f"SELECT {column} AS k, MIN(r.institution) AS institution, COUNT(*) AS people, "
        "SUM(CASE WHEN r.met = (1 = 1) THEN 1 ELSE 0 END) AS met, SUM(r.total_credits) AS credits "
        f"FROM result r GROUP BY {column} ORDER BY {column}"
    )
    rows = await Person.raw(replace_tail(source, outer), *args)
    institutions, departments = await _names(
        [
            {"institution": r["institution"], "department": r["k"] if by == "department" else None}
            for r in rows
        ]
    )
    groups = []
    for row in rows:
        key = row["k"]
        if by == "department":
            label = (
                f"{institutions.get(row['institution'], '')} {departments.get(key, '')}"
                if key
                else "未分科室"
            )
        else:
            label = key or "未填写"
        groups.append(
            _group(
                "" if key is None else str(key),
                label,
                int(row["people"]),
                int(row["met"] or 0),
                int(row["credits"] or 0),
            )
        )
    if by == "title_level":
        order = {level: index for index, level in enumerate(TITLE_LEVELS)}
        groups.sort(key=lambda g: order.get(g.key, len(order)))
    overall = _group(
        "",
        "合计",
        sum(g.people for g in groups),
        sum(g.met for g in groups),
        sum(int(r["credits"] or 0) for r in rows),
    )
    return s.Statistics(
        year=rules.year,
        by=by,
        by_label=s.DIMENSION_LABELS[by],
        groups=groups,
        overall=overall,
        source=kind,  # type: ignore[arg-type]
        computed_at=computed_at,
    )


# -- one person's year ---------------------------------------------------------------------------


async def own_person_id(account_id: int) -> int:
    """The learner's own person (404 when the account has none)."""
    row = await Person.select(Person.id).where(Person.account == account_id).first()
    if row is None:
        raise NotFound("您的账号没有关联的人员信息，请联系所在单位")
    return int(row["id"])


def _summary(
    records: Sequence[dict[str, Any]], categories: Sequence[CreditCategory] | None
) -> list[s.SummaryRow]:
    """图-9: every category with its subcategories (in the province's order), then 其他."""
    sums: dict[tuple[str, str], list[int]] = {}
    for r in records:
        category = map_category(r["category"], categories)
        keys = [(category, "")] + ([(category, r["subcategory"])] if r["subcategory"] else [])
        for key in keys:
            entry = sums.setdefault(key, [0, 0])
            entry[0] += r["credits"]
            entry[1] += r["hours"]

    def row(label: str, level: int, key: tuple[str, str]) -> s.SummaryRow:
        credits, hours = sums.get(key, [0, 0])
        return s.SummaryRow(
            label=label,
            level=level,
            credits=credits,
            credits_text=_text(credits),
            hours=hours,
            hours_text=_text(hours),
        )

    rows: list[s.SummaryRow] = []
    names = [c.name for c in categories or ()]
    for listed in categories or ():
        rows.append(row(listed.name, 0, (listed.name, "")))
        rows.extend(row(sub, 1, (listed.name, sub)) for sub in listed.subcategories)
    others = sorted({c for c, _ in sums if c not in names and c != OTHER_CATEGORY})
    rows.extend(row(c, 0, (c, "")) for c in others)
    if categories:
        rows.append(row(OTHER_CATEGORY, 0, (OTHER_CATEGORY, "")))
    return rows


def _record(r: dict[str, Any]) -> s.RecordRow:
    return s.RecordRow(
        id=r["id"],
        activity_date=r["activity_date"],
        activity_name=r["activity_name"],
        activity_number=r["activity_number"],
        category=r["category"],
        subcategory=r["subcategory"],
        form=r["form"],
        issuer=r["issuer"],
        credits=r["credits"],
        credits_text=_text(r["credits"]),
        hours=r["hours"],
        hours_text=_text(r["hours"]),
        effective_on=r["effective_on"],
    )


async def person_year(rules: YearRules, selection: Selection, person_id: int) -> s.PersonCompliance:
    """A person's year within ``selection`` (404 outside it): verdict, explanation, summary, records."""
    narrowed = Selection(
        tenant_wide=selection.tenant_wide,
        region_ids=selection.region_ids,
        institution_ids=selection.institution_ids,
        department_ids=selection.department_ids,
        person_id=person_id,
    )
    rows = await evaluate(rules, narrowed)
    if not rows:
        raise NotFound("人员不存在")
    row = rows[0]
    today = clock.today()
    records = await (
        CreditRecord.select(
            CreditRecord.id,
            CreditRecord.activity_date,
            CreditRecord.activity_name,
            CreditRecord.activity_number,
            CreditRecord.category,
            CreditRecord.subcategory,
            CreditRecord.form,
            CreditRecord.issuer,
            CreditRecord.credits,
            CreditRecord.hours,
            CreditRecord.effective_on,
        )
        .where(
            (CreditRecord.person == person_id) & (CreditRecord.year == rules.year) & effective_clause(today)
        )
        .order_by(CreditRecord.activity_date)
    )
    index = row["standard_index"]
    standard = rules.standards[int(index)] if index is not None else None
    window = await window_records(person_id, rules.year, rules.standards)
    sums = sums_from_records(window, rules.year, rules.categories, today)
    institutions, departments = await _names([row])
    met = _met(row["met"])
    return s.PersonCompliance(
        person_id=person_id,
        person_number=row["person_number"],
        name=row["name"],
        institution_name=institutions.get(row["institution"], ""),
        department_name=departments.get(row["department"], "") if row["department"] else "",
        title=row["title"],
        title_level=row["title_level"],
        year=rules.year,
        standard_name=standard.name if standard else "",
        standard_text=standard.text if standard else "",
        met=met,
        met_label=MET_LABELS[met],
        explanation=explain(standard, sums),
        total_credits=int(row["total_credits"]),
        total_credits_text=_text(int(row["total_credits"])),
        counted_credits=int(row["counted_credits"]),
        counted_credits_text=_text(int(row["counted_credits"])),
        total_hours=int(row["total_hours"]),
        total_hours_text=_text(int(row["total_hours"])),
        summary=_summary(records, rules.categories),
        records=[_record(r) for r in records],
    )


# -- the standards -------------------------------------------------------------------------------


def describe_standards(rules: YearRules) -> s.StandardList:
    """达标标准浏览: each standard with its requirement rows."""
    items = [
        s.StandardOut(
            name=st.name,
            title_levels=list(st.title_levels),
            title_levels_text="、".join(st.title_levels) or "全部职称级别",
            total_min=st.total_min,
            total_min_text=_text(st.total_min),
            text=st.text,
            note=st.note,
            requirements=[
                s.RequirementOut(
                    label=r.label,
                    category=r.category,
                    subcategory=r.subcategory,
                    min=r.min,
                    min_text=_text(r.min),
                    max=r.max,
                    max_text="" if r.max is None else _text(r.max),
                    years=r.years,
                    text=r.text,
                )
                for r in st.requirements
            ],
        )
        for st in rules.standards
    ]
    return s.StandardList(year=rules.year, items=items)


# -- stored results ------------------------------------------------------------------------------


def _insert_sql(rules: YearRules, selection: Selection) -> tuple[str, list[Any]]:
    """``INSERT … SELECT`` of the evaluation of ``selection`` into :class:`ComplianceResult`, with args."""
    text, args = live_sql(rules, selection)
    stamp = "CAST({} AS TIMESTAMPTZ)" if _postgres() else "{}"
    insert = f"""
INSERT INTO compliance_result (tenant, person, year, institution, department, title, title_level,
    establishment, status, total_credits, counted_credits, total_hours, by_category, met, computed_at)
SELECT CAST({{}} AS INTEGER), r.person, CAST({{}} AS INTEGER), r.institution, r.department, r.title,
       r.title_level, r.establishment, r.status, r.total_credits, r.counted_credits, r.total_hours,
       r.by_category, COALESCE(r.met, (1 = 0)), {stamp}
FROM ({text}) r
"""
    return insert, [current_tenant().id, rules.year, datetime.now(UTC), *args]


async def _lock_year(year: int) -> None:
    """Serialise the writers of one tenant-year's stored results (a recomputation and the refreshes after
    changes) inside their transactions; SQLite's write transactions are serial already."""
    if _postgres():
        await ComplianceResult.raw("SELECT pg_advisory_xact_lock({}, {})", current_tenant().id, year)


async def store(rules: YearRules) -> tuple[int, int]:
    """Recompute the active tenant's ``year`` into :class:`ComplianceResult` in one transaction.

    The year's rows are deleted and re-inserted by one ``INSERT … SELECT`` of the evaluation
    statement: the database does the work and no person is loaded into Python. Returns (people, met).
    """
    insert, args = _insert_sql(rules, Selection(tenant_wide=True))
    async with write_transaction(ComplianceResult):
        await _lock_year(rules.year)
        await ComplianceResult.delete().where(ComplianceResult.year == rules.year)
        await ComplianceResult.raw(insert, *args)
        people = await ComplianceResult.count().where(ComplianceResult.year == rules.year)
        met = await ComplianceResult.count().where(
            (ComplianceResult.year == rules.year) & (ComplianceResult.met == True)  # noqa: E712
        )
    if _postgres():
        # Fresh planner statistics: right after a rewrite PostgreSQL would join the results row by row
        # (measured in bench/: the commission's statistics page 1.2 s before, 0.46 s after).
        await ComplianceResult.raw("ANALYZE compliance_result")
    return int(people), int(met)


async def stored_years(since: int) -> list[int]:
    """The years from ``since`` on that the active tenant has stored results for (computed at least once).

    Index probes only (the first and last year, then one ``EXISTS`` per year between): a ``DISTINCT`` over
    a province's rows took 30 ms, more than the re-judging itself.
    """
    bounds = await ComplianceResult.select(
        Min(ComplianceResult.year, alias="first"), Max(ComplianceResult.year, alias="last")
    ).first()
    if bounds is None or bounds["first"] is None:
        return []
    years = range(max(since, int(bounds["first"])), int(bounds["last"]) + 1)
    return [year for year in years if await ComplianceResult.exists().where(ComplianceResult.year == year)]


REFRESH_BATCH = 500
"""People re-judged by one statement (bind parameters stay far below PostgreSQL's limit)."""


async def refresh_people(pm: pluggy.PluginManager, person_ids: Sequence[int], since: int) -> int:
    """Re-judge ``person_ids`` in every stored year from ``since`` on (a credit counts in later years'
    windows too), set-based in batches; returns the result rows written. Years never computed stay so."""
    tenant = current_tenant()
    people = list(dict.fromkeys(person_ids))
    written = 0
    for year in await stored_years(since):
        rules = year_rules(pm, tenant, year)
        for start in range(0, len(people), REFRESH_BATCH):
            batch = tuple(people[start : start + REFRESH_BATCH])
            insert, args = _insert_sql(rules, Selection(tenant_wide=True, person_ids=batch))
            async with write_transaction(ComplianceResult):
                await _lock_year(year)
                await ComplianceResult.delete().where(
                    (ComplianceResult.year == year) & ComplianceResult.person.is_in(list(batch))
                )
                await ComplianceResult.raw(insert, *args)
                written += await ComplianceResult.count().where(
                    (ComplianceResult.year == year) & ComplianceResult.person.is_in(list(batch))
                )
    return written
