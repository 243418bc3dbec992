"""Redeeming a code: one check-in and one check-out per person and session, whatever the retries.

A scan is checked in this order, and the first failure is its refusal: the code's form, tenant and
signature (:mod:`~cme_platform.attendance.codes`); the session (it exists, its activity is approved);
the province's mode (rotating or static) and the rotation step (the current or the previous one); the
window around the session's start (check-in) or end (check-out), both judged at the moment the scan page
opened the code where its token says so; the learner's person; the questionnaire at a first check-out.
A check-in inserts the attendance row with ``ON CONFLICT DO NOTHING`` on (tenant, kind, session, person
or external attendee), so concurrent scans make one row and the rest read its time; a check-out sets the
time only where none is set. Every scan is written to :class:`~cme_platform.attendance.tables.ScanRecord`
with its outcome and reason (a refused one in its own transaction, so the refusal is kept while nothing
else changes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import pluggy

from cme_platform import clock, events
from cme_platform.attendance.codes import (
    REFUSAL_MESSAGES,
    Code,
    CodeError,
    Refusal,
    opened_at,
    opened_token,
    read_code,
    rotation_step,
)
from cme_platform.attendance.policy import AttendancePolicy
from cme_platform.attendance.schemas import ScanOut
from cme_platform.attendance.sessions import SessionFacts, session_facts
from cme_platform.attendance.tables import Answer, Attendance, ScanRecord
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import DomainError, FieldError
from cme_platform.events import AttendanceRecorded
from cme_platform.identity.principal import Principal
from cme_platform.personnel import bulk
from cme_platform.plugins.manager import active_plugin_manager, tenant_hooks
from cme_platform.tenancy.scope import current_tenant

ACTION_LABELS = {"check_in": "签到", "check_out": "撤离"}


class ScanRefused(DomainError):
    """A scan refused: no attendance is recorded, only the refused scan itself (400, the code is the
    :class:`Refusal`)."""


def attendance_policy(pm: pluggy.PluginManager) -> AttendancePolicy:
    """The active tenant's attendance rules."""
    policy: AttendancePolicy = tenant_hooks(pm, current_tenant()).cme_attendance_policy()
    return policy


def window(policy: AttendancePolicy, session: SessionFacts, action: str) -> tuple[datetime, datetime]:
    """When the ``action`` code of ``session`` works (both ends included): the period its activity sets,
    or the province's window around its start (check-in) or end (check-out)."""
    if session.codes_from is not None and session.codes_until is not None:
        return session.codes_from, session.codes_until
    if action == "check_in":
        moment, spec = session.starts_at, policy.check_in_window
    else:
        moment, spec = session.ends_at, policy.check_out_window
    return moment - timedelta(minutes=spec.opens_before), moment + timedelta(minutes=spec.closes_after)


def _check_action(policy: AttendancePolicy, session: SessionFacts, action: str) -> Refusal | None:
    if not session.open:
        return Refusal.NOT_OPEN
    if action == "check_out" and not policy.check_out:
        return Refusal.NO_CHECK_OUT
    return None


def _check_window(
    policy: AttendancePolicy, session: SessionFacts, action: str, now: datetime
) -> Refusal | None:
    opens, closes = window(policy, session, action)
    if now < opens:
        return Refusal.TOO_EARLY
    if now > closes:
        return Refusal.TOO_LATE
    return None


def check_session(
    policy: AttendancePolicy, session: SessionFacts, action: str, now: datetime
) -> Refusal | None:
    """Why ``action`` may not be recorded for ``session`` at ``now`` (``None``: it may): the activity is
    not approved, the province asks no check-out, or ``now`` is outside the window."""
    return _check_action(policy, session, action) or _check_window(policy, session, action, now)


def check(policy: AttendancePolicy, session: SessionFacts, code: Code, now: datetime) -> Refusal | None:
    """Why ``code`` of ``session`` may not be redeemed at ``now`` (``None``: it may), in this order: the
    activity is not approved or the action not asked, the code's mode (rotating or static) is not the
    province's, its rotation step is neither the current nor the previous one, ``now`` is outside the
    window."""
    refusal = _check_action(policy, session, code.action)
    if refusal is not None:
        return refusal
    if policy.rotating != (code.step != 0):
        return Refusal.WRONG_MODE
    if policy.rotating:
        current = rotation_step(now.timestamp(), policy.rotate_seconds)
        if code.step not in (current, current - 1):
            return Refusal.EXPIRED_STEP
    return _check_window(policy, session, code.action, now)


