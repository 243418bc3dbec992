"""What Zhejiang gives the platform's test kit: a row factory of each of its tables (isolation check)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.service import document_columns
from cme_platform.personnel.tables import Person
from cme_platform.testkit.isolation import row_factory
from cme_platform.testkit.world import OrgWorld

from cme_zhejiang.internal_training.tables import Training, TrainingScore, TrainingSession, TrainingWriteOff

MOMENT = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)

_made: dict[int, dict[str, int]] = {}
"""The rows made for each world's tenant, so that each factory makes its table's row once."""


async def _rows(world: OrgWorld) -> dict[str, int]:
    """A written-off training of the world's first department with a session and one scored person."""
    made = _made.get(world.tenant.id)
    if made is not None and await Training.exists().where(Training.id == made["training"]):
        return made
    training = Training(
        institution=world.institution_id,
        department=world.department_id,
        year=2026,
        name="隔离测试内部培训",
        level="科室组织的活动",
        credits=50,
        hours=200,
        form="业务学习",
        status="approved",
        starts_at=MOMENT,
        ends_at=MOMENT,
        created_by=world.accounts["department"],
    )
    await training.save()
    moment = MOMENT
    session = TrainingSession(
        training=training.id, title="隔离测试课程", starts_at=moment, ends_at=moment, hours=200
    )
    await session.save()
    write_off = TrainingWriteOff(training=training.id, status="submitted")
    await write_off.save()
    facts: dict[str, Any] = {
        "name": "隔离学员",
        "gender": "女",
        "person_number": (await reserve_person_numbers(1))[0],
        "institution": world.institution_id,
        "department": world.department_id,
        **document_columns("330106199001010018"),
    }
    person = Person(**facts)
    await person.save()
    score = TrainingScore(write_off=write_off.id, person=person.id, hours=200, credits=50)
    await score.save()
    made = {
        "training": int(training.id),
        "session": int(session.id),
        "write_off": int(write_off.id),
        "score": int(score.id),
    }
    _made[world.tenant.id] = made
    return made


@row_factory(Training)
async def trainings(world: OrgWorld) -> list[int]:
    """An approved training of the world's first department."""
    return [(await _rows(world))["training"]]


@row_factory(TrainingSession)
async def training_sessions(world: OrgWorld) -> list[int]:
    """The training's session."""
    return [(await _rows(world))["session"]]


@row_factory(TrainingWriteOff)
async def training_write_offs(world: OrgWorld) -> list[int]:
    """The training's write-off, waiting for the institution."""
    return [(await _rows(world))["write_off"]]


@row_factory(TrainingScore)
async def training_scores(world: OrgWorld) -> list[int]:
    """A person's score in the write-off."""
    return [(await _rows(world))["score"]]
