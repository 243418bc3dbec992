"""The online exam of a group (在线考试, seed 003 §9.6: from the attendance record): the owner writes
multiple-choice questions and the pass mark; a learner who attended a session of the group takes it as
often as the province allows; each attempt is stored with its score. Where the province requires it
(``AttendancePolicy.exam_required``), only those who passed qualify for credit.

An exam no longer changes once someone has taken it (the attempts would not be comparable). A score is
the share of questions answered exactly right (every right option and no other), out of 100.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
import pluggy

from cme_platform.attendance.scan import attendance_policy
from cme_platform.attendance.sessions import kind_of
from cme_platform.attendance.tables import Attendance, Exam, ExamAttempt
from cme_platform.audit.service import record
from cme_platform.db.errors import is_unique_violation
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity.principal import Principal

EXAM_NOT_FOUND = "该项目没有在线考试"
PASSED = {True: "通过", False: "未通过"}
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Option = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]


class QuestionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A multiple-choice question with the indexes of its right options."""

    text: Text
    options: Annotated[list[Option], msgspec.Meta(min_length=2, max_length=6)]
    answers: Annotated[
        list[Annotated[int, msgspec.Meta(ge=0, le=5)]], msgspec.Meta(min_length=1, max_length=6)
    ]


class ExamIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The exam as its owner writes it."""

    pass_mark: Annotated[int, msgspec.Meta(ge=1, le=100)] = 60
    questions: Annotated[list[QuestionIn], msgspec.Meta(min_length=1, max_length=50)]


class PaperQuestion(msgspec.Struct, frozen=True, kw_only=True):
    """A question as the learner sees it (without its answers)."""

    text: str
    options: list[str]
    picks: int
    """How many options are right (1: a single choice)."""


class AttemptOut(msgspec.Struct, frozen=True, kw_only=True):
    """One attempt: its number, score and whether it passed."""

    attempt: int
    score: int
    passed: bool
    submitted_at: datetime


class ExamOut(msgspec.Struct, frozen=True, kw_only=True):
    """An exam for its owner (``questions`` with answers) or for a learner (``paper``, his attempts)."""

    session_kind: str
    group_id: int
    pass_mark: int
    questions: list[QuestionIn] = msgspec.field(default_factory=list)
    paper: list[PaperQuestion] = msgspec.field(default_factory=list)
    attempts: list[AttemptOut] = msgspec.field(default_factory=list)
    attempts_left: int = 0
    taken: int = 0
    """How many attempts there are (the owner can no longer change the exam once there is one)."""


class AnswersIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A learner's choices: for each question, the indexes of the options he chose."""

    choices: Annotated[
        list[Annotated[list[Annotated[int, msgspec.Meta(ge=0, le=5)]], msgspec.Meta(max_length=6)]],
        msgspec.Meta(max_length=50),
    ]


def _where(kind: str, group_id: int) -> Any:
    return (Exam.session_kind == kind) & (Exam.group_id == group_id)


async def _managed(principal: Principal, kind: str, group_id: int) -> None:
    handler = kind_of(kind)
    if handler is None or not await handler.may_manage(principal, group_id):
        raise NotFound("项目期数不存在或不由您管理")


async def owner_exam(principal: Principal, kind: str, group_id: int) -> ExamOut | None:
    """The group's exam with its answers, for the group's owner (``None``: none written yet)."""
    await _managed(principal, kind, group_id)
    exam = await Exam.select().where(_where(kind, group_id)).output(load_json=True).first()
    if exam is None:
        return None
    taken = await ExamAttempt.count().where(ExamAttempt.exam == exam["id"])
    questions = msgspec.convert(exam["questions"], list[QuestionIn])
    return ExamOut(
        session_kind=kind, group_id=group_id, pass_mark=exam["pass_mark"], questions=questions, taken=taken
    )


def _check(data: ExamIn) -> None:
    errors = [
        FieldError(f"questions.{index}", f"第{index + 1}题的答案须是它的选项（共{len(q.options)}项）")
        for index, q in enumerate(data.questions)
        if any(answer >= len(q.options) for answer in q.answers) or len(set(q.answers)) != len(q.answers)
    ]
    if errors:
        raise InvalidInput("请检查试题", errors)


async def save_exam(principal: Principal, kind: str, group_id: int, data: ExamIn) -> ExamOut:
    """Write (or rewrite) the group's exam, until someone has taken it; audited."""
    _check(data)
    async with write_transaction(Exam):
        await _managed(principal, kind, group_id)
        exam = await Exam.select(Exam.id).where(_where(kind, group_id)).first()
        if exam is not None and await ExamAttempt.exists().where(ExamAttempt.exam == exam["id"]):
            raise Conflict("已有学员参加考试，试题不能再修改")
        values = {
            Exam.pass_mark: data.pass_mark,
            Exam.questions: msgspec.to_builtins(data.questions),
            Exam.updated_by: principal.account_id,
            Exam.updated_at: datetime.now(UTC),
        }
        if exam is None:
            row = Exam({**values, Exam.session_kind: kind, Exam.group_id: group_id})
            await row.save()
            exam_id = int(row.id)
        else:
            exam_id = int(exam["id"])
            await Exam.update(values).where(Exam.id == exam_id)
        await record(
            "attendance.exam.save",
            object_type="attendance_exam",
            object_id=exam_id,
            summary=f"保存在线考试：{len(data.questions)} 题，及格分 {data.pass_mark}",
            after={"group_id": group_id, "questions": len(data.questions), "pass_mark": data.pass_mark},
        )
    result = await owner_exam(principal, kind, group_id)
    assert result is not None
    return result


