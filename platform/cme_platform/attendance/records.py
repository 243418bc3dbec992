"""What attendance shows: the codes of a session, its live counts, a person's records and a group's
attendance (for its attendee list)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
import pluggy

from cme_platform import clock
from cme_platform.attendance.codes import Code, make_code, rotation_step
from cme_platform.attendance.policy import AttendancePolicy
from cme_platform.attendance.scan import ACTION_LABELS, attendance_policy, window
from cme_platform.attendance.schemas import (
    AttendanceOut,
    AttendancePage,
    CodeOut,
    DisplayOut,
    OptionCount,
    QuestionReport,
    SessionCounts,
)
from cme_platform.attendance.sessions import KINDS, OPEN, CreditState, SessionFacts, kind_of, session_facts
from cme_platform.attendance.tables import Answer, Attendance, Exam, ScanRecord
from cme_platform.errors import Forbidden, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.qr import qr_svg
from cme_platform.tenancy.scope import current_tenant

SESSION_NOT_FOUND = "课程不存在"
SCAN_PATH = "/attendance/scan/"
"""The scan page; the signed code follows it."""


def attended_minutes(policy: AttendancePolicy, session: SessionFacts, row: dict[str, Any]) -> int:
    """Minutes of the session between the check-in and the check-out (the session's end where the
    province asks no check-out); 0 when a required check-out is missing."""
    leaving = row["checked_out_at"] or (None if policy.check_out else session.ends_at)
    if leaving is None:
        return 0
    start = max(row["checked_in_at"], session.starts_at)
    end = min(leaving, session.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


def counts(policy: AttendancePolicy, session: SessionFacts, minutes: int) -> bool:
    """True when ``minutes`` reach the policy's share of the session's length."""
    length = (session.ends_at - session.starts_at).total_seconds() / 60
    return minutes > 0 and minutes * 100 >= length * policy.min_share_percent


async def viewed_session(principal: Principal, kind: str, session_id: int) -> SessionFacts:
    """The session, when ``principal`` may follow its counts (404 when unknown or out of his reach)."""
    session = await session_facts(kind, session_id)
    if session is None or not await KINDS[kind].may_view(principal, session):
        raise NotFound(SESSION_NOT_FOUND)
    return session


async def managed_session(principal: Principal, kind: str, session_id: int) -> SessionFacts:
    """The session, when ``principal`` may show its codes (404 when out of his reach, 403 when he may
    follow it but its codes are not his to show)."""
    session = await viewed_session(principal, kind, session_id)
    if not await KINDS[kind].may_show_codes(principal, session):
        raise Forbidden("只有项目的立项用户或会场负责人可以出示签到二维码")
    return session


async def session_counts(kind: str, session_id: int) -> SessionCounts:
    """How many have checked in and out of the session, and how many scans were refused."""
    session = (Attendance.session_kind == kind) & (Attendance.session_id == session_id)
    refused = await ScanRecord.count().where(
        (ScanRecord.session_kind == kind)
        & (ScanRecord.session_id == session_id)
        & (ScanRecord.outcome == "refused")
    )
    return SessionCounts(
        checked_in=await Attendance.count().where(session),
        checked_out=await Attendance.count().where(session & Attendance.checked_out_at.is_not_null()),
        refused=refused,
    )


async def display(
    pm: pluggy.PluginManager, principal: Principal, kind: str, session_id: int, *, secret: str, base_url: str
) -> DisplayOut:
    """The session's check-in (and check-out) codes as of now, for the venue's screen (rotating) or the
    printed sheet (static), with its counts; ``base_url`` is the tenant's address the codes open."""
    session = await managed_session(principal, kind, session_id)
    policy = attendance_policy(pm)
    now = clock.now()
    step = rotation_step(now.timestamp(), policy.rotate_seconds)
    refresh = policy.rotate_seconds - int(now.timestamp()) % policy.rotate_seconds if policy.rotating else 0
    actions = ("check_in", "check_out") if policy.check_out else ("check_in",)
    codes = []
    for action in actions:
        text = make_code(
            secret,
            Code(tenant_id=current_tenant().id, kind=kind, session_id=session_id, action=action, step=step),
        )
        url = f"{base_url}{SCAN_PATH}{text}"
        opens, closes = window(policy, session, action)
        codes.append(
            CodeOut(
                action=action,
                action_label=ACTION_LABELS[action],
                url=url,
                svg=qr_svg(url),
                opens_at=opens,
                closes_at=closes,
                refresh_in=refresh,
            )
        )
    return DisplayOut(
        session=session.brief(),
        rotating=policy.rotating,
        rotate_seconds=policy.rotate_seconds,
        card_sign_in=policy.card_sign_in,
        codes=codes,
        counts=await session_counts(kind, session_id),
    )


async def facts_of(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, int], SessionFacts]:
    """The facts of the sessions ``rows`` (attendance rows) name, a query per session kind."""
    wanted: dict[str, set[int]] = {}
    for r in rows:
        wanted.setdefault(r["session_kind"], set()).add(r["session_id"])
    out: dict[tuple[str, int], SessionFacts] = {}
    for kind, ids in wanted.items():
        handler = kind_of(kind)
        if handler is not None:
            for session_id, facts in (await handler.facts(sorted(ids))).items():
                out[(kind, session_id)] = facts
    return out


