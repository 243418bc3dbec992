"""Set-based compliance evaluation: the edges of the rules, title changes, effectiveness, SQL vs Python."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from cme_platform.clock import frozen_today
from cme_platform.compliance.evaluate import (
    NO_STANDARD,
    PersonSums,
    Selection,
    explain,
    judge,
    pick_standard,
    sums_from_records,
)
from cme_platform.compliance.service import YearRules, evaluate, store
from cme_platform.compliance.standards import ComplianceStandard, Requirement
from cme_platform.compliance.tables import ComplianceResult
from cme_platform.credits.policy import CreditCategory
from cme_platform.credits.tables import CreditRecord
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.service import document_columns
from cme_platform.personnel.tables import Person, PersonYear
from cme_platform.tenancy.scope import scope

TODAY = date(2026, 11, 27)
YEAR = 2026
CAT_I, CAT_II = "I类学分", "II类学分"
CATEGORIES = [
    CreditCategory(name=CAT_I, subcategories=("国家级", "省级", "市级")),
    CreditCategory(name=CAT_II, subcategories=("自学", "其他形式")),
]
I_MIN = Requirement(label=CAT_I, category=CAT_I, min=1000)
II_MAX = Requirement(label=CAT_II, category=CAT_II, max=1500)
NATIONAL = Requirement(label="国家级项目", category=CAT_I, subcategory="国家级", min=1000, years=5)
STANDARDS = [
    ComplianceStandard(name="初级", total_min=2000, title_levels=("初级",), requirements=(I_MIN,)),
    ComplianceStandard(name="中级", total_min=2500, title_levels=("中级",), requirements=(I_MIN, II_MAX)),
    ComplianceStandard(
        name="高级", total_min=2500, title_levels=("副高", "正高"), requirements=(I_MIN, II_MAX, NATIONAL)
    ),
]
RULES = YearRules(year=YEAR, standards=STANDARDS, categories=CATEGORIES)
TITLES = {"初级": "医师", "中级": "主治医师", "副高": "副主任医师", "正高": "主任医师", "": "见习"}
_serial = iter(range(1, 1_000_000))


async def add_person(
    world: Any, name: str, level: str, *, department: bool = True, account: int | None = None
) -> int:
    """A person of the world's institution (and department) with a title of ``level``."""
    number = (await reserve_person_numbers(1))[0]
    person = Person(
        name=name,
        gender="男",
        person_number=number,
        institution=world.institution_id,
        department=world.department_id if department else None,
        title=TITLES[level],
        title_level=level,
        account=account,
        **document_columns(f"E{next(_serial):07d}"),  # type: ignore[arg-type]
    )
    await Person.insert(person)
    return int(person.id)


def credit(
    world: Any,
    person_id: int,
    category: str,
    credits: int,
    *,
    year: int = YEAR,
    subcategory: str = "",
    status: str = "approved",
    effective_on: date | None = None,
    hours: int = 0,
) -> CreditRecord:
    """An unsaved credit record (approved and effective mid-year unless told)."""
    return CreditRecord(
        person=person_id,
        institution=world.institution_id,
        department=world.department_id,
        year=year,
        activity_date=date(year, 5, 1),
        activity_name=f"{category}活动",
        category=category,
        subcategory=subcategory,
        credits=credits,
        hours=hours,
        status=status,
        effective_on=effective_on if effective_on is not None or status != "approved" else date(year, 6, 1),
        idempotency_key=f"test:{uuid4().hex}",
    )


async def results(rules: YearRules = RULES) -> dict[int, dict[str, Any]]:
    """The live evaluation of the whole tenant, by person."""
    return {r["person"]: r for r in await evaluate(rules, Selection(tenant_wide=True))}


