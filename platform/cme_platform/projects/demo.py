"""Demo projects for every tenant, made through the projects' own services (audited, through approvals).

The demo project owner (立项用户) owns them:

- a national project he entered whose first run takes place today and is approved, its session just
  over and its codes valid all day, so attendance, the attendee list and the grant can be tried at once
  (colleagues of the demo learner attended it already);
- a national project held ten days ago that the demo learner attended, its attendee list granted by the
  commission: his credit and its 电子学分证书 are there to download and verify;
- a second national project whose run waits for his institution's confirmation;
- projects of the province's other levels, published by the commission from its approved list, and one
  project of each level of each import list the province has (imported by the commission as from Excel).

A declaration for next year (by the province's declaring role: the owner, or Zhejiang's 科室) waits for
the commission to publish it; where institutions delegate, one published project is delegated to the
demo 科室 (代办项目). A second ``cme demo`` adds nothing.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pluggy

from cme_platform import clock, pii
from cme_platform.approvals import engine
from cme_platform.attendance.demo import attend
from cme_platform.credits.disciplines import discipline_tree
from cme_platform.errors import Conflict
from cme_platform.files.demo import demo_file
from cme_platform.files.sheet_table import RawRow
from cme_platform.identity.principal import Principal, load_principal_by_id
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Institution
from cme_platform.personnel.tables import Person
from cme_platform.projects import (
    FILE_PURPOSE,
    attendee_lists,
    declaration,
    expert_review,
    hosting,
    importing,
    runs,
    service,
)
from cme_platform.projects.attendance import KIND
from cme_platform.projects.attendee_lists import SelectionIn
from cme_platform.projects.policy import ImportList
from cme_platform.projects.schemas import MaterialIn, ProjectIn, RunIn, SessionIn
from cme_platform.projects.tables import Project
from cme_platform.tenancy.scope import current_tenant

OWNER, INSTITUTION_ADMIN, COMMISSION_ADMIN, EXPERT = "project_owner", "inst_admin", "admin", "audit_expert"


async def _principal(username: str) -> Principal | None:
    row = await Account.select(Account.id).where(Account.username == username).first()
    return await load_principal_by_id(row["id"]) if row else None


def _project(
    year: int, number: str, name: str, level: str, credits: int, discipline: tuple[str, str]
) -> ProjectIn:
    return ProjectIn(
        year=year,
        number=number,
        name=name,
        level=level,
        nature="申报项目",
        discipline=discipline[0],
        subdiscipline=discipline[1],
        leader="王主任（演示）",
        credits=Decimal(credits),
        hours=Decimal(credits * 3),
        hosting_form="面授",
        assessment="考试",
        description="演示项目：学习班形式，理论授课与病例讨论相结合。",
    )


Slot = tuple[str, str, datetime, datetime]
"""A session of a demo run: its title, speaker, start and end."""


def _day_slots(day: date) -> list[Slot]:
    """A morning and an afternoon session on ``day``."""
    at = lambda hour, minute: datetime.combine(day, time(hour, minute), tzinfo=clock.CHINA)  # noqa: E731
    return [
        ("诊疗指南解读", "李教授（演示）", at(8, 30), at(11, 30)),
        ("典型病例讨论", "赵主任（演示）", at(13, 30), at(16, 30)),
    ]


def _held_today_slots(day: date) -> list[Slot]:
    """The session of the run held today: from up to three hours ago until two minutes ago, so that its
    attendee list may be submitted at once (just after midnight, today's morning and afternoon instead)."""
    now = clock.now().astimezone(clock.CHINA)
    start = max(datetime.combine(day, time(0, 5), tzinfo=clock.CHINA), now - timedelta(hours=3))
    end = now - timedelta(minutes=2)
    if end - start < timedelta(minutes=30):
        return _day_slots(day)
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    return [("诊疗指南解读与典型病例讨论", "李教授（演示）", start, end)]


async def _prepare_run(
    pm: pluggy.PluginManager,
    owner: Principal,
    project_id: int,
    day: date,
    venue: str,
    slots: list[Slot],
    *,
    all_day_codes: bool = False,
) -> int:
    """A run on ``day`` with the sessions of ``slots`` and every material uploaded; with
    ``all_day_codes``, its codes work all day (二维码有效时间), so attendance can be tried at any hour."""
    opens = datetime.combine(day, time(0, 0), tzinfo=clock.CHINA) if all_day_codes else None
    closes = datetime.combine(day, time(23, 59), tzinfo=clock.CHINA) if all_day_codes else None
    run = await runs.add_run(
        pm,
        owner,
        project_id,
        RunIn(venue=venue, starts_on=day, ends_on=day, codes_from=opens, codes_until=closes),
    )
    for title, speaker, start, end in slots:
        await runs.add_session(
            pm,
            owner,
            run.id,
            SessionIn(
                title=title,
                speakers=speaker,
                starts_at=start,
                ends_at=end,
                hours=Decimal((end - start).total_seconds() // 360) / 10,
            ),
        )
    for material in service.project_policy(pm).materials:
        file_id = await demo_file(
            owner.account_id,
            purpose=FILE_PURPOSE,
            name=f"{material.label}.png",
            caption=f"DEMO {material.code}",
        )
        await runs.attach_material(pm, owner, run.id, MaterialIn(kind=material.code, file_id=file_id))
    return run.id


DECLARERS = {Role.PROJECT_OWNER.value: OWNER, Role.DEPARTMENT_ADMIN.value: "dept_admin"}
"""The demo account of each role that may declare projects."""


async def _demo_declaration(
    pm: pluggy.PluginManager, institution_admin: Principal, commission: Principal
) -> None:
    """Next year's declaration of the province's first declared level, by its first declaring role's demo
    account, confirmed by the institution: it waits for the commission to publish it, and for the demo
    审验专家, whom the commission asked to review it (专家评审)."""
    policy = service.project_policy(pm)
    username = next((DECLARERS[r] for r in policy.declarers if r in DECLARERS), None)
    declarer = await _principal(username) if username and policy.declared_levels else None
    if declarer is None:
        return
    tree = discipline_tree(current_tenant())
    discipline = next(iter(tree))
    data = _project(
        clock.today().year + 1,
        "",
        "基层慢性病综合管理能力提升培训班",
        policy.declared_levels[0],
        6,
        (discipline, tree[discipline][0] if tree[discipline] else ""),
    )
    project = await service.declare_project(pm, declarer, data)
    submitted = await declaration.submit_declaration(pm, declarer, project.id)
    if submitted.approval_id is not None and submitted.status == "submitted":
        request = await engine.get_request(institution_admin, submitted.approval_id)
        if request.waiting_role == Role.INSTITUTION_ADMIN.value:
            await engine.decide(pm, institution_admin, request.id, "approve", "材料齐全，同意上报")
        expert = await _principal(EXPERT)
        if expert is not None:
            with contextlib.suppress(Conflict):  # a province whose chain has more steps before the commission
                await expert_review.assign_experts(commission, project.id, [expert.account_id])


async def load_demo_projects(pm: pluggy.PluginManager, learner_id_number: str = "") -> int:
    """The demo owner's projects and runs in the active tenant; returns how many projects were added.
    The demo learner (``learner_id_number``) is left out of the attendance of the run held today."""
    owner = await _principal(OWNER)
    institution_admin = await _principal(INSTITUTION_ADMIN)
    commission = await _principal(COMMISSION_ADMIN)
    if owner is None or institution_admin is None or commission is None:
        return 0
    if await Project.exists().where(Project.owner == owner.account_id):
        return 0
    await _demo_declaration(pm, institution_admin, commission)
    unit = next(g for g in owner.grants_for(Role.PROJECT_OWNER) if g.institution_id)
    policy = service.project_policy(pm)
    tree = discipline_tree(current_tenant())
    first = next(iter(tree))
    discipline = (first, tree[first][0] if tree[first] else "")
    today = clock.today()
    year = today.year
    entered = policy.entered_levels[0] if policy.entered_levels else policy.levels[0]
    held_today = await service.enter_project(
        pm,
        owner,
        _project(year, f"{year}-01-01-001 (国)", "心血管疾病诊疗新进展学习班", entered, 10, discipline),
    )
    reviewers = (institution_admin, commission)
    run_id = await _approved_run(
        pm, owner, reviewers, held_today.id, today, _held_today_slots(today), all_day_codes=True
    )
    colleagues = await _colleagues(unit.institution_id or 0, learner_id_number)
    await _demo_attendance(pm, owner, run_id, colleagues)
    await _demo_granted_run(pm, owner, reviewers, entered, discipline, learner_id_number, colleagues[:3])
    waiting = await service.enter_project(
        pm, owner, _project(year, f"{year}-01-01-002 (国)", "急危重症护理技能培训班", entered, 6, discipline)
    )
    later = min(today + timedelta(days=30), date(year, 12, 31))
    await hosting.submit_run(
        pm, owner, await _prepare_run(pm, owner, waiting.id, later, "本院门诊楼六楼会议室", _day_slots(later))
    )
    added = 3
    imported = {level for listed in policy.import_lists for level in listed.levels}
    own_levels = [level for level in policy.levels if level not in (*policy.entered_levels, *imported)]
    for index, level in enumerate(own_levels):
        project_id = await service.record_published(
            pm,
            commission,
            _project(
                year,
                f"{year}-P{index + 1:02d}-001",
                f"基层常见病规范诊疗培训班（{level}）",
                level,
                4,
                discipline,
            ),
            institution_id=unit.institution_id or 0,
            department_id=unit.department_id,
            owner_id=owner.account_id,
        )
        added += 1
        if index == 0 and policy.delegation:
            await _delegate(pm, institution_admin, project_id)
    return added + await _demo_imports(
        pm, commission, policy.import_lists, unit.institution_id or 0, year, discipline
    )


async def _approved_run(
    pm: pluggy.PluginManager,
    owner: Principal,
    reviewers: tuple[Principal, Principal],
    project_id: int,
    day: date,
    slots: list[Slot],
    *,
    all_day_codes: bool = False,
) -> int:
    """A run of ``project_id`` on ``day`` (see :func:`_prepare_run`), submitted and approved for hosting by
    the institution and the commission (``reviewers``, as far as its chain goes)."""
    run_id = await _prepare_run(
        pm, owner, project_id, day, "本院学术报告厅", slots, all_day_codes=all_day_codes
    )
    await hosting.submit_run(pm, owner, run_id)
    request_id = (await runs.get_run(pm, owner, run_id)).approval_id
    assert request_id is not None  # a submitted run has its request
    for reviewer in reviewers:
        row, _ = await engine.decide(pm, reviewer, request_id, "approve", "")
        if row.status != engine.PENDING:
            break
    return run_id


async def _colleagues(institution_id: int, learner_id_number: str) -> list[int]:
    """Six people of the demo learner's institution, the demo learner left out."""
    rows = await (
        Person.select(Person.id)
        .where(
            (Person.institution == institution_id) & (Person.id_hash != pii.lookup_hash(learner_id_number))
        )
        .order_by(Person.id)
        .limit(6)
    )
    return [int(row["id"]) for row in rows]


async def _demo_attendance(
    pm: pluggy.PluginManager, owner: Principal, run_id: int, people: list[int]
) -> None:
    """``people`` attended every session of the run (the last one left early)."""
    sessions = (await runs.get_run(pm, owner, run_id)).sessions
    await attend(pm, owner, KIND, [s.id for s in sessions], people)


async def _demo_granted_run(
    pm: pluggy.PluginManager,
    owner: Principal,
    reviewers: tuple[Principal, Principal],
    level: str,
    discipline: tuple[str, str],
    learner_id_number: str,
    colleagues: list[int],
) -> None:
    """A project held ten days ago that the demo learner and three colleagues attended, whose attendee
    list went through the institution to the commission: its credits are granted and its certificates
    issued (电子学分证书 to download and verify)."""
    day = clock.today() - timedelta(days=10)
    project = await service.enter_project(
        pm,
        owner,
        _project(
            day.year, f"{day.year}-01-01-003 (国)", "临床合理用药与处方点评培训班", level, 8, discipline
        ),
    )
    run_id = await _approved_run(pm, owner, reviewers, project.id, day, _day_slots(day))
    learner = (
        await Person.select(Person.id).where(Person.id_hash == pii.lookup_hash(learner_id_number)).first()
    )
    await _demo_attendance(pm, owner, run_id, ([int(learner["id"])] if learner else []) + colleagues)
    listed = await attendee_lists.submit_list(pm, owner, run_id)
    assert listed.list_id is not None  # just submitted
    chosen = SelectionIn(entry_ids=[e.id for e in listed.entries if e.qualifies and e.id is not None])
    await attendee_lists.forward(pm, reviewers[0], listed.list_id, chosen)
    await attendee_lists.approve(pm, reviewers[1], listed.list_id)


async def _demo_imports(
    pm: pluggy.PluginManager,
    commission: Principal,
    lists: tuple[ImportList, ...],
    institution_id: int,
    year: int,
    discipline: tuple[str, str],
) -> int:
    """The commission imports one project of each level of each of the province's import lists."""
    code = await Institution.select(Institution.code).where(Institution.id == institution_id).first()
    added = 0
    for list_index, listed in enumerate(lists, start=1):
        rows = [
            RawRow(
                number=index + 2,
                values={
                    "number": f"{year}-9{list_index}-{index + 1:03d}",
                    "name": f"{level.removesuffix('项目')}培训班（演示）",
                    "level": level,
                    "year": float(year),
                    "institution_code": code["code"] if code else "",
                    "leader": "李教授（演示）",
                    "credits": float(index + 2),
                    "hours": 6.0 * (index + 2),
                    "discipline": discipline[0],
                },
            )
            for index, level in enumerate(listed.levels)
        ]
        outcome = await importing.import_rows(
            pm, commission, listed.code, rows, mode="all", file_name="演示项目列表.xlsx"
        )
        added += outcome.created
    return added


async def _delegate(pm: pluggy.PluginManager, institution_admin: Principal, project_id: int) -> None:
    """The institution lets the demo 科室 account's department manage the project (代办项目)."""
    department = await _principal("dept_admin")
    grant = next((g for g in department.grants_for(Role.DEPARTMENT_ADMIN)), None) if department else None
    if grant is not None and grant.department_id is not None:
        await service.delegate_project(pm, institution_admin, project_id, grant.department_id)
