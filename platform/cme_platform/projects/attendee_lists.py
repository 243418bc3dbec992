"""A run's attendee list (学员名单, 004 §2.2) and the grant of its credits.

After the run's last session, the owner submits the list: everyone who checked in, with his check-in and
check-out times and the hours that count (``cme_attendance_policy``). The list goes through the approvals
domain (kind :data:`~cme_platform.approvals.kinds.PROJECT_ATTENDEES`; the core's chain: the owner's
行政用户, then the commission). At its step the institution sees each person's hours against the required
hours, keeps those who qualify (preselected by the rule) and sends the list on, by the deadline: the
run's last day plus the province's days (a late list is refused or flagged, as the province says). The
commission's approval grants the credits: one ledger posting per selected person, keyed by run and
person, so a repeated or concurrent grant never posts twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import msgspec
import pluggy

from cme_platform import clock
from cme_platform.api.params import RowId
from cme_platform.approvals import engine
from cme_platform.approvals.access import may_decide
from cme_platform.approvals.kinds import PROJECT_ATTENDEES
from cme_platform.approvals.schemas import SubjectSummary, SummaryField
from cme_platform.approvals.status_subjects import StatusSubject
from cme_platform.attendance.exams import AttemptOut, exam_results
from cme_platform.attendance.policy import AttendancePolicy
from cme_platform.attendance.records import Attended, group_attendance, questionnaire_report, session_counts
from cme_platform.attendance.scan import attendance_policy
from cme_platform.attendance.schemas import QuestionReport, SessionCounts
from cme_platform.attendance.sessions import KINDS, SessionFacts
from cme_platform.attendance.tables import ExternalAttendee
from cme_platform.audit.service import record
from cme_platform.certificates.service import issue_for_credits, issue_for_entries
from cme_platform.credits.ledger import Posting, post
from cme_platform.credits.sources import CreditSource
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.notifications.service import notify
from cme_platform.orgs.tables import Institution
from cme_platform.personnel.tables import Person
from cme_platform.projects import access
from cme_platform.projects.attendance import KIND, may_follow_run
from cme_platform.projects.hosting import open_project_request
from cme_platform.projects.runs import RUN_NOT_FOUND, run_title
from cme_platform.projects.service import project_policy
from cme_platform.projects.states import LIST_OUTCOME_STATUS, ListStatus, RunStatus
from cme_platform.projects.tables import AttendeeEntry, AttendeeList, Project, ProjectRun, ProjectSession
from cme_platform.settings import get_settings
from cme_platform.standards.amounts import format_credits

LIST_NOT_FOUND = "学员名单不存在"
ENTRY_BATCH = 1000
"""Entries inserted per statement (a conference of thousands is several statements)."""
VIA_LABELS = {"qr": "扫码", "card": "刷卡", "walk_in": "现场登记"}
"""How an attendee was recorded, as the list reads it."""


class EntryOut(msgspec.Struct, frozen=True, kw_only=True):
    """One attendee of a run's attendance or attendee list: a person of the registry, or someone who
    registered at the venue (``external``)."""

    id: int | None
    """The entry's id once the list is submitted (the institution selects by it); ``None`` while live."""
    person_id: int | None
    external: bool
    name: str
    person_number: str
    id_masked: str
    institution_name: str
    sessions: int
    first_in: datetime
    last_out: datetime | None
    minutes: int
    hours: int
    hours_text: str
    qualifies: bool
    selected: bool
    granted: bool
    via: str
    """How he was recorded (``qr``, ``card``, ``walk_in``; several joined by ``,``)."""
    via_label: str
    exam_label: str
    """The exam's result (``考试通过（85分）``; empty where the run has no exam)."""