async def test_edges_of_the_rules(world):
    with scope(world.tenant), frozen_today(TODAY):
        people = {
            k: await add_person(world, k, level)
            for k, level in [
                ("exact", "中级"),
                ("short", "中级"),
                ("capped", "中级"),
                ("unlisted", "中级"),
                ("i_short", "中级"),
                ("nothing", "初级"),
                ("no_level", ""),
                ("window", "副高"),
                ("old", "正高"),
                ("statuses", "中级"),
                ("tomorrow", "中级"),
            ]
        }
        p = people
        tomorrow = TODAY + timedelta(days=1)
        rows = [
            credit(world, p["exact"], CAT_I, 1000),
            credit(world, p["exact"], CAT_II, 1500),
            credit(world, p["short"], CAT_I, 1000),
            credit(world, p["short"], CAT_II, 1499),
            credit(world, p["capped"], CAT_I, 1000),
            credit(world, p["capped"], CAT_II, 2200),
            credit(world, p["unlisted"], CAT_I, 1000),
            credit(world, p["unlisted"], CAT_II, 500),
            credit(world, p["unlisted"], "讲座学分", 1000),
            credit(world, p["i_short"], CAT_I, 500),
            credit(world, p["i_short"], CAT_II, 1500),
            credit(world, p["i_short"], "III类", 500),
            credit(world, p["no_level"], CAT_I, 3000),
            credit(world, p["window"], CAT_I, 2500, subcategory="省级"),
            credit(world, p["window"], CAT_I, 600, subcategory="国家级", year=2023),
            credit(world, p["window"], CAT_I, 400, subcategory="国家级", year=2022),
            credit(world, p["old"], CAT_I, 2500, subcategory="省级"),
            credit(world, p["old"], CAT_I, 1000, subcategory="国家级", year=2021),
            credit(world, p["statuses"], CAT_I, 1000),
            *[
                credit(world, p["statuses"], CAT_II, 1500, status=st)
                for st in ("returned", "rejected", "draft", "submitted")
            ],
            credit(world, p["tomorrow"], CAT_I, 1000),
            credit(world, p["tomorrow"], CAT_II, 1500, effective_on=tomorrow),
        ]
        await CreditRecord.insert(*rows)
        got = await results()
        met = {k: got[v]["met"] for k, v in p.items()}
        assert met == {
            "exact": True,
            "short": False,
            "capped": True,
            "unlisted": True,
            "i_short": False,
            "nothing": False,
            "no_level": None,
            "window": True,
            "old": False,
            "statuses": False,
            "tomorrow": False,
        }
        assert got[p["short"]]["counted_credits"] == 2499
        capped = got[p["capped"]]
        assert (capped["total_credits"], capped["counted_credits"]) == (3200, 2500)
        assert json.loads(got[p["i_short"]]["by_category"]) == {CAT_I: 500, CAT_II: 1500, "其他": 500}
        assert json.loads(got[p["unlisted"]]["by_category"])["其他"] == 1000
        assert got[p["nothing"]]["total_credits"] == 0 and got[p["nothing"]]["by_category"] == "{}"
        assert got[p["statuses"]]["total_credits"] == 1000
        with frozen_today(tomorrow):
            later = await results()
        assert later[p["tomorrow"]]["met"] is True

    sums = PersonSums(year=YEAR)
    sums.add(YEAR, CAT_I, "", 300)
    sums.add(YEAR, CAT_II, "", 2200)
    lines = explain(STANDARDS[1], sums)
    assert lines == [
        "年度学分 25.00 分，计入 18.00 分，未达到 25 分，还差 7.00 分",
        "I类学分 3.00 分，不少于 10 分，还差 7.00 分",
        "II类学分 22.00 分，最多计 15 分",
    ]
    assert explain(None, sums) == [NO_STANDARD]
    window = PersonSums(year=YEAR)
    window.add(2023, CAT_I, "国家级", 1000)
    assert "5年内国家级项目 10.00 分，不少于 10 分，已达到" in explain(STANDARDS[2], window)


async def test_each_year_is_judged_by_that_years_title(world):
    with scope(world.tenant), frozen_today(TODAY):
        person = await add_person(world, "晋升", "副高")
        await PersonYear.insert(
            PersonYear(
                person=person,
                year=2025,
                title="主治医师",
                title_level="中级",
                institution=world.institution_id,
            ),
            PersonYear(
                person=person,
                year=2026,
                title="副主任医师",
                title_level="副高",
                institution=world.institution_id,
            ),
        )
        await CreditRecord.insert(
            *[
                r
                for year in (2025, 2026)
                for r in (
                    credit(world, person, CAT_I, 1000, year=year),
                    credit(world, person, CAT_II, 1500, year=year),
                )
            ]
        )
        y2025 = (await results(YearRules(year=2025, standards=STANDARDS, categories=CATEGORIES)))[person]
        y2026 = (await results())[person]
    assert (y2025["title_level"], y2025["met"]) == ("中级", True)
    assert (y2026["title_level"], y2026["met"]) == ("副高", False)  # 高级 asks for 国家级 credits too


LEVELS = ("初级", "中级", "副高", "正高", "")
STATUSES = ("approved", "approved", "approved", "returned", "rejected", "draft", "submitted")