async def person_attendance(
    pm: pluggy.PluginManager, person_id: int, *, page: int = 1, page_size: int = 20
) -> AttendancePage:
    """考勤记录: the sessions ``person_id`` attended, newest first, with what each counts for and where the
    credit of its run stands."""
    where = Attendance.person == person_id
    total = await Attendance.count().where(where)
    rows = await (
        Attendance.select()
        .where(where)
        .order_by(Attendance.checked_in_at, ascending=False)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    policy = attendance_policy(pm)
    facts = await facts_of(rows)
    states: dict[tuple[str, int], CreditState] = {}
    for kind in {r["session_kind"] for r in rows}:
        handler = kind_of(kind)
        if handler is not None:
            groups = sorted({r["group_id"] for r in rows if r["session_kind"] == kind})
            for group, state in (await handler.credit_states(person_id, groups)).items():
                states[(kind, group)] = state
    examined = {
        (e["session_kind"], e["group_id"])
        for e in await Exam.select(Exam.session_kind, Exam.group_id).where(
            Exam.group_id.is_in(sorted({r["group_id"] for r in rows}) or [0])
        )
    }
    items = []
    for r in rows:
        session = facts.get((r["session_kind"], r["session_id"]))
        if session is None:
            continue
        minutes = attended_minutes(policy, session, r)
        state = states.get((r["session_kind"], r["group_id"]), OPEN)
        items.append(
            AttendanceOut(
                session=session.brief(),
                group_id=r["group_id"],
                checked_in_at=r["checked_in_at"],
                checked_out_at=r["checked_out_at"],
                attended_minutes=minutes,
                counts=counts(policy, session, minutes),
                hours=session.hours,
                exam_path=f"/attendance/exams/{r['session_kind']}/{r['group_id']}"
                if (r["session_kind"], r["group_id"]) in examined
                else "",
                credit_state=state.state,
                credit_state_label=state.label,
                credit_note=state.note,
            )
        )
    return AttendancePage(items=items, total=total, page=page, page_size=page_size)


class Attended(msgspec.Struct, frozen=True, kw_only=True):
    """One attendee's attendance of a group's sessions (what an attendee list is built from): a person
    of the registry or an external attendee."""

    person_id: int | None
    external_id: int | None
    sessions: int
    """Sessions he checked in to."""
    first_in: datetime
    last_out: datetime | None
    minutes: int
    hours: int
    """The hours (hundredths) of the sessions that count."""
    via: str
    """How he was recorded (``qr``, ``card``, ``walk_in``; several joined by ``,``)."""


async def group_attendance(
    pm: pluggy.PluginManager, kind: str, group_id: int, sessions: Sequence[SessionFacts]
) -> list[Attended]:
    """Everyone who checked in to one of ``sessions`` of the group, with the hours that count."""
    policy = attendance_policy(pm)
    by_id = {s.id: s for s in sessions}
    rows = await Attendance.select().where(
        (Attendance.session_kind == kind) & (Attendance.group_id == group_id)
    )
    people: dict[tuple[int | None, int | None], list[dict[str, Any]]] = {}
    for r in rows:
        if r["session_id"] in by_id:
            people.setdefault((r["person"], r["external"]), []).append(r)
    out = []
    for (person_id, external_id), own in people.items():
        minutes = hours = 0
        for r in own:
            session = by_id[r["session_id"]]
            attended = attended_minutes(policy, session, r)
            minutes += attended
            if counts(policy, session, attended):
                hours += session.hours
        outs = [r["checked_out_at"] for r in own if r["checked_out_at"]]
        ways = [r["checked_in_via"] for r in own] + [
            r["checked_out_via"] for r in own if r["checked_out_via"]
        ]
        out.append(
            Attended(
                person_id=person_id,
                external_id=external_id,
                sessions=len(own),
                first_in=min(r["checked_in_at"] for r in own),
                last_out=max(outs) if outs else None,
                minutes=minutes,
                hours=hours,
                via=",".join(sorted(set(ways))),
            )
        )
    return out


async def questionnaire_report(pm: pluggy.PluginManager, kind: str, group_id: int) -> list[QuestionReport]:
    """The group's questionnaire answers counted per question and option, in the province's order (none
    where the province asks no questionnaire)."""
    policy = attendance_policy(pm)
    if not policy.questionnaire:
        return []
    rows = await Answer.select(Answer.question, Answer.option, Answer.chosen).where(
        (Answer.session_kind == kind) & (Answer.group_id == group_id)
    )
    tally = {(r["question"], r["option"]): int(r["chosen"]) for r in rows}
    reports = []
    for question in policy.questionnaire:
        counted = [OptionCount(option=o, count=tally.get((question.code, o), 0)) for o in question.options]
        reports.append(
            QuestionReport(
                code=question.code,
                text=question.text,
                respondents=sum(c.count for c in counted) // question.picks,
                options=counted,
            )
        )
    return reports