class Attendee(NamedTuple):
    """Whose attendance it is: a person of the registry or an external attendee (one of the two)."""

    person_id: int | None = None
    external_id: int | None = None

    def where(self) -> Any:
        """The clause on :class:`Attendance` for this attendee."""
        if self.person_id is not None:
            return Attendance.person == self.person_id
        return Attendance.external == self.external_id

    def column(self) -> Any:
        """The attendance column that names him (the unique index's last column)."""
        return Attendance.person if self.person_id is not None else Attendance.external


NOBODY = Attendee()
"""No attendee known yet (a code refused before anyone was identified)."""


async def _log(
    principal: Principal | None,
    *,
    outcome: str,
    reason: str = "",
    code: Code | None = None,
    attendee: Attendee = NOBODY,
    at: datetime,
) -> None:
    await ScanRecord.insert(
        ScanRecord(
            scanned_at=at,
            session_kind=code.kind if code else "",
            session_id=code.session_id if code else None,
            action=code.action if code else "",
            outcome=outcome,
            reason=reason,
            account=principal.account_id if principal else None,
            person=attendee.person_id,
            external=attendee.external_id,
        )
    )


async def refuse(
    principal: Principal | None,
    refusal: Refusal,
    code: Code | None,
    at: datetime,
    attendee: Attendee = NOBODY,
    errors: list[FieldError] | None = None,
    *,
    log: bool = True,
) -> ScanRefused:
    """Log a refused scan (in its own transaction, unless ``log`` is off: a page merely showing a code)
    and return the error to raise (``principal``: the signed-in account that scanned, ``None`` for a
    walk-in)."""
    if log:
        async with write_transaction(ScanRecord):
            await _log(
                principal, outcome="refused", reason=refusal.value, code=code, attendee=attendee, at=at
            )
    return ScanRefused(REFUSAL_MESSAGES[refusal], errors, code=refusal.value)


async def _read(
    principal: Principal | None, text: str, secret: str, now: datetime, log: bool
) -> tuple[Code, SessionFacts]:
    try:
        code = read_code(secret, text, current_tenant().id)
    except CodeError as exc:
        raise await refuse(principal, exc.refusal, None, now, log=log) from None
    session = await session_facts(code.kind, code.session_id)
    if session is None:
        raise await refuse(principal, Refusal.UNKNOWN_SESSION, code, now, log=log)
    return code, session


class Checked(NamedTuple):
    """A code that may be redeemed: its session, the province's rules, the moment of the scan and the
    moment it was first opened (where the scan page's token says so)."""

    code: Code
    session: SessionFacts
    policy: AttendancePolicy
    now: datetime
    since: datetime | None


async def checked_code(
    pm: pluggy.PluginManager,
    principal: Principal | None,
    text: str,
    *,
    secret: str,
    opened: str = "",
    log: bool = True,
) -> Checked:
    """The code ``text`` when it may be redeemed now, or at the moment the scan page's token ``opened``
    says it was first opened (within :data:`~cme_platform.attendance.codes.OPENED_GRACE`); refused (and,
    with ``log``, logged) otherwise."""
    now = clock.now()
    code, session = await _read(principal, text, secret, now, log)
    policy = attendance_policy(pm)
    since = opened_at(secret, current_tenant().id, text, opened, now) if opened else None
    refusal = check(policy, session, code, since or now)
    if refusal is not None:
        raise await refuse(principal, refusal, code, now, log=log)
    return Checked(code=code, session=session, policy=policy, now=now, since=since)


async def open_code(
    pm: pluggy.PluginManager, principal: Principal | None, text: str, *, secret: str, opened: str = ""
) -> tuple[Checked, str]:
    """The code ``text`` as the scan page shows it, before anything is recorded (refused as a scan would
    be, but not logged: only a scan is, not a page view), with the token the page carries: the first
    opening's, or one for now."""
    checked = await checked_code(pm, principal, text, secret=secret, opened=opened, log=False)
    if checked.since is not None:
        return checked, opened
    return checked, opened_token(secret, current_tenant().id, text, checked.now)


