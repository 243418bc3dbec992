"""Demo attendance: people checking in and out of sessions as if they had scanned the venue's codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pluggy

from cme_platform.attendance.codes import Code
from cme_platform.attendance.scan import Attendee, attendance_policy, redeem
from cme_platform.attendance.sessions import session_facts
from cme_platform.identity.principal import Principal
from cme_platform.tenancy.scope import current_tenant


async def attend(
    pm: pluggy.PluginManager, by: Principal, kind: str, session_ids: Sequence[int], people: Sequence[int]
) -> None:
    """``people`` attended the sessions of ``kind``: they checked in at each session's start and out at its
    end (the last one left an hour early, so his hours fall short), recorded as QR scans shown by ``by``."""
    policy = attendance_policy(pm)
    tenant_id = current_tenant().id
    for index, person_id in enumerate(people):
        for session_id in session_ids:
            facts = await session_facts(kind, session_id)
            assert facts is not None  # the caller's own session
            left = facts.ends_at - (timedelta(hours=1) if index == len(people) - 1 else timedelta())
            for action, at in (("check_in", facts.starts_at), ("check_out", left)):
                code = Code(tenant_id=tenant_id, kind=kind, session_id=session_id, action=action, step=0)
                await redeem(policy, by, facts, code, Attendee(person_id=person_id), at, via="qr")
