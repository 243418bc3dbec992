"""The kinds of session attendance is taken for, registered by the modules that own them.

A module whose activity has sessions registers a :class:`SessionKind`: the core's projects register
``project`` (the 课程 of a run approved for hosting); a province module registers its own (Zhejiang's
internal training, Beijing's practice activities) with its own prefix. Attendance rows are keyed by
(kind, session id), so one attendance table serves them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import msgspec

from cme_platform.attendance.codes import KIND
from cme_platform.attendance.schemas import SessionBrief
from cme_platform.identity.principal import Principal
from cme_platform.tenancy.scope import current_tenant


class SessionFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What attendance needs to know of one session."""

    kind: str
    id: int
    title: str
    """The session's own title (课程名称)."""
    activity: str
    """What it is part of, as the learner reads it (``2026-省级-001 心血管新进展 第1期``)."""
    group_id: int
    """The run (or activity) the session belongs to: attendee lists and grants are per group."""
    starts_at: datetime
    ends_at: datetime
    hours: int
    """The hours (hundredths) the session is worth."""
    venue: str = ""
    open: bool
    """Attendance is open: the activity was approved (an unapproved run's codes are refused)."""
    link: str = ""
    """The page of the group, for those who manage it."""
    codes_from: datetime | None = None
    """Where the activity sets when its codes work (a run's 二维码有效时间), from then…"""
    codes_until: datetime | None = None
    """…until then, instead of the province's windows around the session."""

    def brief(self) -> SessionBrief:
        """The session as the learner and the venue's screen read it."""
        return SessionBrief(
            kind=self.kind,
            id=self.id,
            title=self.title,
            activity=self.activity,
            venue=self.venue,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
        )


class CreditState(msgspec.Struct, frozen=True, kw_only=True):
    """Where the credit of a group (a run) stands for one person."""

    state: str
    """``open`` (no list yet), ``pending`` (the list is under review), ``granted``, ``refused``."""
    label: str
    note: str = ""


OPEN = CreditState(state="open", label="待上报")
"""A group whose attendee list has not been submitted."""


class SessionKind(Protocol):
    """A module's sessions as attendance sees them."""

    kind: str
    """Stored with each attendance row and carried in every code: a short lower-case word (``project``)."""
    label: str
    """What the pages call such a session (``项目课程``)."""
    plugin: str
    """The province plugin whose tenants have such sessions (empty for the core's: every tenant)."""

    async def facts(self, session_ids: Sequence[int]) -> dict[int, SessionFacts]:
        """The sessions of ``session_ids`` that exist in the active tenant."""
        ...

    async def may_show_codes(self, principal: Principal, session: SessionFacts) -> bool:
        """True when ``principal`` may show the session's codes and follow its attendance at the venue
        (the activity's owner, its on-site managers)."""
        ...

    async def may_view(self, principal: Principal, session: SessionFacts) -> bool:
        """True when ``principal`` may follow the session's counts (besides those who show its codes:
        the administrators who review its activity)."""
        ...

    async def may_manage(self, principal: Principal, group_id: int) -> bool:
        """True when ``principal`` manages the group (writes its online exam): the activity's owner."""
        ...

    async def credit_states(self, person_id: int, group_ids: Sequence[int]) -> dict[int, CreditState]:
        """Where the credit of each group (run) of ``group_ids`` stands for ``person_id`` (groups left
        out are :data:`OPEN`)."""
        ...


KINDS: dict[str, SessionKind] = {}
"""Every registered session kind by name."""


def register_session_kind(handler: SessionKind) -> None:
    """Let attendance be taken for the sessions of ``handler``."""
    if not KIND.fullmatch(handler.kind):
        raise ValueError(f"session kind {handler.kind!r} is not a short lower-case word")
    KINDS[handler.kind] = handler


def kind_of(kind: str) -> SessionKind | None:
    """The handler of ``kind`` when the active tenant has such sessions (the core's, or its own
    province's), else ``None``."""
    handler = KINDS.get(kind)
    if handler is None or (handler.plugin and handler.plugin != current_tenant().plugin):
        return None
    return handler


async def session_facts(kind: str, session_id: int) -> SessionFacts | None:
    """One session's facts (``None`` when the kind or the session is unknown in the active tenant)."""
    handler = kind_of(kind)
    if handler is None:
        return None
    return (await handler.facts([session_id])).get(session_id)