def _attendance_of(code: Code, attendee: Attendee) -> Any:
    return (
        (Attendance.session_kind == code.kind) & (Attendance.session_id == code.session_id) & attendee.where()
    )


def answer_errors(policy: AttendancePolicy, answers: Mapping[str, Sequence[str]]) -> list[FieldError]:
    """What is wrong with the questionnaire's ``answers`` (question code → chosen options): a question
    unanswered, an option that is not one of its own, or not as many options as it asks for."""
    errors = []
    for question in policy.questionnaire:
        chosen = list(dict.fromkeys(answers.get(question.code, ())))
        if not chosen:
            errors.append(FieldError(question.code, f"请回答：{question.text}"))
        elif any(option not in question.options for option in chosen):
            errors.append(FieldError(question.code, f"选项无效：{question.text}"))
        elif len(chosen) != question.picks:
            errors.append(FieldError(question.code, f"请选择 {question.picks} 项：{question.text}"))
    return errors


async def check_answers(
    policy: AttendancePolicy,
    principal: Principal | None,
    code: Code,
    attendee: Attendee,
    answers: Mapping[str, Sequence[str]] | None,
    now: datetime,
) -> None:
    """A first check-out needs a complete questionnaire where the province asks one: refused (and
    logged) otherwise; a repeated check-out needs none."""
    if code.action != "check_out" or not policy.questionnaire:
        return
    errors = answer_errors(policy, answers or {})
    if not errors:
        return
    row = await _existing(code, attendee)
    if row is not None and row["checked_out_at"] is None:  # no check-in: refused as such when recorded
        raise await refuse(principal, Refusal.INCOMPLETE_ANSWERS, code, now, attendee, errors)


async def scan(
    pm: pluggy.PluginManager,
    principal: Principal,
    text: str,
    *,
    secret: str,
    answers: Mapping[str, Sequence[str]] | None = None,
    opened: str = "",
) -> ScanOut:
    """Redeem the code ``text`` for ``principal``'s own person (a check-out with the questionnaire's
    ``answers`` where the province asks one; ``opened``: the scan page's token, so a code that rotated
    while the learner signed in still counts); raises :class:`ScanRefused` (after logging the refusal)
    when it may not be redeemed."""
    code, session, policy, now, _ = await checked_code(pm, principal, text, secret=secret, opened=opened)
    if principal.person_id is None:
        raise await refuse(principal, Refusal.NO_PERSON, code, now)
    attendee = Attendee(person_id=principal.person_id)
    await check_answers(policy, principal, code, attendee, answers, now)
    return await redeem(policy, principal, session, code, attendee, now, via="qr", answers=answers)


async def redeem(
    policy: AttendancePolicy,
    principal: Principal | None,
    session: SessionFacts,
    code: Code,
    attendee: Attendee,
    now: datetime,
    *,
    via: str,
    answers: Mapping[str, Sequence[str]] | None = None,
) -> ScanOut:
    """Record ``code``'s action for ``attendee`` at ``now`` (the checks passed): the first check-in or
    check-out wins, a repeat reads the original time; logged as a scan by ``principal``. The first
    check-out counts the questionnaire's ``answers`` (checked by the caller), without their author.
    A first check-in or check-out raises ``cme_attendance_recorded``. Raises :class:`ScanRefused` for a
    check-out without a check-in."""
    counts_answers = code.action == "check_out" and bool(answers) and bool(policy.questionnaire)
    if not counts_answers and bulk.is_postgres(Attendance):
        row, fresh = await _recorded_in_one_statement(principal, session, code, attendee, now, via)
    else:
        row, fresh = await _recorded_in_transaction(
            policy, principal, session, code, attendee, now, via, answers
        )
    if row is None:
        refused = Refusal.NOT_CHECKED_IN
        raise ScanRefused(REFUSAL_MESSAGES[refused], code=refused.value)
    if fresh:
        recorded = AttendanceRecorded(
            session_kind=code.kind,
            session_id=code.session_id,
            group_id=session.group_id,
            action=code.action,
            via=via,
            person_id=attendee.person_id,
            external_id=attendee.external_id,
            at=now,
        )
        await events.emit(
            active_plugin_manager(), current_tenant(), "cme_attendance_recorded", record=recorded
        )
    return _result(policy, session, code, row, fresh)


