"""Checking a username and password, with the lock-out and the audit trail of failures.

:func:`authenticate` is the password step of the sign-in page; the page then calls
``complete_sign_in``. Captcha checking happens before (a wrong captcha never reaches the password).
"""

from __future__ import annotations

from datetime import datetime

from cme_platform.audit.service import record
from cme_platform.identity import throttle
from cme_platform.identity.passwords import hash_password, verify_password
from cme_platform.identity.tables import Account
from cme_platform.personnel.account_link import find_login_account, matches_initial_password

BAD_CREDENTIALS = "用户名或密码错误"
INACTIVE = "账户已停用，请联系管理员"
_DUMMY_HASH = hash_password("cme-dummy-password-for-equal-timing")


class LoginRefused(Exception):
    """Sign-in refused: ``message`` is shown to the person, ``status`` is the HTTP status of the page."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


async def _failed(
    username: str, ip: str, account_id: int | None, reason: str, *, count: bool = True
) -> datetime | None:
    """Record the failure and, when ``count``, count it for the lock-out; the lock it starts, if any."""
    lock = None
    async with Account._meta.db.transaction():
        if count:
            ends = [await throttle.register_failure(kind, key) for kind, key in _keys(username, ip)]
            lock = max((end for end in ends if end is not None), default=None)
        await record(
            "auth.login_failed",
            object_type="account",
            object_id=account_id,
            summary=f"登录失败（{reason}）：{username}",
            after={"reason": reason, "username": username},
        )
        if lock is not None:
            await record(
                "auth.locked",
                object_type="account",
                object_id=account_id,
                summary=f"登录已锁定：{username}",
                after={"username": username, "ip": ip, "locked_until": lock.isoformat()},
            )
    return lock


def _keys(username: str, ip: str) -> tuple[tuple[str, str], ...]:
    return ((throttle.ACCOUNT, username), (throttle.IP, ip))


def _refusal(lock: datetime | None, message: str = BAD_CREDENTIALS) -> LoginRefused:
    return LoginRefused(throttle.wait_message(lock), 429) if lock is not None else LoginRefused(message)


async def password_matches(account: Account, password: str) -> bool:
    """The password check; an account without a hash accepts only its person's default password."""
    if account.password_hash:
        return verify_password(account.password_hash, password)
    verify_password(_DUMMY_HASH, password)
    return await matches_initial_password(int(account.id), password)


async def authenticate(username: str, password: str, ip: str) -> int:
    """The id of the active account ``username`` whose password is ``password``; else :class:`LoginRefused`.

    Locked usernames and addresses are refused before the password is checked. Failures are counted
    per username and per address, recorded as ``auth.login_failed`` (and ``auth.locked`` when they start
    a lock); success clears the username's counter.
    """
    until = await throttle.locked_until(*_keys(username, ip))
    if until is not None:
        await _failed(username, ip, None, "locked", count=False)
        raise _refusal(until)
    account = await find_login_account(username)
    if account is None:
        verify_password(_DUMMY_HASH, password)
        raise _refusal(await _failed(username, ip, None, "unknown_user"))
    if not await password_matches(account, password):
        raise _refusal(await _failed(username, ip, int(account.id), "bad_password"))
    if not account.active:
        await _failed(username, ip, int(account.id), "inactive", count=False)
        raise _refusal(None, INACTIVE)
    await throttle.clear(throttle.ACCOUNT, username)
    return int(account.id)