async def _taker(principal: Principal, kind: str, group_id: int) -> tuple[dict[str, Any], int]:
    """The group's exam and the learner's person, when he attended one of its sessions."""
    person_id = principal.person_id
    exam = (
        await Exam.select().where(_where(kind, group_id)).output(load_json=True).first()
        if kind_of(kind)
        else None
    )
    if exam is None or person_id is None:
        raise NotFound(EXAM_NOT_FOUND)
    attended = await Attendance.exists().where(
        (Attendance.session_kind == kind)
        & (Attendance.group_id == group_id)
        & (Attendance.person == person_id)
    )
    if not attended:
        raise Forbidden("签到参加该项目后才能参加在线考试")
    return exam, person_id


async def _attempts(exam_id: int, person_id: int) -> list[AttemptOut]:
    rows = await (
        ExamAttempt.select(
            ExamAttempt.attempt, ExamAttempt.score, ExamAttempt.passed, ExamAttempt.submitted_at
        )
        .where((ExamAttempt.exam == exam_id) & (ExamAttempt.person == person_id))
        .order_by(ExamAttempt.attempt)
    )
    return [msgspec.convert(r, AttemptOut) for r in rows]


async def learner_exam(pm: pluggy.PluginManager, principal: Principal, kind: str, group_id: int) -> ExamOut:
    """The exam paper (without answers) for a learner who attended, with his attempts and how many are
    left."""
    exam, person_id = await _taker(principal, kind, group_id)
    questions = msgspec.convert(exam["questions"], list[QuestionIn])
    attempts = await _attempts(exam["id"], person_id)
    allowed = attendance_policy(pm).exam_attempts
    return ExamOut(
        session_kind=kind,
        group_id=group_id,
        pass_mark=exam["pass_mark"],
        paper=[PaperQuestion(text=q.text, options=q.options, picks=len(q.answers)) for q in questions],
        attempts=attempts,
        attempts_left=0 if any(a.passed for a in attempts) else max(0, allowed - len(attempts)),
    )


def score(questions: list[QuestionIn], choices: list[list[int]]) -> int:
    """The share (out of 100, rounded down) of questions answered with exactly their right options."""
    right = sum(1 for q, chosen in zip(questions, choices, strict=True) if set(chosen) == set(q.answers))
    return right * 100 // len(questions)


async def take_exam(
    pm: pluggy.PluginManager, principal: Principal, kind: str, group_id: int, data: AnswersIn
) -> AttemptOut:
    """Submit an attempt: scored and stored; 409 when no attempt is left (or he passed already), or when
    the same attempt was submitted twice at once; audited."""
    async with write_transaction(ExamAttempt):
        exam, person_id = await _taker(principal, kind, group_id)
        questions = msgspec.convert(exam["questions"], list[QuestionIn])
        if len(data.choices) != len(questions) or any(not chosen for chosen in data.choices):
            raise InvalidInput("请回答全部试题", [FieldError("choices", f"共{len(questions)}题，请全部作答")])
        attempts = await _attempts(exam["id"], person_id)
        if any(a.passed for a in attempts):
            raise Conflict("您已通过该考试，无需再考")
        if len(attempts) >= attendance_policy(pm).exam_attempts:
            raise Conflict("考试次数已用完")
        got = score(questions, data.choices)
        attempt = ExamAttempt(
            exam=exam["id"],
            person=person_id,
            attempt=len(attempts) + 1,
            score=got,
            passed=got >= exam["pass_mark"],
            choices=data.choices,
        )
        try:
            await attempt.save()
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict("请勿重复提交试卷") from exc
            raise
        await record(
            "attendance.exam.take",
            object_type="attendance_exam",
            object_id=int(exam["id"]),
            summary=f"参加在线考试：第{attempt.attempt}次，{got}分（{PASSED[attempt.passed]}）",
            after={
                "person_id": person_id,
                "attempt": attempt.attempt,
                "score": got,
                "passed": attempt.passed,
            },
        )
    return AttemptOut(
        attempt=attempt.attempt, score=got, passed=attempt.passed, submitted_at=attempt.submitted_at
    )


async def exam_results(kind: str, group_id: int) -> dict[int, AttemptOut] | None:
    """Each person's best attempt at the group's exam (``None`` when the group has no exam)."""
    exam = await Exam.select(Exam.id).where(_where(kind, group_id)).first()
    if exam is None:
        return None
    best: dict[int, AttemptOut] = {}
    for r in await ExamAttempt.select(
        ExamAttempt.person,
        ExamAttempt.attempt,
        ExamAttempt.score,
        ExamAttempt.passed,
        ExamAttempt.submitted_at,
    ).where(ExamAttempt.exam == exam["id"]):
        current = best.get(r["person"])
        if current is None or r["score"] > current.score:
            best[r["person"]] = msgspec.convert({k: v for k, v in r.items() if k != "person"}, AttemptOut)
    return best