class AttendeeListOut(msgspec.Struct, frozen=True, kw_only=True):
    """A run's attendance: live until its list is submitted, then the list as submitted."""

    run_id: int
    project_id: int
    title: str
    list_id: int | None
    status: str
    """``open`` (not submitted) or a :class:`~cme_platform.projects.states.ListStatus`."""
    status_label: str
    step_label: str
    waiting_role: str
    approval_id: int | None
    review_comment: str
    deadline: date
    days_left: int
    """Days until the deadline (0 on its last day, negative once it passed)."""
    late: bool
    late_rule: str
    """The province's rule for a late list: ``refuse`` or ``flag``."""
    required_hours: int
    required_text: str
    sessions_ended: bool
    submitted_at: datetime | None
    decided_at: datetime | None
    entries: list[EntryOut]
    questionnaire: list[QuestionReport]
    """The check-out questionnaire's answers, counted per option (anonymous; empty without one)."""
    may_manage: bool
    """The caller manages the run (its owner or 代办科室): he writes its online exam."""
    may_show_codes: bool
    """The caller shows the sessions' codes at the venue (the owner, an on-site manager)."""
    may_submit: bool
    may_select: bool
    may_grant: bool


class SelectionIn(msgspec.Struct, frozen=True, kw_only=True):
    """The attendees the institution sends on for credit, and its comment."""

    entry_ids: Annotated[list[RowId], msgspec.Meta(max_length=5000)] = msgspec.field(default_factory=list)
    """The entries (``EntryOut.id``) sent on for credit; the others are not."""
    comment: Annotated[str, msgspec.Meta(max_length=500)] = ""


def grant_key(run_id: int, person_id: int) -> str:
    """The ledger's idempotency key of a run's credit for one person."""
    return f"project-grant:run-{run_id}:person-{person_id}"


def deadline_of(policy: AttendancePolicy, ends_on: date) -> date:
    """The last day the institution may send on the list of a run that ended on ``ends_on``."""
    return ends_on + timedelta(days=policy.list_deadline_days)


class Rule(msgspec.Struct, frozen=True, kw_only=True):
    """What makes an attendee qualify for the run's credit: the hours, and a passed exam where the
    province requires one and the run has one."""

    hours: int
    exam: dict[int, AttemptOut] | None
    """Each person's best attempt at the run's exam (``None``: the run has no exam)."""
    exam_required: bool

    def qualifies(self, attended: Attended) -> bool:
        """True when ``attended`` has the hours (and passed the exam where it is required)."""
        if attended.hours < self.hours:
            return False
        if self.exam_required and self.exam is not None:
            best = self.exam.get(attended.person_id or 0)
            return best is not None and best.passed
        return True

    def exam_label(self, person_id: int | None) -> str:
        """The exam's result as the list shows it (empty where the run has no exam)."""
        if self.exam is None:
            return ""
        best = self.exam.get(person_id or 0)
        if best is None:
            return "未参加考试"
        return f"考试{'通过' if best.passed else '未通过'}（{best.score}分）"


async def run_rule(policy: AttendancePolicy, run_id: int, sessions: Sequence[SessionFacts]) -> Rule:
    """The run's rule: the policy's share of its sessions' hours, and its exam's results."""
    return Rule(
        hours=required_hours(policy, sum(s.hours for s in sessions)),
        exam=await exam_results(KIND, run_id),
        exam_required=policy.exam_required,
    )


