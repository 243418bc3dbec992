"""授分 and 核销: scoring a held training's attendees and its two-stage write-off.

Once a training is held, its department sees everyone who checked in, with the hours that count and the
training's credits proposed for those who attended long enough (the province's share of its hours). It
gives each attendee his credits (0 for none) and saves them; 核销 sends them to the institution, whose
write-off (单位核销, in the approvals inbox) posts each credit to the ledger (II类学分,
单位和科室组织的活动), where it counts at once. A returned write-off is scored again and resent; a
rejected one gives no credit. An institution administrator's own write-off needs no second approval.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec
import pluggy
from cme_platform import clock
from cme_platform.approvals import engine
from cme_platform.approvals.chains import Chain
from cme_platform.approvals.engine import Outcome, RequestRow
from cme_platform.approvals.schemas import SubjectSummary, SummaryField
from cme_platform.approvals.status_subjects import StatusSubject
from cme_platform.attendance.records import group_attendance
from cme_platform.attendance.scan import attendance_policy
from cme_platform.audit.service import record
from cme_platform.credits.ledger import Posting, post
from cme_platform.credits.sources import CreditSource
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, InvalidInput
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.notifications.service import notify
from cme_platform.personnel.tables import Person
from cme_platform.plugins.manager import active_plugin_manager
from cme_platform.projects.access import lock_row
from cme_platform.projects.attendee_lists import required_hours
from cme_platform.projects.service import hundredths
from cme_platform.standards.amounts import format_credits
from piccolo.query.functions.aggregate import Sum

from cme_zhejiang import PLUGIN_NAME
from cme_zhejiang.internal_training import CATEGORY, SESSION_KIND, SUBCATEGORY, WRITE_OFF_TYPE
from cme_zhejiang.internal_training.service import (
    INSTITUTION_STEP,
    WriteOffStatus,
    get_training,
    managed_row,
    submitter_role,
    summary_fields,
    title_of,
    training_rows,
)
from cme_zhejiang.internal_training.sessions import TrainingSessions
from cme_zhejiang.internal_training.tables import Training, TrainingScore, TrainingSession, TrainingWriteOff

WRITE_OFF_CHAIN = Chain(code="zj.training_write_off", name="内部培训核销", steps=(INSTITUTION_STEP,))
"""The institution's second write-off (skipped when the institution scored the training itself)."""

OUTCOME_STATUS = {
    "advanced": WriteOffStatus.SUBMITTED,
    "approved": WriteOffStatus.APPROVED,
    "rejected": WriteOffStatus.REJECTED,
    "returned": WriteOffStatus.RETURNED,
}

MAX_SCORES = 2000
"""The most attendees one training scores."""


class ScoreIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One attendee's credits (0 gives none)."""

    person_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    credits: Decimal


class ScoresIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The department's scores (授分); with ``write_off``, sent to the institution (核销) at once."""

    scores: Annotated[list[ScoreIn], msgspec.Meta(max_length=MAX_SCORES)]
    write_off: bool = False


class ScoreRow(msgspec.Struct, frozen=True, kw_only=True):
    """An attendee as the scoring sheet shows him."""

    person_id: int
    name: str
    person_number: str
    department_name: str
    hours: int
    hours_text: str
    qualifies: bool
    """He attended the share of the training's hours the province asks."""
    credits: int
    """His saved credits, or the training's when he qualifies and nothing is saved yet."""
    credits_text: str
    granted: bool


class ScoreSheet(msgspec.Struct, frozen=True, kw_only=True):
    """A training's attendees with their scores, and where its write-off stands."""

    training_id: int
    training_name: str
    credits: int
    credits_text: str
    required_hours: int
    required_hours_text: str
    status: str
    status_label: str
    review_comment: str
    approval_id: int | None
    editable: bool
    rows: list[ScoreRow]
    externals: int
    """Attendees registered at the venue (现场登记), who are not in the registry and get no credit here."""


def grant_key(training_id: int, person_id: int) -> str:
    """The ledger's idempotency key of a person's credit for a training: one credit whatever retries."""
    return f"training:{training_id}:{person_id}"


async def write_off_of(training_id: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await TrainingWriteOff.select().where(TrainingWriteOff.training == training_id).first()
    )
    return row


async def _sessions(training_id: int) -> list[Any]:
    ids = [
        r["id"]
        for r in await TrainingSession.select(TrainingSession.id).where(
            TrainingSession.training == training_id
        )
    ]
    return sorted((await TrainingSessions().facts(ids)).values(), key=lambda s: s.starts_at)


