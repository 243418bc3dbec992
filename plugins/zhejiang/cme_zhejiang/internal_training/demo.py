"""Zhejiang's demo internal trainings: one of each stage, organised by the demo department (科室账户).

- held five days ago, approved, attended, scored and written off by the institution (its credits posted);
- held yesterday, approved and attended, waiting for the department's scores (待评分);
- next week's, waiting in the institution administrator's inbox (待单位审核);
- a draft with its one session, not yet submitted.

The demo learner is left out of the attendance, so that his own credits stay those the core's demo gives
him. Loaded once: a second ``cme demo`` finds the trainings and adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pluggy
from cme_platform import clock, pii
from cme_platform.approvals import engine
from cme_platform.attendance.demo import attend
from cme_platform.demo import DEMO_LEARNER_ID
from cme_platform.identity.principal import Principal, load_principal_by_id
from cme_platform.identity.tables import Account
from cme_platform.personnel.tables import Person
from cme_platform.plugins.manager import active_plugin_manager

from cme_zhejiang.internal_training import SESSION_KIND, scoring, service
from cme_zhejiang.internal_training.tables import Training

DISCIPLINE = ("临床内科学", "心血管病学")


async def _principal(username: str) -> Principal | None:
    row = await Account.select(Account.id).where(Account.username == username).first()
    return await load_principal_by_id(row["id"]) if row else None


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.CHINA)


async def _training(
    department: Principal, name: str, form: str, day: date, credits: str, title: str
) -> service.TrainingOut:
    training = await service.create_training(
        department,
        service.TrainingIn(
            year=day.year,
            name=name,
            level="科室组织的活动",
            credits=Decimal(credits),
            hours=Decimal(2),
            discipline=DISCIPLINE[0],
            subdiscipline=DISCIPLINE[1],
            form=form,
            assessment="考勤",
            note="演示数据",
        ),
    )
    return await service.add_session(
        department,
        training.id,
        service.SessionIn(
            title=title,
            speaker="王主任（演示）",
            starts_at=_at(day, 14),
            ends_at=_at(day, 16),
            venue="内科示教室",
        ),
    )


async def _approved(
    pm: pluggy.PluginManager, department: Principal, institution: Principal, training_id: int
) -> None:
    submitted = await service.submit_training(pm, department, training_id)
    assert submitted.approval_id is not None  # a department's training goes to its institution
    await engine.decide(pm, institution, submitted.approval_id, "approve", "同意举办")


async def _attendees(institution_id: int) -> list[int]:
    """Five people of the demo institution, the demo learner left out."""
    rows = await (
        Person.select(Person.id)
        .where((Person.institution == institution_id) & (Person.id_hash != pii.lookup_hash(DEMO_LEARNER_ID)))
        .order_by(Person.person_number)
        .limit(5)
    )
    return [int(r["id"]) for r in rows]


async def load_demo_trainings() -> None:
    """The demo department's trainings, one of each stage (see the module's docstring)."""
    department = await _principal("dept_admin")
    institution = await _principal("inst_admin")
    if department is None or institution is None or await Training.exists():
        return
    pm = active_plugin_manager()
    today = clock.today()
    done = await _training(
        department,
        "心电图判读业务学习（演示）",
        "业务学习",
        today - timedelta(days=5),
        "0.5",
        "常见心律失常心电图判读",
    )
    await _approved(pm, department, institution, done.id)
    people = await _attendees(done.institution_id)
    await attend(pm, department, SESSION_KIND, [s.id for s in done.sessions], people)
    sheet = await scoring.save_scores(
        pm,
        department,
        done.id,
        scoring.ScoresIn(
            scores=[
                scoring.ScoreIn(person_id=r.person_id, credits=Decimal(r.credits) / 100)
                for r in (await scoring.score_sheet(pm, department, done.id)).rows
            ],
            write_off=True,
        ),
    )
    if sheet.approval_id is not None:
        await engine.decide(pm, institution, sheet.approval_id, "approve", "核销通过")
    held = await _training(
        department,
        "院内感染防控培训（演示）",
        "技能培训",
        today - timedelta(days=1),
        "0.5",
        "手卫生与职业防护",
    )
    await _approved(pm, department, institution, held.id)
    await attend(pm, department, SESSION_KIND, [s.id for s in held.sessions], people[:4])
    waiting = await _training(
        department,
        "急危重症识别与处置讲座（演示）",
        "学术讲座",
        today + timedelta(days=7),
        "1",
        "早期预警评分的应用",
    )
    await service.submit_training(pm, department, waiting.id)
    await _training(
        department,
        "科室读书报告会（演示）",
        "业务学习",
        today + timedelta(days=14),
        "0.5",
        "指南解读读书报告",
    )
