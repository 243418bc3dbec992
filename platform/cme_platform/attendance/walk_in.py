"""Registering at the venue (现场登记, 004 §2.1: scanning the code opens the 学员信息 form): someone not
signed in gives his ID number, name, phone and what the province's form asks, where the province allows
it (``AttendancePolicy.walk_in``).

A person of the registry is matched by his ID number's keyed hash and must give the phone the registry
holds; someone unknown becomes an external attendee (:class:`ExternalAttendee`, one per ID number, sealed
as the registry's are), whose attendance and granted credit stay bound to his ID number for his
certificate, and who must give the same phone every time after. Checking out asks for the same ID number
and phone (and the questionnaire). A mismatch is refused with one message whatever its cause, so the form
tells nobody who is registered. Every attempt past the code's checks is a logged scan; refused attempts
are limited per client address and per ID number.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
import pluggy

from cme_platform import pii, ratelimit
from cme_platform.attendance.codes import Code, Refusal
from cme_platform.attendance.policy import WALK_IN_FIELDS, AttendancePolicy
from cme_platform.attendance.scan import NOBODY, Attendee, check_answers, checked_code, redeem, refuse
from cme_platform.attendance.schemas import Answers, ScanOut
from cme_platform.attendance.tables import ExternalAttendee
from cme_platform.audit.context import current_actor
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, TooManyRequests
from cme_platform.personnel.tables import Person
from cme_platform.personnel.validation import ResidentIdError, parse_resident_id

ADDRESS_BUCKET, ID_BUCKET = "attendance.walk_in.address", "attendance.walk_in.id"
LIMIT, ID_LIMIT, WINDOW = 30, 5, timedelta(minutes=10)
"""Refused walk-in attempts allowed per client address (a venue's Wi-Fi shares one) and per ID number in
a window; accepted ones do not count. They stop guessing ID numbers and phones."""
PHONE = re.compile(r"1[3-9]\d{9}")
"""A mainland mobile number."""

Short = Annotated[str, msgspec.Meta(max_length=50)]


class WalkInIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The walk-in form (学员信息)."""

    id_number: Annotated[str, msgspec.Meta(max_length=18)]
    name: Short = ""
    phone: Annotated[str, msgspec.Meta(max_length=20)] = ""
    gender: Annotated[str, msgspec.Meta(max_length=2)] = ""
    age: Annotated[int, msgspec.Meta(ge=16, le=100)] | None = None
    unit: Annotated[str, msgspec.Meta(max_length=100)] = ""
    department: Short = ""
    unit_place: Short = ""
    grassroots: bool | None = None
    title: Annotated[str, msgspec.Meta(max_length=32)] = ""
    position: Annotated[str, msgspec.Meta(max_length=32)] = ""
    education: Annotated[str, msgspec.Meta(max_length=16)] = ""
    answers: Answers = msgspec.field(default_factory=dict)
    """The check-out questionnaire's answers, where the province asks one."""


class WalkInScanIn(WalkInIn, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The walk-in form with the code it was opened for (and the scan page's token)."""

    code: Annotated[str, msgspec.Meta(max_length=200)]
    opened: Annotated[str, msgspec.Meta(max_length=40)] = ""


class WalkInLimited(TooManyRequests):
    """Too many walk-in attempts from one address (429)."""


def form_errors(policy: AttendancePolicy, action: str, data: WalkInIn) -> list[FieldError]:
    """What is wrong with the form: a check-in needs a valid resident ID number, a name, a mobile phone
    and the province's required fields; a check-out the ID number and phone."""
    errors: list[FieldError] = []
    number = "".join(data.id_number.split()).upper()
    try:
        parse_resident_id(number)
    except ResidentIdError as exc:
        errors.append(FieldError("id_number", str(exc)))
    if not PHONE.fullmatch(normal_phone(data.phone)):
        errors.append(FieldError("phone", "请填写11位手机号"))
    if action == "check_in":
        if not data.name.strip() or any(ch.isdigit() or ch in "<>\"'&" for ch in data.name):
            errors.append(FieldError("name", "请填写姓名"))
        if data.gender and data.gender not in ("男", "女"):
            errors.append(FieldError("gender", "请选择性别"))
        for field in policy.walk_in_required:
            value = getattr(data, field)
            if value is None or (isinstance(value, str) and not value.strip()):
                errors.append(FieldError(field, f"请填写{WALK_IN_FIELDS[field]}"))
    return errors


def _details(policy: AttendancePolicy, data: WalkInIn) -> dict[str, Any]:
    """What the external attendee's row keeps: the name, phone and the fields the form asked."""
    asked = {field: getattr(data, field) for field in policy.walk_in_fields}
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in asked.items()}
    return {"name": data.name.strip(), "phone": normal_phone(data.phone), **values}


async def _external(policy: AttendancePolicy, number: str, data: WalkInIn) -> int:
    """The external attendee of ``number``, registered now or updated with what he gave this time."""
    details = _details(policy, data)
    row = ExternalAttendee(
        id_sealed=pii.seal(number),
        id_hash=pii.lookup_hash(number),
        id_masked=pii.mask_document(number),
        **details,
    )
    changed = [ExternalAttendee._meta.get_column_by_name(name) for name in details]
    saved = await (
        ExternalAttendee.insert(row)
        .on_conflict(
            target=(ExternalAttendee.tenant, ExternalAttendee.id_hash),
            action="DO UPDATE",
            values=[*changed, ExternalAttendee.updated_at],
        )
        .returning(ExternalAttendee.id)
    )
    return int(saved[0]["id"])


async def _known(number: str) -> tuple[Attendee, str] | None:
    """The registry's person or the external attendee of ``number``, with the phone on record."""
    hashed = pii.lookup_hash(number)
    person = await Person.select(Person.id, Person.phone).where(Person.id_hash == hashed).first()
    if person is not None:
        return Attendee(person_id=int(person["id"])), person["phone"]
    external = (
        await ExternalAttendee.select(ExternalAttendee.id, ExternalAttendee.phone)
        .where(ExternalAttendee.id_hash == hashed)
        .first()
    )
    if external is not None:
        return Attendee(external_id=int(external["id"])), external["phone"]
    return None


def normal_phone(value: str) -> str:
    """A phone number as it is compared: without spaces, dashes and the +86 prefix."""
    digits = re.sub(r"[\s-]", "", value)
    return digits.removeprefix("+86") if digits.startswith("+86") else digits


async def _identified(
    policy: AttendancePolicy, code: Code, number: str, data: WalkInIn, now: datetime
) -> Attendee:
    """Who the form speaks for: the registry's person or the external attendee of the ID number, when
    the phone is the one on record; on check-in, someone unknown registers as an external attendee. An
    unknown ID number, a registry person without a phone and a wrong phone are refused alike (the form
    says nothing of who is registered)."""
    known = await _known(number)
    phone = normal_phone(data.phone)
    if known is None and code.action == "check_in":
        async with write_transaction(ExternalAttendee):
            return Attendee(external_id=await _external(policy, number, data))
    if known is None or not known[1] or normal_phone(known[1]) != phone:
        raise await refuse(None, Refusal.IDENTITY_MISMATCH, code, now, known[0] if known else NOBODY)
    attendee = known[0]
    if attendee.external_id is not None and code.action == "check_in":
        async with write_transaction(ExternalAttendee):  # his own details, as he gives them this time
            await _external(policy, number, data)
    return attendee


async def walk_in(
    pm: pluggy.PluginManager, text: str, data: WalkInIn, *, secret: str, opened: str = ""
) -> ScanOut:
    """Check in (registering) or out with the walk-in form for the code ``text``; 409 where the province
    has no walk-in, 400 for a form with mistakes or an ID number and phone that do not match, 429 after
    too many refused attempts from one address or for one ID number."""
    address = current_actor().ip or "-"
    if not (await ratelimit.hit(ADDRESS_BUCKET, address, limit=LIMIT, window=WINDOW)).allowed:
        raise WalkInLimited("操作过于频繁，请稍后再试")
    number = "".join(data.id_number.split()).upper()
    if not (await ratelimit.hit(ID_BUCKET, pii.lookup_hash(number), limit=ID_LIMIT, window=WINDOW)).allowed:
        raise WalkInLimited("该证件号码尝试次数过多，请稍后再试或联系会场工作人员")
    code, session, policy, now, _ = await checked_code(pm, None, text, secret=secret, opened=opened)
    if not policy.walk_in:
        raise Conflict("请登录后扫码签到", code="walk_in_closed")
    errors = form_errors(policy, code.action, data)
    if errors:
        raise await refuse(None, Refusal.INVALID_FORM, code, now, errors=errors)
    attendee = await _identified(policy, code, number, data, now)
    await check_answers(policy, None, code, attendee, data.answers, now)
    done = await redeem(policy, None, session, code, attendee, now, via="walk_in", answers=data.answers)
    await ratelimit.release(ADDRESS_BUCKET, address)  # only refused attempts count
    await ratelimit.release(ID_BUCKET, pii.lookup_hash(number))
    return done