async def score_sheet(pm: pluggy.PluginManager, principal: Principal, training_id: int) -> ScoreSheet:
    """The training's attendees with their hours and scores, for those who read it."""
    training = await get_training(principal, training_id)
    sessions = await _sessions(training_id)
    required = required_hours(attendance_policy(pm), sum(s.hours for s in sessions))
    attended = await group_attendance(pm, SESSION_KIND, training_id, sessions)
    write_off = await write_off_of(training_id)
    saved = (
        {
            s["person"]: s
            for s in await TrainingScore.select().where(TrainingScore.write_off == write_off["id"])
        }
        if write_off
        else {}
    )
    hours = {a.person_id: a.hours for a in attended if a.person_id is not None}
    person_ids = sorted(set(hours) | set(saved))
    people = {
        p["id"]: p
        for p in await Person.select(
            Person.id, Person.name, Person.person_number, Person.department.name.as_alias("department_name")
        ).where(Person.id.is_in(person_ids or [0]))
    }
    rows = []
    for person_id in person_ids:
        who = people.get(person_id, {})
        own = hours.get(person_id, saved[person_id]["hours"] if person_id in saved else 0)
        qualifies = own >= required > 0
        credits = (
            saved[person_id]["credits"] if person_id in saved else (training.credits if qualifies else 0)
        )
        rows.append(
            ScoreRow(
                person_id=person_id,
                name=who.get("name", ""),
                person_number=who.get("person_number", ""),
                department_name=who.get("department_name") or "",
                hours=own,
                hours_text=format_credits(own),
                qualifies=qualifies,
                credits=credits,
                credits_text=format_credits(credits),
                granted=person_id in saved and saved[person_id]["credit"] is not None,
            )
        )
    rows.sort(key=lambda r: (not r.qualifies, r.department_name, r.person_number))
    status = write_off["status"] if write_off else ""
    return ScoreSheet(
        training_id=training_id,
        training_name=training.name,
        credits=training.credits,
        credits_text=training.credits_text,
        required_hours=required,
        required_hours_text=format_credits(required),
        status=status,
        status_label=WriteOffStatus.label_of(status) if status else "待评分",
        review_comment=write_off["review_comment"] if write_off else "",
        approval_id=write_off["approval"] if write_off else None,
        editable=training.may_score,
        rows=rows,
        externals=sum(1 for a in attended if a.person_id is None),
    )


async def save_scores(
    pm: pluggy.PluginManager, principal: Principal, training_id: int, data: ScoresIn
) -> ScoreSheet:
    """Save the department's scores of a held training (授分) and, with ``data.write_off``, send them to
    the institution (核销); audited. Only attendees may be scored, each at most the training's credits."""
    async with write_transaction(Training):
        row = await managed_row(principal, training_id, editable=False)
        await lock_row(Training, training_id)  # one scorer at a time: the write-off row is made once
        training = await get_training(principal, training_id)
        if not training.may_score:
            raise Conflict(
                "内部培训尚未举办完毕，不能授分"
                if not training.held
                else f"内部培训{training.write_off_label}，不能再修改评分"
            )
        sessions = await _sessions(training_id)
        attended = {
            a.person_id: a.hours
            for a in await group_attendance(pm, SESSION_KIND, training_id, sessions)
            if a.person_id is not None
        }
        errors: list[FieldError] = []
        scores: dict[int, int] = {}
        for index, score in enumerate(data.scores):
            field = f"scores[{index}].credits"
            if score.person_id not in attended:
                errors.append(FieldError(f"scores[{index}].person_id", "只能为签到的学员授分"))
                continue
            if score.person_id in scores:
                errors.append(FieldError(f"scores[{index}].person_id", "同一学员只能评分一次"))
                continue
            scores[score.person_id] = hundredths(
                score.credits, field, "学分", Decimal(training.credits) / 100, errors
            )
        if data.write_off and not any(scores.values()):
            errors.append(FieldError("scores", "核销前请至少为一名学员授予学分"))
        if errors:
            raise InvalidInput("请检查标注的学员评分", errors)
        write_off = await write_off_of(training_id)
        if write_off is None:
            created = TrainingWriteOff(training=training_id, status=WriteOffStatus.DRAFT.value)
            await created.save()
            write_off_id = int(created.id)
        else:
            write_off_id = write_off["id"]
        await TrainingScore.delete().where(TrainingScore.write_off == write_off_id)
        if scores:
            await TrainingScore.insert(
                *[
                    TrainingScore(
                        write_off=write_off_id, person=person_id, hours=attended[person_id], credits=credits
                    )
                    for person_id, credits in scores.items()
                ]
            )
        await record(
            "zhejiang.training.scores",
            object_type="zhejiang_training",
            object_id=training_id,
            summary=f"内部培训授分：{row['name']}（{sum(1 for c in scores.values() if c)} 人授分）",
            after={"scored": len(scores), "granted": sum(1 for c in scores.values() if c)},
        )
        if data.write_off:
            await _submit(pm, principal, row, write_off_id)
    return await score_sheet(pm, principal, training_id)


