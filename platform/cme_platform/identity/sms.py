"""SMS codes for signing in and for password recovery: issuing, rate limits and checking.

A code is six random digits, kept only as an HMAC-SHA256 (key: the platform's secret key), valid for
:data:`CODE_TTL`, usable once and dead after :data:`MAX_ATTEMPTS` wrong guesses; only the newest code of
a phone and purpose counts. Sending is limited per phone (one per :data:`RESEND_AFTER`,
:data:`PHONE_DAILY_LIMIT` a day) and per client address (:data:`IP_HOURLY_LIMIT` an hour). Codes go only
to phones of active accounts, but the answer and the rate limits are the same for unknown phones, so
nobody learns which phones are registered. Callers check the image captcha before :func:`send_code`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pluggy

from cme_platform import ratelimit
from cme_platform.audit.context import current_actor
from cme_platform.audit.refusals import record_refusal
from cme_platform.audit.service import record
from cme_platform.db.transactions import write_transaction
from cme_platform.identity import throttle
from cme_platform.identity.passwords import hash_password
from cme_platform.identity.sms_gateway import logger
from cme_platform.identity.tables import Account, SmsCode
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.ratelimit import RateCounter
from cme_platform.settings import get_settings
from cme_platform.tenancy.scope import current_tenant

LOGIN = "login"
RESET = "reset"
CERTIFICATES = "certificates"
"""Out-of-province attendees' access to their certificates (a code to the phone given at the venue)."""
PURPOSE_LABELS = {LOGIN: "登录", RESET: "找回密码", CERTIFICATES: "证书查询"}
FAILURE_ACTIONS = {
    LOGIN: "auth.login_failed",
    RESET: "auth.recovery_failed",
    CERTIFICATES: "certificates.external_failed",
}
"""The audit action of a wrong code, by purpose."""
CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
PHONE_DAILY_LIMIT = 10
IP_HOURLY_LIMIT = 20
SENT = "如该手机号已登记，验证码已发送，5 分钟内有效"
"""The answer to every accepted send request, registered phone or not."""
BAD_PHONE = "请输入正确的 11 位手机号码"
BAD_CODE = "短信验证码错误或已过期，请重新获取"
CODE_EXHAUSTED = "短信验证码错误次数过多，请重新获取"
SEND_FAILED = "短信发送失败，请稍后再试"
NEED_USERNAME = "该手机号登记了多个账号，请填写用户名"
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


class SmsRefused(Exception):
    """A refused request: ``message`` (Chinese) is shown, ``status`` is the HTTP status of the page."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Claim:
    """A right code for ``account_id``, not yet used up (see :func:`use_claim`)."""

    code_id: int
    account_id: int
    username: str


def normalize_phone(raw: str) -> str:
    """The 11-digit mainland mobile number in ``raw`` (spaces, dashes and ``+86`` allowed), else refused."""
    phone = re.sub(r"[\s-]", "", raw or "")
    phone = phone.removeprefix("+86")
    if not _PHONE_RE.match(phone):
        raise SmsRefused(BAD_PHONE)
    return phone


def mask_phone(phone: str) -> str:
    """``13800138000`` → ``138****8000`` (for audit records and pages)."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def code_digest(phone: str, purpose: str, code: str) -> str:
    """The stored HMAC-SHA256 of a code, bound to the tenant, phone and purpose."""
    message = f"{current_tenant().id}:{phone}:{purpose}:{code}".encode()
    return hmac.new(get_settings().secret_key.encode(), message, hashlib.sha256).hexdigest()


async def active_accounts(phone: str) -> list[Account]:
    """The active accounts of the current tenant registered with ``phone`` (oldest first)."""
    return await (
        Account.objects().where((Account.phone == phone) & (Account.active.eq(True))).order_by(Account.id)
    )


@dataclass(frozen=True)
class _SendLimit:
    """One limit on sending codes: ``limit`` per ``window`` per phone (or per client address)."""

    bucket: str
    limit: int
    window: timedelta
    message: str
    """The refusal, with ``{}`` for the wait in ``unit_name`` (``unit`` seconds each, rounded up)."""
    unit: int
    unit_name: str

    def refusal(self, verdict: ratelimit.Verdict) -> SmsRefused:
        """The 429 refusal saying when to retry."""
        wait = max(1, math.ceil(verdict.retry_after.total_seconds() / self.unit))
        return SmsRefused(self.message.format(f"{wait} {self.unit_name}"), 429)


RESEND_LIMIT = _SendLimit("sms.phone.resend", 1, RESEND_AFTER, "发送过于频繁，请 {}后再获取验证码", 1, "秒")
DAILY_LIMIT = _SendLimit(
    "sms.phone.daily",
    PHONE_DAILY_LIMIT,
    timedelta(days=1),
    "该手机号今日获取验证码次数已达上限，请 {}后再试",
    3600,
    "小时",
)
IP_LIMIT = _SendLimit(
    "sms.ip.hourly", IP_HOURLY_LIMIT, timedelta(hours=1), "获取验证码过于频繁，请 {}后再试", 60, "分钟"
)