async def _recorded_in_transaction(
    policy: AttendancePolicy,
    principal: Principal | None,
    session: SessionFacts,
    code: Code,
    attendee: Attendee,
    now: datetime,
    via: str,
    answers: Mapping[str, Sequence[str]] | None,
) -> tuple[dict[str, Any] | None, bool]:
    """:func:`redeem`'s writes in one transaction: the attendance row (``None``: a check-out without a
    check-in) and whether this scan made it, the answers counted at a first check-out, the scan's log."""
    async with write_transaction(Attendance):
        row: dict[str, Any] | None
        if code.action == "check_in":
            row, reason = await _check_in(session, code, attendee, now, via), "already_checked_in"
        else:
            row, reason = await _check_out(code, attendee, now, via), "already_checked_out"
        if row is None:
            refused = Refusal.NOT_CHECKED_IN
            await _log(principal, outcome="refused", reason=refused, code=code, attendee=attendee, at=now)
            return None, False
        fresh = bool(row.pop("fresh"))
        if fresh and code.action == "check_out" and answers and policy.questionnaire:
            await _count_answers(policy, session, answers)
        await _log(
            principal,
            outcome="accepted" if fresh else "repeated",
            reason="" if fresh else reason,
            code=code,
            attendee=attendee,
            at=now,
        )
    return row, fresh


_ONE_STATEMENT = {
    "check_in": (
        "WITH done AS ("
        " INSERT INTO attendance_attendance (tenant, session_kind, session_id, group_id, person, external,"
        " checked_in_at, checked_in_via, checked_out_at, checked_out_via)"
        " VALUES ({tenant}, {kind}, {session}, {group}, {person}, {external}, {now}, {via}, NULL, '')"
        " ON CONFLICT (tenant, session_kind, session_id, <attendee>) DO NOTHING"
        " RETURNING checked_in_at, checked_out_at), "
    ),
    "check_out": (
        "WITH done AS ("
        " UPDATE attendance_attendance SET checked_out_at = {now}, checked_out_via = {via}"
        " WHERE <where> AND checked_out_at IS NULL"
        " RETURNING checked_in_at, checked_out_at), "
    ),
}
_ONE_STATEMENT_REST = (
    "earlier AS (SELECT checked_in_at, checked_out_at FROM attendance_attendance"
    " WHERE <where> AND NOT EXISTS (SELECT 1 FROM done)), "
    "logged AS (INSERT INTO attendance_scan (tenant, scanned_at, session_kind, session_id, action, outcome,"
    " reason, account, person, external)"
    " SELECT {tenant}, {now}, {kind}, {session}, {action},"
    " CASE WHEN EXISTS (SELECT 1 FROM done) THEN 'accepted'"
    " WHEN EXISTS (SELECT 1 FROM earlier) OR {action} = 'check_in' THEN 'repeated' ELSE 'refused' END,"
    " CASE WHEN EXISTS (SELECT 1 FROM done) THEN ''"
    " WHEN EXISTS (SELECT 1 FROM earlier) OR {action} = 'check_in' THEN {repeated} ELSE {refused} END,"
    " {account}, {person}, {external}) "
    "SELECT checked_in_at, checked_out_at, TRUE AS fresh FROM done"
    " UNION ALL SELECT checked_in_at, checked_out_at, FALSE FROM earlier"
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_WHERE = (
    "tenant = {tenant} AND session_kind = {kind} AND session_id = {session} AND <attendee> = <attendee_id>"
)


async def _recorded_in_one_statement(
    principal: Principal | None,
    session: SessionFacts,
    code: Code,
    attendee: Attendee,
    now: datetime,
    via: str,
) -> tuple[dict[str, Any] | None, bool]:
    """:func:`redeem`'s writes on PostgreSQL in one statement (one round trip, no ``BEGIN``/``COMMIT``):
    the check-in's insert (or the check-out's update), the earlier row where it was a repeat, and the
    scan's log. A check-in that conflicted with a row committed after the statement began, or a
    check-out that lost to a concurrent one, reads that row in a second statement. Returns the row
    (``None``: a check-out without a check-in) and whether this scan made it."""
    column = "person" if attendee.person_id is not None else "external"
    sql = (_ONE_STATEMENT[code.action] + _ONE_STATEMENT_REST).replace("<where>", _WHERE)
    sql = sql.replace("<attendee_id>", "{" + column + "}").replace("<attendee>", column)
    values: dict[str, Any] = {
        "tenant": current_tenant().id,
        "kind": code.kind,
        "session": code.session_id,
        "group": session.group_id,
        "person": attendee.person_id,
        "external": attendee.external_id,
        "now": now,
        "via": via,
        "action": code.action,
        "repeated": "already_checked_in" if code.action == "check_in" else "already_checked_out",
        "refused": Refusal.NOT_CHECKED_IN.value,
        "account": principal.account_id if principal else None,
    }
    rows = await Attendance.raw(_PLACEHOLDER.sub("{}", sql), *[values[n] for n in _PLACEHOLDER.findall(sql)])
    row = dict(rows[0]) if rows else None
    fresh = bool(row and row.pop("fresh"))
    at_column = "checked_in_at" if code.action == "check_in" else "checked_out_at"
    if row is None or row[at_column] is None:
        row = await _existing(code, attendee)  # decided by a concurrent scan's row
    if row is None or row[at_column] is None:
        return None, False
    return row, fresh


async def _count_answers(
    policy: AttendancePolicy, session: SessionFacts, answers: Mapping[str, Sequence[str]]
) -> None:
    """Raise the counter of each chosen option (created at its first choice)."""
    for question in policy.questionnaire:
        for option in dict.fromkeys(answers.get(question.code, ())):
            await Answer.raw(
                "INSERT INTO attendance_answer (tenant, session_kind, group_id, question, option, chosen)"
                " VALUES ({}, {}, {}, {}, {}, 1)"
                " ON CONFLICT (tenant, session_kind, group_id, question, option)"
                " DO UPDATE SET chosen = attendance_answer.chosen + 1",
                current_tenant().id,
                session.kind,
                session.group_id,
                question.code,
                option,
            )


async def _check_in(
    session: SessionFacts, code: Code, attendee: Attendee, now: datetime, via: str
) -> dict[str, Any]:
    inserted = await (
        Attendance.insert(
            Attendance(
                session_kind=code.kind,
                session_id=code.session_id,
                group_id=session.group_id,
                person=attendee.person_id,
                external=attendee.external_id,
                checked_in_at=now,
                checked_in_via=via,
            )
        )
        .on_conflict(
            target=(Attendance.tenant, Attendance.session_kind, Attendance.session_id, attendee.column()),
            action="DO NOTHING",
        )
        .returning(Attendance.checked_in_at, Attendance.checked_out_at)
    )
    if inserted:
        return {**inserted[0], "fresh": True}
    row = await _existing(code, attendee)
    assert row is not None  # the conflict was with this row, and rows are never deleted
    return {**row, "fresh": False}


async def _existing(code: Code, attendee: Attendee) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await Attendance.select(Attendance.checked_in_at, Attendance.checked_out_at)
        .where(_attendance_of(code, attendee))
        .first()
    )
    return row