async def _submit(
    pm: pluggy.PluginManager, principal: Principal, row: dict[str, Any], write_off_id: int
) -> None:
    claimed = await (
        TrainingWriteOff.update(
            {
                TrainingWriteOff.status: WriteOffStatus.SUBMITTED,
                TrainingWriteOff.submitted_by: principal.account_id,
                TrainingWriteOff.submitted_at: datetime.now(UTC),
            }
        )
        .where(
            (TrainingWriteOff.id == write_off_id)
            & TrainingWriteOff.status.is_in([WriteOffStatus.DRAFT.value, WriteOffStatus.RETURNED.value])
        )
        .returning(TrainingWriteOff.id)
    )
    if not claimed:
        raise Conflict("该内部培训已提交核销，请刷新后查看")
    await record(
        "zhejiang.training_write_off.submit",
        object_type="zhejiang_training_write_off",
        object_id=write_off_id,
        summary=f"内部培训提交核销：{row['name']}",
        after={"status": WriteOffStatus.SUBMITTED.value, "training": row["id"]},
    )
    await engine.open_request(
        pm,
        subject_type=WRITE_OFF_TYPE,
        subject_id=write_off_id,
        chain=WRITE_OFF_CHAIN,
        title=title_of(row),
        institution_id=row["institution"],
        department_id=row["department"],
        region_id=row["region"],
        principal=principal,
        submitted_as=submitter_role(principal, row),
    )


async def grant(pm: pluggy.PluginManager, principal: Principal, write_off_id: int) -> int:
    """Post the credit of every attendee scored above 0 (once each: keyed by training and person) and tell
    them; returns how many credits were posted now. Called by the institution's write-off, inside its
    transaction."""
    found = (
        await TrainingWriteOff.select(TrainingWriteOff.training)
        .where(TrainingWriteOff.id == write_off_id)
        .first()
    )
    assert found is not None  # the request's own subject
    training_id = found["training"]
    training = (
        await Training.select(*Training.all_columns(), Training.institution.name.as_alias("institution_name"))
        .where(Training.id == training_id)
        .first()
    )
    assert training is not None
    last = await (
        TrainingSession.select(TrainingSession.ends_at)
        .where(TrainingSession.training == training_id)
        .order_by(TrainingSession.ends_at, ascending=False)
        .first()
    )
    held_on = (last["ends_at"] if last else datetime.now(UTC)).astimezone(clock.CHINA).date()
    scores = await TrainingScore.select(
        TrainingScore.id, TrainingScore.person, TrainingScore.hours, TrainingScore.credits
    ).where((TrainingScore.write_off == write_off_id) & (TrainingScore.credits > 0))
    posted = 0
    for score in scores:
        result = await post(
            pm,
            principal,
            Posting(
                person_id=score["person"],
                source=CreditSource.TRAINING,
                activity_date=held_on,
                activity_name=training["name"],
                activity_number=training["other_number"],
                category=CATEGORY,
                subcategory=SUBCATEGORY,
                credits=score["credits"],
                hours=score["hours"],
                discipline=training["discipline"],
                subdiscipline=training["subdiscipline"],
                form=training["form"],
                issuer=training["institution_name"] or "",
                source_type="zhejiang_training",
                source_id=training_id,
                idempotency_key=grant_key(training_id, score["person"]),
            ),
            granted=True,
            entered_as=Role.INSTITUTION_ADMIN.value,
        )
        await TrainingScore.update({TrainingScore.credit: result.record_id}).where(
            TrainingScore.id == score["id"]
        )
        posted += result.created
    accounts = [
        p["account"]
        for p in await Person.select(Person.account).where(
            Person.id.is_in([s["person"] for s in scores] or [0])
        )
        if p["account"] is not None
    ]
    await notify(
        accounts,
        kind="zhejiang.training.granted",
        title=f"内部培训学分已授予：{training['name']}",
        body=f"{CATEGORY}（{SUBCATEGORY}）",
        path="/attendance/mine",
    )
    return posted


