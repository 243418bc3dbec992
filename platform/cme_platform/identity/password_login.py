"""Checking a username and password, with the lock-out and the audit trail of failures.

:func:`authenticate` is the password step of the sign-in page; the page then calls
``complete_sign_in``. Captcha checking happens before (a wrong captcha never reaches the password).
"""

from __future__ import annotations

from cme_platform.audit.service import record
from cme_platform.audit.tables import AuditEvent
from cme_platform.db.transactions import write_transaction
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


async def _record_failure(
    shown: str, account_id: int | None, reason: str, attempt: throttle.Attempt | None = None
) -> None:
    """Record ``auth.login_failed`` (and ``auth.locked`` when the failed ``attempt`` started a lock)."""
    async with write_transaction(AuditEvent):
        await record(
            "auth.login_failed",
            object_type="account",
            object_id=account_id,
            summary=f"登录失败（{reason}）：{shown}",
            after={"reason": reason, "username": shown},
        )
        if attempt is not None and attempt.lock is not None:
            await record(
                "auth.locked",
                object_type="account",
                object_id=account_id,
                summary=f"登录已锁定：{shown}",
                after={"username": shown, "locked_until": attempt.lock.isoformat()},
            )


def _refusal(attempt: throttle.Attempt) -> LoginRefused:
    if attempt.lock is not None:
        return LoginRefused(throttle.wait_message(attempt.lock), 429)
    return LoginRefused(BAD_CREDENTIALS)


async def password_matches(account: Account, password: str) -> bool:
    """The password check; an account without a hash accepts only its person's default password."""
    if account.password_hash:
        return verify_password(account.password_hash, password)
    verify_password(_DUMMY_HASH, password)
    return await matches_initial_password(int(account.id), password)


async def authenticate(username: str, password: str, ip: str) -> int:
    """The id of the active account ``username`` whose password is ``password``; else :class:`LoginRefused`.

    ``username`` may also be the ID number of the account's person; the lock-out counts per typed name,
    per account whichever name was typed, and per address (:mod:`~cme_platform.identity.throttle`). The
    attempt is counted before the password is checked, so parallel guesses cannot pass the limit; locked
    attempts are refused without a check (429, or 400 like a wrong password when only the account of a
    name that is not locked itself is). Every failure is recorded as ``auth.login_failed`` (plus
    ``auth.locked`` when it starts a lock) with the login name masked when it holds a phone or an ID
    number; success clears the account's counter.
    """
    account = await find_login_account(username)
    account_id = int(account.id) if account is not None else None
    shown = throttle.masked_login_name(account.username if account is not None else username)
    try:
        attempt = await throttle.begin(username, account_id, ip)
    except throttle.Locked as locked:
        await _record_failure(shown, account_id, "locked")
        raise LoginRefused(throttle.wait_message(locked.until), 429) from None
    if account is None or attempt.account_locked:
        verify_password(_DUMMY_HASH, password)  # the same time as a checked password
        await _record_failure(shown, account_id, "locked" if account else "unknown_user", attempt)
        raise _refusal(attempt)
    if not await password_matches(account, password):
        await _record_failure(shown, account_id, "bad_password", attempt)
        raise _refusal(attempt)
    if not account.active:
        await throttle.released(attempt)
        await _record_failure(shown, account_id, "inactive")
        raise LoginRefused(INACTIVE)
    await throttle.succeeded(attempt)
    return int(account.id)
