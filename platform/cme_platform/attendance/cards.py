"""Card sign-in at the venue (刷卡签到, seed 000: Beijing signs in to courses by IC card): the owner or an
on-site manager keeps the session's page open, a card reader types the card's number into a field, and
the person of that card (or of that person number) is checked in or out, as if he had scanned the code.

Where the province allows it (``AttendancePolicy.card_sign_in``). The session's window applies, and a
card is recorded exactly like a scan: once per person and session, a repeat reading the original time,
every reading logged.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pluggy

from cme_platform import clock
from cme_platform.attendance.codes import Code
from cme_platform.attendance.records import managed_session
from cme_platform.attendance.scan import Attendee, attendance_policy, check_session, redeem, refuse
from cme_platform.attendance.schemas import ScanOut
from cme_platform.errors import Conflict, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.scope import current_tenant


class CardIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A card number read at the venue, and whether it checks in or out."""

    card: Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z]+$")]
    action: Annotated[str, msgspec.Meta(pattern="^(check_in|check_out)$")] = "check_in"


async def _card_holder(card: str) -> dict[str, Any]:
    """The person whose IC card number is ``card`` or, when no card has it, whose person number is
    ``card``; a card number that several people share is refused (use the person number)."""
    columns = (Person.id, Person.name, Person.person_number)
    holders = await Person.select(*columns).where(Person.ic_card == card).limit(2)
    if len(holders) > 1:
        raise Conflict("该卡号登记在多人名下，请输入人员编号")
    if not holders:
        holders = await Person.select(*columns).where(Person.person_number == card).limit(1)
    if not holders:
        raise NotFound("没有找到该卡号或人员编号对应的人员")
    return holders[0]


class CardOut(msgspec.Struct, frozen=True, kw_only=True):
    """What a card recorded, and whose card it was (the name as staff at the venue read it)."""

    name: str
    person_number: str
    scan: ScanOut


async def record_card(
    pm: pluggy.PluginManager, principal: Principal, kind: str, session_id: int, data: CardIn
) -> CardOut:
    """Check the card's person in or out of the session (its window applies); 404 for a session out of
    reach or a card of nobody, 409 where the province has no card sign-in, 400 outside the window."""
    session = await managed_session(principal, kind, session_id)
    policy = attendance_policy(pm)
    if not policy.card_sign_in:
        raise Conflict("本省未启用刷卡签到，请学员扫码签到")
    if data.action == "check_out" and policy.questionnaire:
        raise Conflict("撤离须先填写调查问卷，请学员扫码撤离")
    person = await _card_holder(data.card)
    now = clock.now()
    code = Code(tenant_id=current_tenant().id, kind=kind, session_id=session_id, action=data.action, step=0)
    attendee = Attendee(person_id=int(person["id"]))
    refusal = check_session(policy, session, data.action, now)
    if refusal is not None:
        raise await refuse(principal, refusal, code, now, attendee)
    result = await redeem(policy, principal, session, code, attendee, now, via="card")
    return CardOut(name=person["name"], person_number=person["person_number"], scan=result)