async def _check_out(code: Code, attendee: Attendee, now: datetime, via: str) -> dict[str, Any] | None:
    updated = await (
        Attendance.update({Attendance.checked_out_at: now, Attendance.checked_out_via: via})
        .where(_attendance_of(code, attendee) & Attendance.checked_out_at.is_null())
        .returning(Attendance.checked_in_at, Attendance.checked_out_at)
    )
    if updated:
        return {**updated[0], "fresh": True}
    row = await _existing(code, attendee)
    return None if row is None else {**row, "fresh": False}


def _result(
    policy: AttendancePolicy, session: SessionFacts, code: Code, row: dict[str, Any], fresh: bool
) -> ScanOut:
    label = ACTION_LABELS[code.action]
    at = row["checked_in_at"] if code.action == "check_in" else row["checked_out_at"]
    if fresh:
        message = f"{label}成功（{clock.china_time(at, '%H:%M:%S')}）"
    else:
        message = f"您已于 {clock.china_time(at, '%H:%M:%S')} {label}，无需重复扫码"
    return ScanOut(
        outcome="accepted" if fresh else "repeated",
        action=code.action,
        action_label=label,
        message=message,
        session=session.brief(),
        checked_in_at=row["checked_in_at"],
        checked_out_at=row["checked_out_at"],
        check_out_required=policy.check_out,
    )