def required_hours(policy: AttendancePolicy, total: int) -> int:
    """The hours (hundredths) a person must have for credit: the policy's share of the run's total."""
    return -(-total * policy.min_share_percent // 100)


async def _run(principal: Principal, run_id: int) -> dict[str, Any]:
    """The run with its project, when ``principal`` may open it in full or follows it at the venue."""
    row = await (
        ProjectRun.select(
            *ProjectRun.all_columns(),
            ProjectRun.project.name.as_alias("project_name"),
            ProjectRun.project.number.as_alias("project_number"),
            ProjectRun.project.owner.as_alias("project_owner"),
            ProjectRun.project.delegate.as_alias("project_delegate"),
            ProjectRun.project.credits.as_alias("project_credits"),
        )
        .where(ProjectRun.id == run_id)
        .first()
    )
    if row is None:
        raise NotFound(RUN_NOT_FOUND)
    visible = await Project.exists().where((Project.id == row["project"]) & access.visible(principal))
    if not visible and not await may_follow_run(principal, run_id):
        raise NotFound(RUN_NOT_FOUND)
    return row


async def _sessions(run_id: int) -> list[SessionFacts]:
    ids = [
        s["id"] for s in await ProjectSession.select(ProjectSession.id).where(ProjectSession.run == run_id)
    ]
    return sorted((await KINDS[KIND].facts(ids)).values(), key=lambda s: s.starts_at)


async def _people(person_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = await Person.select(
        Person.id,
        Person.name,
        Person.person_number,
        Person.id_masked,
        Person.account,
        Person.institution.name.as_alias("institution_name"),
    ).where(Person.id.is_in(list(person_ids) or [0]))
    return {r["id"]: r for r in rows}


async def _attendees(rows: Sequence[dict[str, Any]], rule: Rule) -> list[EntryOut]:
    """The entries of ``rows`` (entries or live attendance) with each attendee's name and unit: the
    registry's for a person, what he registered at the venue for an external attendee (现场登记)."""
    people = await _people([r["person"] for r in rows if r["person"] is not None])
    externals = {
        r["id"]: {**r, "person_number": "现场登记", "institution_name": r["unit"]}
        for r in await ExternalAttendee.select(
            ExternalAttendee.id, ExternalAttendee.name, ExternalAttendee.id_masked, ExternalAttendee.unit
        ).where(ExternalAttendee.id.is_in([r["external"] for r in rows if r["external"] is not None] or [0]))
    }
    entries = [
        _entry(
            r,
            people.get(r["person"], {}) if r["person"] is not None else externals.get(r["external"], {}),
            rule.exam_label(r["person"]),
        )
        for r in rows
    ]
    return sorted(entries, key=lambda e: (not e.qualifies, e.external, e.person_number, e.name))


async def run_attendance(pm: pluggy.PluginManager, principal: Principal, run_id: int) -> AttendeeListOut:
    """The run's attendance and list, for its owner, its on-site managers, its institution's and the
    commission's administrators (what each may do next is in ``may_*``)."""
    run = await _run(principal, run_id)
    policy = attendance_policy(pm)
    sessions = await _sessions(run_id)
    rule = await run_rule(policy, run_id, sessions)
    required = rule.hours
    listed = await AttendeeList.select().where(AttendeeList.run == run_id).first()
    # _run() decided who may open the run's attendance; the list's request is read without the inbox's
    # own visibility rule (an on-site manager, the owner when his 代办科室 submitted)
    request = await engine.load_request(listed["approval"]) if listed and listed["approval"] else None
    if listed is not None and listed["status"] != ListStatus.RETURNED:
        rows = await AttendeeEntry.select().where(AttendeeEntry.attendee_list == listed["id"])
    else:
        rows = [
            {
                **msgspec.structs.asdict(a),
                "id": None,
                "person": a.person_id,
                "external": a.external_id,
                "qualifies": rule.qualifies(a),
                "selected": rule.qualifies(a),
                "granted_at": None,
            }
            for a in await group_attendance(pm, KIND, run_id, sessions)
        ]
    entries = await _attendees(rows, rule)
    now = clock.now()
    ended = bool(sessions) and max(s.ends_at for s in sessions) <= now
    deadline = deadline_of(policy, run["ends_on"])
    status = listed["status"] if listed else "open"
    holds = access.may_hold(principal, run["project_owner"], run["project_delegate"])
    waiting = request.waiting_role if request is not None and request.status == "pending" else ""
    decides = request is not None and may_decide(principal, request)
    return AttendeeListOut(
        run_id=run_id,
        project_id=run["project"],
        title=run_title(run),
        list_id=listed["id"] if listed else None,
        status=status,
        status_label="未上报" if status == "open" else ListStatus.label_of(status),
        step_label=request.step_label if request is not None and waiting else "",
        waiting_role=waiting,
        approval_id=listed["approval"] if listed else None,
        review_comment=listed["review_comment"] if listed else "",
        deadline=deadline,
        days_left=(deadline - clock.today()).days,
        late=bool(listed and listed["late"]),
        late_rule=policy.late_list,
        required_hours=required,
        required_text=format_credits(required),
        sessions_ended=ended,
        submitted_at=listed["submitted_at"] if listed else None,
        decided_at=listed["decided_at"] if listed else None,
        entries=entries,
        questionnaire=await questionnaire_report(pm, KIND, run_id),
        may_manage=holds,
        may_show_codes=await may_follow_run(principal, run_id),
        may_submit=holds
        and ended
        and run["status"] == RunStatus.APPROVED
        and status in ("open", "returned")
        and not (policy.late_list == "refuse" and clock.today() > deadline),
        may_select=decides and waiting == Role.INSTITUTION_ADMIN.value,
        may_grant=decides and waiting == Role.COMMISSION_ADMIN.value,
    )


def _entry(row: dict[str, Any], who: dict[str, Any], exam_label: str) -> EntryOut:
    return EntryOut(
        id=row["id"],
        person_id=row["person"],
        external=row["external"] is not None,
        name=who.get("name", ""),
        person_number=who.get("person_number", ""),
        id_masked=who.get("id_masked", ""),
        institution_name=who.get("institution_name") or "",
        sessions=row["sessions"],
        first_in=row["first_in"],
        last_out=row["last_out"],
        minutes=row["minutes"],
        hours=row["hours"],
        hours_text=format_credits(row["hours"]),
        qualifies=row["qualifies"],
        selected=row["selected"],
        granted=row["granted_at"] is not None,
        via=row["via"],
        exam_label=exam_label,
        via_label="、".join(VIA_LABELS.get(way, way) for way in row["via"].split(",") if way),
    )


async def submit_list(pm: pluggy.PluginManager, principal: Principal, run_id: int) -> AttendeeListOut:
    """上报学员名单: the owner sends the run's attendance to his institution once its sessions are over;
    audited. 409 when it was submitted already or the run is not approved, 400 when nobody attended."""
    policy = attendance_policy(pm)
    async with write_transaction(AttendeeList):
        await access.lock_row(ProjectRun, run_id)
        run = await _run(principal, run_id)
        if not access.may_hold(principal, run["project_owner"], run["project_delegate"]):
            raise Forbidden("只有项目的立项用户或代办科室可以上报学员名单")
        if run["status"] != RunStatus.APPROVED:
            raise Conflict("该期尚未批准举办，不能上报学员名单")
        sessions = await _sessions(run_id)
        if not sessions or max(s.ends_at for s in sessions) > clock.now():
            raise Conflict("全部课程结束后才能上报学员名单")
        listed = await AttendeeList.select().where(AttendeeList.run == run_id).first()
        if listed is not None and listed["status"] != ListStatus.RETURNED:
            raise Conflict("学员名单已上报，请勿重复提交")
        deadline = deadline_of(policy, run["ends_on"])
        if policy.late_list == "refuse" and clock.today() > deadline:
            raise Conflict(f"已超过学员名单上报期限（{deadline}），按本省规定不能再上报")
        attended = await group_attendance(pm, KIND, run_id, sessions)
        if not attended:
            raise InvalidInput("还没有学员签到，不能上报学员名单", [FieldError("entries", "没有签到记录")])
        rule = await run_rule(policy, run_id, sessions)
        values = {
            AttendeeList.status: ListStatus.SUBMITTED,
            AttendeeList.deadline: deadline,
            AttendeeList.late: False,
            AttendeeList.review_comment: "",
            AttendeeList.submitted_by: principal.account_id,
            AttendeeList.submitted_at: datetime.now(UTC),
            AttendeeList.decided_at: None,
        }
        if listed is None:
            inserted = await AttendeeList.insert(
                AttendeeList({**values, AttendeeList.run: run_id})
            ).returning(AttendeeList.id)
            list_id = int(inserted[0]["id"])
        else:
            list_id = int(listed["id"])
            await AttendeeEntry.delete().where(AttendeeEntry.attendee_list == list_id)
            await AttendeeList.update(values).where(AttendeeList.id == list_id)
        entries = [
            AttendeeEntry(
                attendee_list=list_id,
                person=a.person_id,
                external=a.external_id,
                sessions=a.sessions,
                first_in=a.first_in,
                last_out=a.last_out,
                minutes=a.minutes,
                hours=a.hours,
                via=a.via,
                qualifies=rule.qualifies(a),
                selected=rule.qualifies(a),
            )
            for a in attended
        ]
        for start in range(0, len(entries), ENTRY_BATCH):  # PostgreSQL takes 32,767 parameters at most
            await AttendeeEntry.insert(*entries[start : start + ENTRY_BATCH])
        await open_project_request(
            pm,
            principal,
            PROJECT_ATTENDEES,
            list_id,
            project_id=run["project"],
            title=run_title(run),
            departments=(run["project_delegate"],),
        )
        await record(
            "projects.attendees.submit",
            object_type="projects_attendee_list",
            object_id=list_id,
            summary=f"上报学员名单：{run_title(run)}（{len(attended)} 人）",
            after={
                "run": run_id,
                "people": len(attended),
                "qualified": sum(rule.qualifies(a) for a in attended),
            },
        )
        await _check_deadline(pm, list_id)
    return await run_attendance(pm, principal, run_id)


async def _check_deadline(pm: pluggy.PluginManager, list_id: int) -> None:
    """Refuse or flag a list that reaches the commission after its deadline (when the institution sends
    it on, or at once where the institution's step was skipped)."""
    row = await (
        AttendeeList.select(
            AttendeeList.deadline, AttendeeList.approval.waiting_role.as_alias("waiting_role")
        )
        .where(AttendeeList.id == list_id)
        .first()
    )
    if row is None or row["waiting_role"] != Role.COMMISSION_ADMIN.value or clock.today() <= row["deadline"]:
        return
    if attendance_policy(pm).late_list == "refuse":
        raise Conflict(f"已超过学员名单上报期限（{row['deadline']}），按本省规定不能再上报")
    await AttendeeList.update({AttendeeList.late: True}).where(AttendeeList.id == list_id)


async def run_of(list_id: int) -> int:
    """The run of the attendee list ``list_id`` (404 when the tenant has no such list)."""
    row = await AttendeeList.select(AttendeeList.run).where(AttendeeList.id == list_id).first()
    if row is None:
        raise NotFound(LIST_NOT_FOUND)
    return int(row["run"])


async def select_entries(principal: Principal, list_id: int, entry_ids: Sequence[int]) -> int:
    """The institution's choice of who is sent on for credit (at its step only); returns how many are
    selected. Audited."""
    async with write_transaction(AttendeeList):
        listed = await AttendeeList.select().where(AttendeeList.id == list_id).first()
        if listed is None or listed["approval"] is None:
            raise NotFound(LIST_NOT_FOUND)
        request = await engine.get_request(principal, listed["approval"])
        if not may_decide(principal, request) or request.waiting_role != Role.INSTITUTION_ADMIN.value:
            raise Forbidden("只有本单位科教部门在单位审核时可以选择上报的学员")
        own = AttendeeEntry.attendee_list == list_id
        listed_entries = {e["id"] for e in await AttendeeEntry.select(AttendeeEntry.id).where(own)}
        wanted = set(entry_ids)
        if wanted - listed_entries:
            raise InvalidInput("所选人员不在学员名单中", [FieldError("entry_ids", "所选人员不在学员名单中")])
        await AttendeeEntry.update({AttendeeEntry.selected: False}).where(own)
        if wanted:
            await AttendeeEntry.update({AttendeeEntry.selected: True}).where(
                own & AttendeeEntry.id.is_in(sorted(wanted))
            )
        await record(
            "projects.attendees.select",
            object_type="projects_attendee_list",
            object_id=list_id,
            summary=f"选择上报学员：{len(wanted)} 人",
            after={"selected": len(wanted)},
        )
    return len(wanted)


async def forward(pm: pluggy.PluginManager, principal: Principal, list_id: int, data: SelectionIn) -> None:
    """保存选择并上报: the institution's selection and its approval in one step (the decision goes through
    the approvals engine, so the deadline rule and the history apply)."""
    async with write_transaction(AttendeeList):
        listed = await AttendeeList.select(AttendeeList.approval).where(AttendeeList.id == list_id).first()
        if listed is None or listed["approval"] is None:
            raise NotFound(LIST_NOT_FOUND)
        await select_entries(principal, list_id, data.entry_ids)
        await engine.decide(pm, principal, listed["approval"], "approve", data.comment)


async def approve(pm: pluggy.PluginManager, principal: Principal, list_id: int) -> None:
    """审核通过并授予学分: the commission approves the list (through the approvals engine, which grants)."""
    listed = await AttendeeList.select(AttendeeList.approval).where(AttendeeList.id == list_id).first()
    if listed is None or listed["approval"] is None:
        raise NotFound(LIST_NOT_FOUND)
    await engine.decide(pm, principal, listed["approval"], "approve")


class SessionRow(msgspec.Struct, frozen=True, kw_only=True):
    """A session of the run with its counts (the attendance page's schedule)."""

    session: SessionFacts
    counts: SessionCounts


async def session_rows(run_id: int) -> list[SessionRow]:
    """The run's sessions in time order, each with how many checked in and out."""
    return [
        SessionRow(session=session, counts=await session_counts(KIND, session.id))
        for session in await _sessions(run_id)
    ]


async def grant(pm: pluggy.PluginManager, principal: Principal, list_id: int) -> int:
    """Post the credit of every selected person of the list (once each: keyed by run and person) and issue
    its certificate, and a certificate for every selected external attendee (who has no credit record);
    returns how many credits were posted now. Called by the commission's approval,
    inside its transaction."""
    listed = await (
        AttendeeList.select(
            AttendeeList.id,
            AttendeeList.run,
            AttendeeList.run.ends_on.as_alias("ends_on"),
            AttendeeList.run.seq.as_alias("seq"),
            AttendeeList.run.project.as_alias("project"),
        )
        .where(AttendeeList.id == list_id)
        .first()
    )
    assert listed is not None
    project = await Project.select().where(Project.id == listed["project"]).first()
    assert project is not None
    issuer = (
        await Institution.select(Institution.name).where(Institution.id == project["institution"]).first()
    )
    category, subcategory = project_policy(pm).credit_category(project["level"])
    entries = await AttendeeEntry.select(AttendeeEntry.id, AttendeeEntry.person, AttendeeEntry.hours).where(
        (AttendeeEntry.attendee_list == list_id) & (AttendeeEntry.selected.eq(True))
    )
    now = datetime.now(UTC)
    await AttendeeEntry.update({AttendeeEntry.granted_at: now}).where(
        AttendeeEntry.id.is_in([e["id"] for e in entries] or [0]) & AttendeeEntry.granted_at.is_null()
    )
    people = [entry for entry in entries if entry["person"] is not None]
    posted = 0
    records = []
    for entry in people:
        result = await post(
            pm,
            principal,
            Posting(
                person_id=entry["person"],
                source=CreditSource.PROJECT,
                activity_date=listed["ends_on"],
                activity_name=f"{project['name']} 第{listed['seq']}期",
                activity_number=project["number"] or "",
                category=category,
                subcategory=subcategory,
                credits=project["credits"],
                hours=entry["hours"],
                discipline=project["discipline"],
                subdiscipline=project["subdiscipline"],
                form=project["hosting_form"],
                issuer=issuer["name"] if issuer else "",
                source_type="project_run",
                source_id=listed["run"],
                idempotency_key=grant_key(listed["run"], entry["person"]),
            ),
            granted=True,
            entered_as=Role.COMMISSION_ADMIN.value,
        )
        await AttendeeEntry.update({AttendeeEntry.credit: result.record_id}).where(
            AttendeeEntry.id == entry["id"]
        )
        posted += result.created
        records.append(result.record_id)
    secret = get_settings().secret_key
    await issue_for_credits(pm, secret, records)
    externals = [entry["id"] for entry in entries if entry["person"] is None]
    await issue_for_entries(pm, secret, externals, category=category, credits=project["credits"])
    accounts = [
        p["account"]
        for p in (await _people([e["person"] for e in people])).values()
        if p["account"] is not None
    ]
    await notify(
        accounts,
        kind="projects.attendees.granted",
        title=f"学分已授予：{project['name']} 第{listed['seq']}期",
        body=f"{format_credits(project['credits'])} 学分（{category}）",
        path="/attendance/mine",
    )
    return posted


class AttendeeListSubject(StatusSubject):
    """Describes attendee lists to their reviewers, applies the deadline and grants on approval."""

    table = AttendeeList
    outcome_status = LIST_OUTCOME_STATUS
    action_prefix = "projects.attendees"
    subject_type = PROJECT_ATTENDEES
    label = "学员名单"
    plugin = ""

    def title(self, row: dict[str, Any]) -> str:
        """The project's number and name and the run's 期数."""
        return run_title(row)

    async def load(self, subject_id: int) -> dict[str, Any] | None:
        """The list with its run's project, and the project's owner."""
        row: dict[str, Any] | None = (
            await AttendeeList.select(
                *AttendeeList.all_columns(),
                AttendeeList.run.seq.as_alias("seq"),
                AttendeeList.run._.project._.name.as_alias("project_name"),
                AttendeeList.run._.project._.number.as_alias("project_number"),
                AttendeeList.run._.project._.owner.as_alias("owner"),
            )
            .where(AttendeeList.id == subject_id)
            .first()
        )
        return row

    async def describe(self, subject_ids: Sequence[int], principal: Principal) -> dict[int, SubjectSummary]:
        """The run, the deadline, how many attended, qualify and are selected, and the credits."""
        lists = await AttendeeList.select(
            *AttendeeList.all_columns(),
            AttendeeList.run.seq.as_alias("seq"),
            AttendeeList.run.starts_on.as_alias("starts_on"),
            AttendeeList.run.ends_on.as_alias("ends_on"),
            AttendeeList.run._.project._.name.as_alias("project_name"),
            AttendeeList.run._.project._.number.as_alias("project_number"),
            AttendeeList.run._.project._.credits.as_alias("credits"),
        ).where(AttendeeList.id.is_in(list(subject_ids) or [0]))
        tally: dict[int, list[int]] = {}
        for e in await AttendeeEntry.select(
            AttendeeEntry.attendee_list, AttendeeEntry.qualifies, AttendeeEntry.selected
        ).where(AttendeeEntry.attendee_list.is_in([r["id"] for r in lists] or [0])):
            counts = tally.setdefault(e["attendee_list"], [0, 0, 0])
            counts[0] += 1
            counts[1] += bool(e["qualifies"])
            counts[2] += bool(e["selected"])
        out = {}
        for r in lists:
            people, qualified, selected = tally.get(r["id"], [0, 0, 0])
            out[r["id"]] = SubjectSummary(
                title=run_title(r),
                link=f"/projects/runs/{r['run']}/attendance",
                fields=[
                    SummaryField(label="举办日期", value=f"{r['starts_on']} 至 {r['ends_on']}"),
                    SummaryField(label="签到人数", value=str(people)),
                    SummaryField(label="达到规定学时", value=str(qualified)),
                    SummaryField(label="拟授分人数", value=str(selected)),
                    SummaryField(label="学分", value=format_credits(r["credits"])),
                    SummaryField(
                        label="上报期限", value=f"{r['deadline']}" + ("（逾期上报）" if r["late"] else "")
                    ),
                ],
            )
        return out

    async def decided(
        self,
        pm: pluggy.PluginManager,
        request: engine.RequestRow,
        outcome: engine.Outcome,
        comment: str,
        principal: Principal,
    ) -> None:
        """The status moves; the deadline applies when the list reaches the commission; approval grants."""
        await super().decided(pm, request, outcome, comment, principal)
        if outcome == "advanced":
            await _check_deadline(pm, request.subject_id)
        elif outcome == "approved":
            await grant(pm, principal, request.subject_id)

    async def after_decision(
        self,
        row: dict[str, Any],
        request: engine.RequestRow,
        outcome: engine.Outcome,
        comment: str,
        changes: dict[str, Any],
    ) -> None:
        """The owner and the submitter hear of a return or a rejection."""
        told = [account for account in (row["owner"], request.submitted_by) if account]
        if outcome in ("returned", "rejected") and told:
            await notify(
                told,
                kind=f"projects.attendees.{outcome}",
                title=f"学员名单{'退回修改' if outcome == 'returned' else '不予授分'}：{run_title(row)}",
                body=comment,
                path=f"/projects/runs/{row['run']}/attendance",
            )


engine.register_subject(AttendeeListSubject())