async def _random_world(world: Any, rng: random.Random, people: int) -> list[dict[str, Any]]:
    ids = []
    for n in range(people):
        ids.append(await add_person(world, f"随机{n}", rng.choice(LEVELS), department=rng.random() < 0.8))
    years = [
        PersonYear(
            person=pid,
            year=YEAR,
            title="医师",
            title_level=rng.choice(LEVELS),
            institution=world.institution_id,
        )
        for pid in ids
        if rng.random() < 0.3
    ]
    if years:
        await PersonYear.insert(*years)
    records = []
    for pid in ids:
        for _ in range(rng.randint(0, 8)):
            category = rng.choice([CAT_I, CAT_I, CAT_II, CAT_II, "讲座学分"])
            subs = {CAT_I: ("国家级", "省级", ""), CAT_II: ("自学", "")}.get(category, ("",))
            status = rng.choice(STATUSES)
            effective = (
                TODAY + timedelta(days=rng.choice([-200, -30, -1, 0, 1, 30]))
                if status == "approved"
                else None
            )
            records.append(
                credit(
                    world,
                    pid,
                    category,
                    rng.choice([50, 100, 250, 500, 800, 1000, 1500]),
                    year=rng.choice([2020, 2022, 2024, 2025, 2026, 2026, 2026]),
                    subcategory=rng.choice(subs),
                    status=status,
                    effective_on=effective,
                    hours=rng.choice([0, 300, 1500]),
                )
            )
    for start in range(0, len(records), 500):
        await CreditRecord.insert(*records[start : start + 500])
    return [
        {
            "status": r.status,
            "effective_on": r.effective_on,
            "year": r.year,
            "category": r.category,
            "subcategory": r.subcategory,
            "credits": r.credits,
            "person": r.person,
        }
        for r in records
    ]


async def test_sql_verdict_equals_python_verdict_on_random_data(world):
    rng = random.Random(20261127)
    with scope(world.tenant), frozen_today(TODAY):
        records = await _random_world(world, rng, 300)
        got = await results()
        levels = {r["person"]: r["title_level"] for r in got.values()}
    assert len(got) == 300
    by_person: dict[int, list[dict[str, Any]]] = {}
    for r in records:
        by_person.setdefault(r["person"], []).append(r)
    verdicts = {True: 0, False: 0, None: 0}
    for person, row in got.items():
        sums = sums_from_records(by_person.get(person, []), YEAR, CATEGORIES, TODAY)
        verdict = judge(pick_standard(STANDARDS, levels[person]), sums)
        assert (row["met"], row["total_credits"], row["counted_credits"]) == (
            verdict.met,
            verdict.total,
            verdict.counted,
        ), f"person {person}: SQL {row} vs Python {verdict}"
        verdicts[verdict.met] += 1
    assert all(verdicts.values()), verdicts  # the data exercises every outcome


async def test_stored_results_equal_live_results(world):
    rng = random.Random(7)
    with scope(world.tenant), frozen_today(TODAY):
        await _random_world(world, rng, 60)
        await ComplianceResult.insert(
            ComplianceResult(person=await add_person(world, "旧", "初级"), year=YEAR)
        )
        live = await results()
        people, met = await store(RULES)
        stored = await ComplianceResult.select().where(ComplianceResult.year == YEAR)
    assert people == len(live) == len(stored) == 61
    assert met == sum(1 for r in live.values() if r["met"])
    for row in stored:
        expected = live[row["person"]]
        for key in ("institution", "department", "title", "title_level", "establishment", "status"):
            assert row[key] == expected[key], key
        assert (row["total_credits"], row["counted_credits"], row["total_hours"]) == (
            expected["total_credits"],
            expected["counted_credits"],
            expected["total_hours"],
        )
        assert json.loads(row["by_category"]) == json.loads(expected["by_category"])
        assert row["met"] is bool(expected["met"])


async def test_a_province_without_standards_judges_nobody(world):
    """No standard (the core's default): every person is "无适用标准", never a placeholder standard."""
    with scope(world.tenant), frozen_today(TODAY):
        person = await add_person(world, "无标准", "中级")
        await CreditRecord.insert(credit(world, person, CAT_I, 500))
        got = (await results(YearRules(year=YEAR, standards=[], categories=[])))[person]
    assert got["standard_index"] is None and got["met"] is None
    assert got["total_credits"] == 500
