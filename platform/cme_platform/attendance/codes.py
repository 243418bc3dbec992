"""Check-in and check-out codes: what a QR code at the venue carries, signed so it cannot be forged.

A code names its tenant, the kind and id of its session, its action (``i`` check-in, ``o`` check-out)
and its time step, followed by an HMAC-SHA256 over all of them (truncated to 128 bits, base64url) under a
key derived per tenant from the platform secret. A rotating code's step is the Unix time divided by the
province's rotation period; a static (printed) code's step is 0. Codes travel in a URL path, so they use
only letters, digits, ``.``, ``_`` and ``-``.

:func:`read_code` answers what is wrong with a code (:class:`Refusal`) without any database access; the
scan service checks the window and the rotation step against the session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import msgspec

from cme_platform.keys import derive_key

VERSION = "a1"
ACTIONS = {"i": "check_in", "o": "check_out"}
"""The action letter in a code and the action it stands for."""
KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")
"""What a session kind may be called (it appears in the code)."""
_CODE = re.compile(
    r"a1\.([0-9]{1,12})\.([a-z][a-z0-9_]{0,31})\.([0-9]{1,12})\.([io])\.([0-9]{1,12})\.([A-Za-z0-9_-]{22})"
)
MAX_LENGTH = 120
"""No code is longer; anything longer is refused before it is parsed."""


class Refusal(StrEnum):
    """Why a scan was refused (stored with the scan, and the code of the API's error)."""

    MALFORMED = "malformed"
    FORGED = "forged"
    OTHER_TENANT = "other_tenant"
    UNKNOWN_SESSION = "unknown_session"
    NOT_OPEN = "not_open"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    EXPIRED_STEP = "expired_step"
    WRONG_MODE = "wrong_mode"
    NO_PERSON = "no_person"
    NOT_CHECKED_IN = "not_checked_in"
    NO_CHECK_OUT = "no_check_out"
    INCOMPLETE_ANSWERS = "incomplete_answers"
    INVALID_FORM = "invalid_form"
    IDENTITY_MISMATCH = "identity_mismatch"


REFUSAL_MESSAGES: dict[str, str] = {
    Refusal.MALFORMED: "二维码无法识别，请重新扫描会场的二维码",
    Refusal.FORGED: "二维码无效（签名不符），请扫描会场出示的二维码",
    Refusal.OTHER_TENANT: "该二维码不属于本省平台，请在举办地所在省的平台扫码",
    Refusal.UNKNOWN_SESSION: "二维码对应的课程不存在",
    Refusal.NOT_OPEN: "该课程所在的举办期尚未批准举办，不能签到",
    Refusal.TOO_EARLY: "还未到扫码时间",
    Refusal.TOO_LATE: "扫码时间已过",
    Refusal.EXPIRED_STEP: "二维码已过期，请扫描会场屏幕上正在显示的二维码",
    Refusal.WRONG_MODE: "该二维码已停用，请扫描会场当前出示的二维码",
    Refusal.NO_PERSON: "您的账号没有关联人员信息，不能签到，请联系所在单位",
    Refusal.NOT_CHECKED_IN: "您还没有签到，不能撤离",
    Refusal.NO_CHECK_OUT: "本省不需要撤离扫码",
    Refusal.INCOMPLETE_ANSWERS: "请先完成调查问卷，再确认撤离",
    Refusal.INVALID_FORM: "请检查填写的信息",
    Refusal.IDENTITY_MISMATCH: "身份证号码与手机号不匹配，请核对后重试；已有账号请登录后扫码",
}
"""What the learner reads for each refusal."""


class Code(msgspec.Struct, frozen=True, kw_only=True):
    """What a code says (its signature already checked)."""

    tenant_id: int
    kind: str
    session_id: int
    action: str
    """``check_in`` or ``check_out``."""
    step: int
    """The rotation step (0: a static code)."""


class CodeError(Exception):
    """A code that cannot be read, with the refusal it earns. What an unreadable code claims is never
    trusted: its refusal is logged against no session."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


def _key(secret: str, tenant_id: int) -> bytes:
    return derive_key(secret, f"cme.attendance.code.v1:{tenant_id}".encode())


def _signature(secret: str, payload: str, tenant_id: int) -> str:
    digest = hmac.new(_key(secret, tenant_id), payload.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_code(secret: str, code: Code) -> str:
    """The signed text of ``code``."""
    if not KIND.fullmatch(code.kind):
        raise ValueError(f"session kind {code.kind!r} is not a short lower-case word")
    letter = next(letter for letter, action in ACTIONS.items() if action == code.action)
    payload = f"{VERSION}.{code.tenant_id}.{code.kind}.{code.session_id}.{letter}.{code.step}"
    return f"{payload}.{_signature(secret, payload, code.tenant_id)}"


def read_code(secret: str, text: str, tenant_id: int) -> Code:
    """The code ``text`` scanned in tenant ``tenant_id``; raises :class:`CodeError` when it is malformed,
    belongs to another tenant or its signature does not match (compared in constant time)."""
    text = text.strip()
    match = _CODE.fullmatch(text) if len(text) <= MAX_LENGTH else None
    if match is None:
        raise CodeError(Refusal.MALFORMED)
    tenant, kind, session, letter, step, signature = match.groups()
    claimed = Code(
        tenant_id=int(tenant), kind=kind, session_id=int(session), action=ACTIONS[letter], step=int(step)
    )
    if claimed.tenant_id != tenant_id:
        raise CodeError(Refusal.OTHER_TENANT)
    payload = text.rsplit(".", 1)[0]
    if not hmac.compare_digest(signature, _signature(secret, payload, tenant_id)):
        raise CodeError(Refusal.FORGED)
    return claimed


OPENED_GRACE = timedelta(minutes=3)
"""How long after a code was opened (while it was valid) its scan still counts as made then: time to sign
in or fill the walk-in form without the code rotating away under the learner."""


def _opened_signature(secret: str, tenant_id: int, text: str, seconds: int) -> str:
    payload = f"opened:{text}:{seconds}".encode()
    digest = hmac.new(_key(secret, tenant_id), payload, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode()


def opened_token(secret: str, tenant_id: int, text: str, at: datetime) -> str:
    """A token saying that the code ``text`` was opened (and valid) at ``at``."""
    seconds = int(at.timestamp())
    return f"{seconds}.{_opened_signature(secret, tenant_id, text, seconds)}"


def opened_at(secret: str, tenant_id: int, text: str, token: str, now: datetime) -> datetime | None:
    """When the code ``text`` was opened, from its ``token``, if the token is genuine and at most
    :data:`OPENED_GRACE` old; ``None`` otherwise (the scan then counts from ``now``)."""
    seconds, _, signature = token.partition(".")
    if not (seconds.isascii() and seconds.isdigit() and signature.isascii()) or len(seconds) > 12:
        return None
    if len(signature) != 16:
        return None
    if not hmac.compare_digest(signature, _opened_signature(secret, tenant_id, text, int(seconds))):
        return None
    moment = datetime.fromtimestamp(int(seconds), UTC)
    return moment if timedelta(0) <= now - moment <= OPENED_GRACE else None


def rotation_step(unix_seconds: float, rotate_seconds: int) -> int:
    """The step a rotating code shown at ``unix_seconds`` carries (0 for static codes)."""
    return int(unix_seconds // rotate_seconds) if rotate_seconds else 0
