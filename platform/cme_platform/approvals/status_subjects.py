"""The common half of a subject handler whose subject is one row with a status (a hosting application, a
declaration, a plan): the row points to its request, and each decision sets its status, and on a final
outcome its reason and decision time, and is audited.

A handler subclasses :class:`StatusSubject`, names its table, the status of each outcome and its audit
action prefix, says how a row is titled, and adds what is its own (:meth:`~StatusSubject.extra_changes`:
a number handed out on approval; :meth:`~StatusSubject.after_decision`: telling the owner). It still
writes its own ``describe``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import pluggy
from piccolo.table import Table

from cme_platform.approvals.engine import Outcome, RequestRow
from cme_platform.audit.service import record
from cme_platform.identity.principal import Principal
from cme_platform.labels import LabelledEnum


class StatusSubject:
    """A handler's ``opened`` and ``decided`` for a table with ``status``, ``approval`` and
    ``review_comment`` columns (and ``decided_at`` where it has one)."""

    table: ClassVar[type[Table]]
    outcome_status: ClassVar[Mapping[str, LabelledEnum]]
    """The row's status after each outcome (``advanced``, ``approved``, ``returned``, ``rejected``)."""
    action_prefix: ClassVar[str]
    """Audit actions are ``<prefix>.<outcome>`` (``projects.run.approved``)."""

    def title(self, row: dict[str, Any]) -> str:
        """How the audit log and messages name the subject (``row``: what :meth:`load` read); its
        ``name`` unless the subject says otherwise."""
        return str(row["name"])

    async def load(self, subject_id: int) -> dict[str, Any] | None:
        """The subject's row (override to join what :meth:`title` or :meth:`after_decision` need)."""
        table: Any = self.table
        row: dict[str, Any] | None = await table.select().where(table.id == subject_id).first()
        return row

    async def extra_changes(
        self, pm: pluggy.PluginManager, row: dict[str, Any], outcome: Outcome
    ) -> dict[Any, Any]:
        """More columns to set with the decision (none by default); those that are not times are also
        written in the audit record and after its summary (a number handed out on approval)."""
        return {}

    async def after_decision(
        self,
        row: dict[str, Any],
        request: RequestRow,
        outcome: Outcome,
        comment: str,
        changes: dict[str, Any],
    ) -> None:
        """What follows a decision inside its transaction, such as telling the owner (``changes``: the
        columns :meth:`extra_changes` set, by name). Nothing by default."""

    async def opened(self, request: RequestRow) -> None:
        """The row points to its new request."""
        table: Any = self.table
        await table.update({table.approval: request.id}).where(table.id == request.subject_id)

    async def decided(
        self,
        pm: pluggy.PluginManager,
        request: RequestRow,
        outcome: Outcome,
        comment: str,
        principal: Principal,
    ) -> None:
        """Set the status of the outcome (and, when it is final, the reason and the decision time) and
        audit it as ``<prefix>.<outcome>``; a row that no longer belongs to the request is left alone."""
        row = await self.load(request.subject_id)
        if row is None or row["approval"] != request.id:
            return
        status = self.outcome_status[outcome]
        table: Any = self.table
        changes: dict[Any, Any] = {table.status: status}
        if outcome != "advanced":
            changes[table.review_comment] = comment
            if "decided_at" in row:
                changes[table.decided_at] = datetime.now(UTC)
        extra = {
            column._meta.name: value for column, value in (await self.extra_changes(pm, row, outcome)).items()
        }
        changes |= {table._meta.get_column_by_name(name): value for name, value in extra.items()}
        await table.update(changes).where(table.id == row["id"])
        noted = {name: value for name, value in extra.items() if not isinstance(value, datetime)}
        await record(
            f"{self.action_prefix}.{outcome}",
            object_type=self.table._meta.tablename,
            object_id=row["id"],
            summary=f"{request.decided_label(outcome)}：{self.title(row)}（{status.label}）"
            + " ".join(str(value) for value in noted.values()),
            before={"status": row["status"]},
            after={"status": status.value, "comment": comment, **noted},
        )
        await self.after_decision(row, request, outcome, comment, extra)
