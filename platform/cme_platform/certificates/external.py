"""外省人员证书查询 (seed 003 §10.2): people from other provinces, who registered at the venue (现场登记)
instead of being in the registry, list and print their own certificates.

They have no account. They give their ID number and the phone they gave at the venue; the platform texts
a code to that phone when both match an attendee (the answer is the same when they do not, and sending is
rate-limited as every SMS code is). The right code opens access to that attendee's certificates for
:data:`ACCESS_MINUTES`, kept in the browser's session: it is no sign-in, so it reaches nothing else.
Offered where the province's certificate policy says so (``external_access``: Zhejiang).
"""

from __future__ import annotations

import pluggy

from cme_platform import pii
from cme_platform.attendance.tables import ExternalAttendee
from cme_platform.audit.service import record
from cme_platform.certificates.schemas import CertificateOut
from cme_platform.certificates.service import COLUMNS, certificate_out, certificate_policy
from cme_platform.certificates.tables import Certificate
from cme_platform.errors import FieldError, InvalidInput, NotFound
from cme_platform.identity import sms
from cme_platform.identity.id_number import is_id_number

ACCESS_MINUTES = 30
"""How long a right code opens the attendee's certificates."""
SENT = "如该身份证号码和手机号在现场登记过，验证码已发送至该手机，5 分钟内有效"
"""The answer to every accepted request, registered or not."""
BAD_ID = "请输入正确的 18 位居民身份证号码"
NOT_OFFERED = "本省未开通外省人员证书查询"


def check_offered(pm: pluggy.PluginManager) -> None:
    """404 unless the active tenant's province offers 外省人员证书查询."""
    if not certificate_policy(pm).external_access:
        raise NotFound(NOT_OFFERED)


def _id_number(raw: str) -> str:
    value = (raw or "").strip().upper()
    if not is_id_number(value):
        raise InvalidInput(BAD_ID, [FieldError("id_number", BAD_ID)])
    return value


async def _holder(raw_id_number: str, raw_phone: str) -> tuple[int | None, str]:
    """The external attendee registered with this ID number and phone (``None``: nobody) and the phone."""
    id_number, phone = _id_number(raw_id_number), sms.normalize_phone(raw_phone)
    row = await (
        ExternalAttendee.select(ExternalAttendee.id)
        .where((ExternalAttendee.id_hash == pii.lookup_hash(id_number)) & (ExternalAttendee.phone == phone))
        .first()
    )
    return (int(row["id"]) if row else None), phone


async def send_code(pm: pluggy.PluginManager, raw_id_number: str, raw_phone: str, ip: str) -> str:
    """Text a code to the phone when an attendee registered with it and that ID number; returns
    :data:`SENT` (the same when none did). Raises :class:`~cme_platform.identity.sms.SmsRefused` for a
    malformed phone or a rate limit."""
    check_offered(pm)
    attendee, phone = await _holder(raw_id_number, raw_phone)
    await sms.issue_code(
        pm,
        phone,
        sms.CERTIFICATES,
        ip,
        deliver=attendee is not None,
        audited=("attendance_external", attendee),
    )
    return SENT


async def open_access(pm: pluggy.PluginManager, raw_id_number: str, raw_phone: str, code: str) -> int:
    """The external attendee whose certificates a right ``code`` opens (the code is used up); audited.
    Raises :class:`~cme_platform.identity.sms.SmsRefused` for a wrong or expired code."""
    check_offered(pm)
    attendee, phone = await _holder(raw_id_number, raw_phone)

    async def held() -> bool:
        return attendee is not None

    code_id = await sms.check_code(phone, sms.CERTIFICATES, code, holder=held)
    await sms.use_code(code_id)
    assert attendee is not None  # held() said so
    await record(
        "certificates.external_sign_in",
        object_type="attendance_external",
        object_id=attendee,
        summary=f"外省人员以短信验证码（{sms.mask_phone(phone)}）查询本人证书",
    )
    return attendee


async def attendee_certificates(attendee_id: int) -> list[CertificateOut]:
    """The external attendee's certificates, newest first."""
    rows = await (
        Certificate.select(*COLUMNS)
        .where(Certificate.external == attendee_id)
        .order_by(Certificate.id, ascending=False)
        .output(load_json=True)
    )
    return [certificate_out(row) for row in rows]


async def attendee_certificate(attendee_id: int, certificate_id: int) -> CertificateOut:
    """One of the attendee's certificates (404 for anyone else's)."""
    row = await (
        Certificate.select(*COLUMNS)
        .where((Certificate.id == certificate_id) & (Certificate.external == attendee_id))
        .output(load_json=True)
        .first()
    )
    if row is None:
        raise NotFound("证书不存在")
    return certificate_out(row)
