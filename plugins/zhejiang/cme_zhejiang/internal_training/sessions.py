"""A training's sessions as attendance sees them: the ``training`` session kind (Zhejiang tenants only).

A session is open for QR attendance once its training is approved, until the training is written off.
Its codes are shown by the training's department or institution administrators, or an on-site manager
(会场负责人) of its institution; a learner's credit for a training stands where its write-off stands.
"""

from __future__ import annotations

from collections.abc import Sequence

from cme_platform.attendance.sessions import CreditState, SessionFacts, register_session_kind
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.projects.attendance import aware

from cme_zhejiang import PLUGIN_NAME
from cme_zhejiang.internal_training import SESSION_KIND
from cme_zhejiang.internal_training.service import TrainingStatus, WriteOffStatus, may_manage, visible
from cme_zhejiang.internal_training.tables import Training, TrainingScore, TrainingSession, TrainingWriteOff

MAX_FACTS = 1000
"""The most sessions one call reads."""


class TrainingSessions:
    """The ``training`` session kind."""

    kind = SESSION_KIND
    label = "内部培训课程"
    plugin = PLUGIN_NAME

    async def facts(self, session_ids: Sequence[int]) -> dict[int, SessionFacts]:
        """The sessions with their training's name and approval; closed once it is written off."""
        ids = list(dict.fromkeys(session_ids))[:MAX_FACTS] or [0]
        rows = await TrainingSession.select(
            *TrainingSession.all_columns(),
            TrainingSession.training.name.as_alias("training_name"),
            TrainingSession.training.status.as_alias("training_status"),
        ).where(TrainingSession.id.is_in(ids))
        written_off = {
            r["training"]
            for r in await TrainingWriteOff.select(TrainingWriteOff.training).where(
                TrainingWriteOff.training.is_in([r["training"] for r in rows] or [0])
                & (TrainingWriteOff.status == WriteOffStatus.APPROVED.value)
            )
        }
        return {
            r["id"]: SessionFacts(
                kind=SESSION_KIND,
                id=r["id"],
                title=r["title"],
                activity=f"内部培训 {r['training_name']}",
                group_id=r["training"],
                starts_at=aware(r["starts_at"]),
                ends_at=aware(r["ends_at"]),
                hours=r["hours"],
                venue=r["venue"],
                open=r["training_status"] == TrainingStatus.APPROVED and r["training"] not in written_off,
                link=f"/p/zhejiang/trainings/{r['training']}",
            )
            for r in rows
        }

    async def _row(self, training_id: int) -> dict[str, object] | None:
        row: dict[str, object] | None = (
            await Training.select(Training.institution, Training.department)
            .where(Training.id == training_id)
            .first()
        )
        return row

    async def may_show_codes(self, principal: Principal, session: SessionFacts) -> bool:
        """The training's department or institution administrators, or an on-site manager of its
        institution."""
        row = await self._row(session.group_id)
        if row is None:
            return False
        if may_manage(principal, row):
            return True
        return any(g.institution_id == row["institution"] for g in principal.grants_for(Role.ONSITE_MANAGER))

    async def may_view(self, principal: Principal, session: SessionFacts) -> bool:
        """Those who show its codes, and those who read the training (its region's and the commission's
        administrators)."""
        return await self.may_show_codes(principal, session) or bool(
            await Training.exists().where((Training.id == session.group_id) & visible(principal))
        )

    async def may_manage(self, principal: Principal, group_id: int) -> bool:
        """The training's department or institution administrators."""
        row = await self._row(group_id)
        return row is not None and may_manage(principal, row)

    async def credit_states(self, person_id: int, group_ids: Sequence[int]) -> dict[int, CreditState]:
        """Where each training's write-off stands for ``person_id``."""
        write_offs = await TrainingWriteOff.select(
            TrainingWriteOff.id,
            TrainingWriteOff.training,
            TrainingWriteOff.status,
            TrainingWriteOff.review_comment,
        ).where(TrainingWriteOff.training.is_in(list(group_ids) or [0]))
        scores = {
            s["write_off"]: s
            for s in await TrainingScore.select(
                TrainingScore.write_off, TrainingScore.credits, TrainingScore.credit
            ).where(
                TrainingScore.write_off.is_in([w["id"] for w in write_offs] or [0])
                & (TrainingScore.person == person_id)
            )
        }
        out: dict[int, CreditState] = {}
        for w in write_offs:
            score = scores.get(w["id"])
            if w["status"] == WriteOffStatus.APPROVED:
                out[w["training"]] = (
                    CreditState(state="granted", label="已授予学分")
                    if score is not None and score["credit"] is not None
                    else CreditState(state="refused", label="未授分", note="未达到规定学时或未被科室评分")
                )
            elif w["status"] == WriteOffStatus.REJECTED:
                out[w["training"]] = CreditState(state="refused", label="未授分", note=w["review_comment"])
            elif w["status"] == WriteOffStatus.SUBMITTED:
                out[w["training"]] = CreditState(state="pending", label="核销中")
        return out


register_session_kind(TrainingSessions())