def _send_limits(phone: str, ip: str) -> list[tuple[_SendLimit, str]]:
    return [(RESEND_LIMIT, phone), (DAILY_LIMIT, phone), *([(IP_LIMIT, ip)] if ip else [])]


async def _count_send(phone: str, ip: str) -> None:
    """Count a send against every limit at once, or refuse with 429 (saying when to retry), counting none.

    The counters are atomic (:func:`cme_platform.ratelimit.hit`) and taken in one write transaction that
    a refusal rolls back, so parallel requests can never send more codes than the limits allow.
    """
    async with write_transaction(RateCounter):
        for send_limit, key in _send_limits(phone, ip):
            verdict = await ratelimit.hit(
                send_limit.bucket, key, limit=send_limit.limit, window=send_limit.window
            )
            if not verdict.allowed:
                raise send_limit.refusal(verdict)


async def _uncount_send(phone: str, ip: str) -> None:
    """Take a send back from the limits (the gateway could not deliver it: the person may retry at once)."""
    async with write_transaction(RateCounter):
        for send_limit, key in _send_limits(phone, ip):
            await ratelimit.release(send_limit.bucket, key)


async def send_code(pm: pluggy.PluginManager, raw_phone: str, purpose: str, ip: str) -> str:
    """Issue a code for ``purpose`` and text it to ``raw_phone`` if an active account has that phone.

    Returns the normalised phone. Raises :class:`SmsRefused` for a malformed phone (400), a rate limit
    (429) or a gateway failure (503: nothing kept, nothing counted). Unknown phones get a row too (a code
    nobody receives) and count for the rate limits exactly like registered ones.
    """
    phone = normalize_phone(raw_phone)
    accounts = await active_accounts(phone)
    await issue_code(
        pm,
        phone,
        purpose,
        ip,
        deliver=bool(accounts),
        audited=("account", accounts[0].id if len(accounts) == 1 else None),
    )
    return phone


