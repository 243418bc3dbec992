"""已举办院内活动查看统计 (seed 002 §4.2): a year's internal trainings by department, how far their review
and their holding have come, and how many people took part and were granted credits."""

from __future__ import annotations

from collections import defaultdict

import msgspec
from cme_platform import clock
from cme_platform.attendance.tables import Attendance
from cme_platform.identity.principal import Principal
from cme_platform.standards.amounts import format_credits
from piccolo.query.functions.aggregate import Count, Sum

from cme_zhejiang.internal_training import SESSION_KIND
from cme_zhejiang.internal_training.service import (
    TrainingStatus,
    WriteOffStatus,
    held_before,
    is_held,
    visible,
)
from cme_zhejiang.internal_training.tables import Training, TrainingScore, TrainingWriteOff


class StatisticsRow(msgspec.Struct, frozen=True, kw_only=True):
    """One department's (or a whole institution's) trainings of the year."""

    institution_name: str
    department_name: str
    trainings: int
    submitted: int
    """待单位审核."""
    approved: int
    held: int
    written_off: int
    attendees: int
    """参加人次: people who checked in, counted once per training."""
    granted: int
    """授分人次: credits posted by a write-off."""
    credits: int
    credits_text: str


class Statistics(msgspec.Struct, frozen=True, kw_only=True):
    """The year's rows, and their sum."""

    year: int
    rows: list[StatisticsRow]
    total: StatisticsRow


def _row(institution: str, department: str, counts: dict[str, int]) -> StatisticsRow:
    return StatisticsRow(
        institution_name=institution,
        department_name=department,
        trainings=counts["trainings"],
        submitted=counts["submitted"],
        approved=counts["approved"],
        held=counts["held"],
        written_off=counts["written_off"],
        attendees=counts["attendees"],
        granted=counts["granted"],
        credits=counts["credits"],
        credits_text=format_credits(counts["credits"]),
    )


async def statistics(principal: Principal, year: int | None = None) -> Statistics:
    """The trainings of ``year`` (this year by default) the caller reads, summed by department."""
    year = year or clock.today().year
    chosen = visible(principal) & (Training.year == year)
    of_year = Training.select(Training.id).where(chosen)
    trainings = await Training.select(
        Training.id,
        Training.status,
        Training.ends_at,
        Training.institution,
        Training.department,
        Training.institution.name.as_alias("institution_name"),
        Training.department.name.as_alias("department_name"),
    ).where(chosen)
    before = held_before()
    write_offs = {
        w["training"]: w
        for w in await TrainingWriteOff.select(
            TrainingWriteOff.id, TrainingWriteOff.training, TrainingWriteOff.status
        ).where(TrainingWriteOff.training.is_in(of_year))
    }
    attendees = {
        r["group_id"]: int(r["people"])
        for r in await Attendance.select(
            Attendance.group_id, Count(distinct=[Attendance.person], alias="people")
        )
        .where(
            (Attendance.session_kind == SESSION_KIND)
            & Attendance.group_id.is_in(of_year)
            & Attendance.person.is_not_null()
        )
        .group_by(Attendance.group_id)
    }
    granted = {
        r["write_off"]: (int(r["people"]), int(r["credits"] or 0))
        for r in await TrainingScore.select(
            TrainingScore.write_off, Count(alias="people"), Sum(TrainingScore.credits, alias="credits")
        )
        .where(
            TrainingScore.write_off.is_in(
                TrainingWriteOff.select(TrainingWriteOff.id).where(TrainingWriteOff.training.is_in(of_year))
            )
            & TrainingScore.credit.is_not_null()
        )
        .group_by(TrainingScore.write_off)
    }
    sums: dict[tuple[str, str, int, int], dict[str, int]] = {}
    total: dict[str, int] = defaultdict(int)
    for t in trainings:
        key = (
            t["institution_name"] or "",
            t["department_name"] or "全院",
            t["institution"],
            t["department"] or 0,
        )
        counts = sums.setdefault(key, defaultdict(int))
        write_off = write_offs.get(t["id"])
        people, credits = granted.get(write_off["id"], (0, 0)) if write_off else (0, 0)
        written_off = write_off is not None and write_off["status"] == WriteOffStatus.APPROVED
        approved = t["status"] == TrainingStatus.APPROVED
        held = is_held(t, before)
        for bucket in (counts, total):
            bucket["trainings"] += 1
            bucket["submitted"] += t["status"] == TrainingStatus.SUBMITTED
            bucket["approved"] += approved
            bucket["held"] += held
            bucket["written_off"] += written_off
            bucket["attendees"] += attendees.get(t["id"], 0)
            bucket["granted"] += people
            bucket["credits"] += credits
    return Statistics(
        year=year,
        rows=[
            _row(institution, department, counts)
            for (institution, department, *_), counts in sorted(sums.items())
        ],
        total=_row("合计", "", total),
    )