async def _session_hours(training_ids: Sequence[int]) -> dict[int, int]:
    """The hours (hundredths) of each training's sessions together."""
    rows = await (
        TrainingSession.select(TrainingSession.training, Sum(TrainingSession.hours, alias="hours"))
        .where(TrainingSession.training.is_in(list(training_ids) or [0]))
        .group_by(TrainingSession.training)
    )
    return {r["training"]: int(r["hours"] or 0) for r in rows}


class WriteOffSubject(StatusSubject):
    """Describes a training's scores to the institution and grants them on its write-off (核销通过 /
    不通过 / 退回, audited as ``zhejiang.training_write_off.<outcome>``)."""

    table = TrainingWriteOff
    outcome_status = OUTCOME_STATUS
    action_prefix = "zhejiang.training_write_off"
    subject_type = WRITE_OFF_TYPE
    label = "内部培训核销"
    plugin = PLUGIN_NAME

    async def load(self, subject_id: int) -> dict[str, Any] | None:
        """The write-off with its training's name and department."""
        row: dict[str, Any] | None = (
            await TrainingWriteOff.select(
                *TrainingWriteOff.all_columns(),
                TrainingWriteOff.training.name.as_alias("name"),
                TrainingWriteOff.training.department.as_alias("department"),
            )
            .where(TrainingWriteOff.id == subject_id)
            .first()
        )
        return row

    async def after_decision(
        self,
        row: dict[str, Any],
        request: RequestRow,
        outcome: Outcome,
        comment: str,
        changes: dict[str, Any],
    ) -> None:
        """Tell the department's account that submitted it of a return or a rejection."""
        if outcome in ("returned", "rejected") and row["submitted_by"]:
            await notify(
                [row["submitted_by"]],
                kind=f"zhejiang.training.{outcome}",
                title=f"内部培训核销{'退回' if outcome == 'returned' else '不通过'}：{row['name']}",
                body=comment,
                path=f"/p/zhejiang/trainings/{row['training']}/scores",
            )

    async def decided(
        self,
        pm: pluggy.PluginManager,
        request: RequestRow,
        outcome: Outcome,
        comment: str,
        principal: Principal,
    ) -> None:
        """Set the write-off's status; on approval post the credits (the approver is the grantor), unless
        the write-off no longer belongs to the request."""
        row = await self.load(request.subject_id)
        await super().decided(pm, request, outcome, comment, principal)
        if outcome == "approved" and row is not None and row["approval"] == request.id:
            await grant(pm, principal, request.subject_id)

    async def describe(self, subject_ids: Sequence[int], principal: Principal) -> dict[int, SubjectSummary]:
        """The training's facts, then how many attendees are scored and each credit given with the hours
        that count (those short of the required hours marked)."""
        policy = attendance_policy(active_plugin_manager())
        write_offs = await TrainingWriteOff.select(TrainingWriteOff.id, TrainingWriteOff.training).where(
            TrainingWriteOff.id.is_in(list(subject_ids) or [0])
        )
        trainings = await training_rows([w["training"] for w in write_offs])
        scored: dict[int, list[dict[str, Any]]] = {}
        required = {
            training_id: required_hours(policy, hours)
            for training_id, hours in (await _session_hours([w["training"] for w in write_offs])).items()
        }
        for score in await TrainingScore.select(
            TrainingScore.write_off,
            TrainingScore.credits,
            TrainingScore.hours,
            TrainingScore.person.name.as_alias("name"),
        ).where(TrainingScore.write_off.is_in([w["id"] for w in write_offs] or [0])):
            scored.setdefault(score["write_off"], []).append(score)
        out: dict[int, SubjectSummary] = {}
        for w in write_offs:
            training = trainings.get(w["training"])
            scores = scored.get(w["id"], [])
            given = [s for s in scores if s["credits"] > 0]
            short = [s for s in given if s["hours"] < required.get(w["training"], 0)]
            out[w["id"]] = SubjectSummary(
                title=title_of(training) if training else "内部培训",
                link=f"/p/zhejiang/trainings/{w['training']}/scores",
                fields=(summary_fields(training) if training else [])
                + [
                    SummaryField(
                        label="评分人数",
                        value=f"{len(scores)} 人，其中 {len(given)} 人授分"
                        + (f"（{len(short)} 人学时不足仍授分）" if short else ""),
                    ),
                    SummaryField(
                        label="授予学分",
                        value="；".join(
                            f"{s['name']} {format_credits(s['credits'])}分"
                            f"（{format_credits(s['hours'])}学时{'，学时不足' if s in short else ''}）"
                            for s in given[:50]
                        )
                        + ("……" if len(given) > 50 else ""),
                    ),
                ],
            )
        return out


engine.register_subject(WriteOffSubject())