async def issue_code(
    pm: pluggy.PluginManager,
    phone: str,
    purpose: str,
    ip: str,
    *,
    deliver: bool,
    audited: tuple[str, int | None],
) -> None:
    """Count the send against the limits, keep a new code for ``phone`` and ``purpose`` and, when
    ``deliver`` (someone holds that phone), text it and record ``auth.sms_sent`` about ``audited``
    (object type and id). Raises :class:`SmsRefused` as :func:`send_code` does."""
    if purpose not in PURPOSE_LABELS:
        raise ValueError(f"unknown SMS code purpose {purpose!r}")
    ip = (ip or "")[:45]
    await _count_send(phone, ip)
    now = datetime.now(UTC)
    tenant = current_tenant()
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))
    row = SmsCode(
        phone=phone,
        purpose=purpose,
        code_hash=code_digest(phone, purpose, code),
        ip=ip,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    await row.save()
    if not deliver:
        return
    text = (
        f"【{tenant.name}】您的{PURPOSE_LABELS[purpose]}验证码为 {code}，"
        f"{int(CODE_TTL.total_seconds() // 60)} 分钟内有效，请勿泄露给他人。"
    )
    try:
        await tenant_hooks(pm, tenant).cme_sms_gateway().send(phone, text)
    except Exception as error:  # any gateway failure: forget the code, ask to retry later
        logger.error("SMS to %s failed: %r", mask_phone(phone), error)
        await row.remove()
        await _uncount_send(phone, ip)
        raise SmsRefused(SEND_FAILED, 503) from error
    await record(
        "auth.sms_sent",
        object_type=audited[0],
        object_id=audited[1],
        summary=f"发送{PURPOSE_LABELS[purpose]}短信验证码至 {mask_phone(phone)}",
        after={"phone": mask_phone(phone), "purpose": purpose},
    )


async def _record_wrong_code(phone: str, purpose: str, reason: str) -> None:
    """Record a wrong code (:data:`FAILURE_ACTIONS`: ``auth.login_failed`` for sign-in…).

    A guess at a live code (``bad_code``) is always recorded: there are at most :data:`MAX_ATTEMPTS` per
    code, and sending codes is limited. Codes tried when none is live (``expired``, ``exhausted``) cost
    an attacker nothing, so they are recorded rate-limited per client address
    (:func:`~cme_platform.audit.refusals.record_refusal`: the first of a minute, then the 10th, 100th …).
    """
    action = FAILURE_ACTIONS[purpose]
    masked = mask_phone(phone)
    summary = f"短信验证码{PURPOSE_LABELS[purpose]}失败（{reason}）：{masked}"
    detail = {"method": "sms", "phone": masked}
    if reason == "bad_code":
        await record(action, object_type="account", summary=summary, after={"reason": reason, **detail})
    else:
        await record_refusal(action, reason, summary=summary, object_type="account", detail=detail)


async def claim_code(raw_phone: str, purpose: str, code: str, username: str = "") -> Claim:
    """Check ``code`` against the newest live code of the phone and purpose and find its account.

    A wrong code counts an attempt (and is recorded: :func:`_record_wrong_code`); after
    :data:`MAX_ATTEMPTS` the code is dead. When several active accounts share the phone, ``username``
    picks one (:data:`NEED_USERNAME` otherwise, without counting an attempt). The code is not used up
    yet: call :func:`use_claim` in the transaction of what it unlocks.
    """
    phone = normalize_phone(raw_phone)
    code_id = await check_code(phone, purpose, code, holder=lambda: _has_accounts(phone))
    accounts = await active_accounts(phone)
    if len(accounts) > 1:
        chosen = [a for a in accounts if a.username == (username or "").strip()]
        if not chosen:
            raise SmsRefused(NEED_USERNAME)
        accounts = chosen
    return Claim(code_id=code_id, account_id=int(accounts[0].id), username=accounts[0].username)


async def _has_accounts(phone: str) -> bool:
    return bool(await active_accounts(phone))


async def check_code(phone: str, purpose: str, code: str, *, holder: Callable[[], Awaitable[bool]]) -> int:
    """The id of the newest live code of ``phone`` and ``purpose`` when ``code`` is it and ``holder()``
    says someone holds the phone; a wrong code counts an attempt (and is recorded), and after
    :data:`MAX_ATTEMPTS` the code is dead. The code is not used up: :func:`use_code` does that."""
    now = datetime.now(UTC)
    row = await (
        SmsCode.objects()
        .where((SmsCode.phone == phone) & (SmsCode.purpose == purpose))
        .order_by(SmsCode.created_at, ascending=False)
        .order_by(SmsCode.id, ascending=False)
        .first()
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        await _record_wrong_code(phone, purpose, "expired")
        raise SmsRefused(BAD_CODE)
    # count the attempt before comparing, atomically, so that parallel guesses cannot exceed the limit
    counted = await (
        SmsCode.update({SmsCode.attempts: SmsCode.attempts + 1})
        .where((SmsCode.id == row.id) & (SmsCode.attempts < MAX_ATTEMPTS))
        .returning(SmsCode.attempts)
    )
    if not counted:
        await _record_wrong_code(phone, purpose, "exhausted")
        raise SmsRefused(CODE_EXHAUSTED)
    code = (code or "").strip()
    if not await holder() or not hmac.compare_digest(row.code_hash, code_digest(phone, purpose, code)):
        await _record_wrong_code(phone, purpose, "bad_code")
        left = MAX_ATTEMPTS - int(counted[0]["attempts"])
        raise SmsRefused(f"短信验证码错误，还可尝试 {left} 次" if left > 0 else CODE_EXHAUSTED)
    # the right code: its attempt does not count (asking for the username or a stronger password)
    await SmsCode.update({SmsCode.attempts: SmsCode.attempts - 1}).where(SmsCode.id == row.id)
    return int(row.id)


async def use_claim(claim: Claim) -> None:
    """Use up the claimed code (once: a concurrent second use is refused with :data:`BAD_CODE`)."""
    await use_code(claim.code_id)


async def use_code(code_id: int) -> None:
    """Use up a checked code (once: a concurrent second use is refused with :data:`BAD_CODE`)."""
    used = await (
        SmsCode.update({SmsCode.used_at: datetime.now(UTC)})
        .where((SmsCode.id == code_id) & SmsCode.used_at.is_null())
        .returning(SmsCode.id)
    )
    if not used:
        raise SmsRefused(BAD_CODE)


async def recover_password(claim: Claim, password: str) -> None:
    """Use up a recovery code and set the account's new password (already checked against the rule).

    Clears the forced password change and the account's sign-in lock-out, and records
    ``auth.password_reset``. Raises :class:`SmsRefused` when the code was used meanwhile (nothing written).
    """
    now = datetime.now(UTC)
    current_actor().bind_account(claim.account_id, claim.username)
    async with write_transaction(SmsCode):
        await use_claim(claim)
        await Account.update(
            {
                Account.password_hash: hash_password(password),
                Account.must_change_password: False,
                Account.password_changed_at: now,
            }
        ).where(Account.id == claim.account_id)
        await throttle.clear_account(claim.account_id, claim.username)
        await record(
            "auth.password_reset",
            object_type="account",
            object_id=claim.account_id,
            summary="通过短信验证码找回密码",
            after={"method": "sms"},
        )
