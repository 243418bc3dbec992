"""A venue for attendance tests: a published project with a run approved for hosting, its sessions at
chosen times, its owner and learners who are people of the registry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from cme_platform.clock import CHINA
from cme_platform.identity.roles import Role
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.service import document_columns
from cme_platform.personnel.tables import Person
from cme_platform.projects.states import RunStatus
from cme_platform.projects.tables import Project, ProjectRun, ProjectSession
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld


class Venue(msgspec.Struct, kw_only=True):
    """What :func:`build_venue` made."""

    world: OrgWorld
    project_id: int
    run_id: int
    session_ids: list[int]
    people: dict[str, int]
    """Person id by the learner account's name."""


async def add_learner(world: OrgWorld, account_factory: Any, name: str) -> int:
    """A learner account ``name`` and its person in the world's first institution; returns the person."""
    account = world.accounts.get(name) or await account_factory(
        world.tenant, name, [(Role.LEARNER, {"institution": world.institution_id})]
    )
    world.accounts[name] = account
    with scope(world.tenant):
        number = (await reserve_person_numbers(1))[0]
        person = Person(
            name=f"学员{name[-2:]}",
            gender="女",
            person_number=number,
            institution=world.institution_id,
            department=world.department_id,
            account=account,
            **document_columns(f"E{uuid.uuid4().int % 10**8:08d}"),
        )
        await person.save()
    return int(person.id)


async def build_venue(
    world: OrgWorld,
    account_factory: Any,
    *,
    starts: datetime,
    sessions: int = 1,
    length: timedelta = timedelta(hours=3),
    learners: int = 2,
    status: str = RunStatus.APPROVED.value,
    credits: int = 500,
) -> Venue:
    """A project of the world's first institution owned by ``owner`` with one run (``status``) whose
    ``sessions`` sessions start at ``starts`` on consecutive days, each ``length`` long and worth its
    length in hours; ``learner`` and ``learner2``… are people of the registry."""
    if "owner" not in world.accounts:
        unit = {"institution": world.institution_id, "department": world.department_id}
        world.accounts["owner"] = await account_factory(world.tenant, "owner", [(Role.PROJECT_OWNER, unit)])
    starts = starts.astimezone(UTC)
    with scope(world.tenant):
        project = Project(
            year=starts.year,
            number=f"{starts.year}-考勤-{uuid.uuid4().int % 1000:03d}",
            name="心血管新进展学习班",
            level="国家级继续医学教育项目" if world.tenant.plugin == "beijing" else "国家级",
            institution=world.institution_id,
            department=world.department_id,
            owner=world.accounts["owner"],
            credits=credits,
            hours=int(length.total_seconds() // 36) * sessions,
            status="published",
        )
        await project.save()
        days = [starts + timedelta(days=i) for i in range(sessions)]
        run = ProjectRun(
            project=project.id,
            seq=1,
            venue="会议中心",
            starts_on=days[0].astimezone(CHINA).date(),
            ends_on=days[-1].astimezone(CHINA).date(),
            status=status,
        )
        await run.save()
        ids = []
        for index, day in enumerate(days, start=1):
            session = ProjectSession(
                run=run.id,
                title=f"第{index}讲",
                starts_at=day,
                ends_at=day + length,
                hours=int(length.total_seconds() // 36),
            )
            await session.save()
            ids.append(int(session.id))
    people = {"learner": await add_learner(world, account_factory, "learner")}
    for index in range(2, learners + 1):
        people[f"learner{index}"] = await add_learner(world, account_factory, f"learner{index}")
    return Venue(world=world, project_id=int(project.id), run_id=int(run.id), session_ids=ids, people=people)
