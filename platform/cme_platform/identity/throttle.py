"""Sign-in lock-out with a growing delay, per login name, per account and per client IP
(``identity_login_throttle``; the platform operators' twin is ``platform_login_throttle``).

After :data:`ACCOUNT_LIMIT` failures of one account (or of one typed login name, or :data:`IP_LIMIT` from
one address) sign-in is locked for one minute; every further failure doubles the lock, up to
:data:`MAX_LOCK`. Counters start again after :data:`FORGET_AFTER` without failures; a successful sign-in
clears the counters of its account and of the name typed.

An attempt is counted *before* its password is checked (:func:`begin`), with one atomic upsert per
counter that refuses while a lock runs, so parallel guesses can never exceed the limit: of a burst of
40 wrong passwords exactly :data:`ACCOUNT_LIMIT` are checked and the rest are refused as locked. A right
password takes its count back (:func:`succeeded`, :func:`released`).

The account counter is per account, whichever login name was typed (username, person number or ID
number), so an account gets :data:`ACCOUNT_LIMIT` password checks per lock however its names are mixed.
What a person is *told* follows the name he typed: a locked name answers "locked" whether or not it
belongs to an account, and a name that is not locked itself but belongs to a locked account answers
like a wrong password, without checking it (:attr:`Attempt.account_locked`). Otherwise locking an
account by one name and then trying candidate ID numbers would tell which one is the account's. Keys
are stored only as keyed hashes, never in clear.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.table import Table

from cme_platform.db.transactions import write_transaction
from cme_platform.identity.tables import LoginThrottle, PlatformLoginThrottle
from cme_platform.pii import mask_document, mask_phone
from cme_platform.ratelimit import keyed_hash
from cme_platform.tenancy.scope import current_tenant

NAME = "name"
ACCOUNT = "account"
IP = "ip"
ACCOUNT_LIMIT = 5
IP_LIMIT = 20
FIRST_LOCK = timedelta(minutes=1)
MAX_LOCK = timedelta(minutes=60)
FORGET_AFTER = timedelta(hours=24)
LIMITS = {NAME: ACCOUNT_LIMIT, ACCOUNT: ACCOUNT_LIMIT, IP: IP_LIMIT}
_LONG_DIGITS = re.compile(r"\+?\d{11,}[Xx]?")


class Locked(Exception):
    """Sign-in is locked for the account or the address until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"sign-in locked until {until.isoformat()}")
        self.until = until


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt, already counted as a failure of its account and address (see :func:`begin`)."""

    platform: bool
    counters: tuple[tuple[str, int], ...]
    """``(kind, row id)`` of the counters it incremented."""
    lock: datetime | None
    """The lock this attempt started (it holds if the attempt fails)."""
    account_locked: bool = False
    """The account is locked (its counter was not incremented): refuse without checking the password."""


def lock_duration(failures: int, limit: int) -> timedelta | None:
    """How long ``failures`` consecutive failures lock sign-in (``None`` below ``limit``)."""
    if failures < limit:
        return None
    return min(FIRST_LOCK * 2 ** min(failures - limit, 16), MAX_LOCK)


def wait_message(until: datetime, now: datetime | None = None) -> str:
    """The Chinese message for a lock that ends at ``until`` (whole minutes, rounded up)."""
    seconds = (until - (now or datetime.now(UTC))).total_seconds()
    return f"账户已锁定，请 {max(1, math.ceil(seconds / 60))} 分钟后再试"


def _name_key(login_name: str) -> str:
    return "".join(login_name.split()).lower()


def masked_login_name(login_name: str) -> str:
    """``login_name`` as audit records show it: runs of 11 or more digits (a phone or an ID number,
    mistyped or not) are masked (``138****8000``, ``110*****34``); anything else stays as typed."""

    def mask(match: re.Match[str]) -> str:
        digits = match.group(0).removeprefix("+")
        return mask_phone(digits) if len(digits) == 11 else mask_document(digits)

    return _LONG_DIGITS.sub(mask, login_name)


def _table(platform: bool) -> type[Table]:
    return PlatformLoginThrottle if platform else LoginThrottle


def _stored_key(kind: str, key: str) -> str:
    return keyed_hash("login-throttle", kind, key)


def _claim_sql(platform: bool) -> tuple[str, list[Any]]:
    """The upsert that counts one failure unless a lock runs (``{}``: kind, key, now, forget, now)."""
    table = _table(platform)._meta.tablename
    if platform:
        columns, values, target, tenant = "kind, key", "{}, {}", "key", []
    else:
        columns, values, target = "tenant, kind, key", "{}, {}, {}", "tenant, kind, key"
        tenant = [current_tenant().id]
    sql = (
        f"INSERT INTO {table} ({columns}, failures, last_failure_at) VALUES ({values}, 1, {{}}) "
        f"ON CONFLICT ({target}) DO UPDATE SET "
        f"failures = CASE WHEN {table}.last_failure_at IS NULL OR {table}.last_failure_at <= {{}} "
        f"THEN 1 ELSE {table}.failures + 1 END, "
        "last_failure_at = excluded.last_failure_at "
        f"WHERE {table}.locked_until IS NULL OR {table}.locked_until <= {{}} "
        "RETURNING id, failures"
    )
    return sql, tenant


class _Refused(Exception):
    """Rolls back the counters of an attempt that a running lock refuses."""


async def _count(platform: bool, kind: str, key: str, now: datetime) -> tuple[int, datetime | None] | None:
    """Count one failure of ``(kind, key)``: the counter's row id and the lock it starts, if any.

    ``None`` when a lock runs (nothing counted).
    """
    table = _table(platform)
    sql, tenant = _claim_sql(platform)
    rows = await table.raw(sql, *tenant, kind, _stored_key(kind, key), now, now - FORGET_AFTER, now)
    if not rows:
        return None
    row_id, failures = int(rows[0]["id"]), int(rows[0]["failures"])
    duration = lock_duration(failures, LIMITS[kind])
    if duration is None:
        return row_id, None
    await table.update({table.locked_until: now + duration}).where(table._meta.primary_key == row_id)  # type: ignore[attr-defined]
    return row_id, now + duration


async def locked_until(*keys: tuple[str, str], platform: bool = False) -> datetime | None:
    """The latest running lock among ``(kind, key)`` pairs, or ``None`` when sign-in is allowed."""
    table: Any = _table(platform)
    now = datetime.now(UTC)
    rows = await table.select(table.locked_until).where(
        table.key.is_in([_stored_key(kind, key) for kind, key in keys]) & (table.locked_until > now)
    )
    return max((row["locked_until"] for row in rows), default=None)


async def begin(login_name: str, account_id: int | None, ip: str, *, platform: bool = False) -> Attempt:
    """Count a sign-in attempt as a failure of the typed ``login_name``, of the account it found (if
    any) and of address ``ip``.

    Call it before checking the password, outside any other transaction. Raises :class:`Locked` when
    a lock runs for the name or the address (nothing counted). When only the account is locked, the
    name and the address are counted and the attempt comes back with :attr:`Attempt.account_locked`.
    The attempt stays counted unless :func:`succeeded` or :func:`released` takes it back.
    """
    now = datetime.now(UTC)
    pairs = ((NAME, _name_key(login_name)), (IP, ip))
    counted: list[tuple[str, int, datetime | None]] = []
    account_locked = False
    try:
        async with write_transaction(_table(platform)):
            for kind, key in pairs:
                if (result := await _count(platform, kind, key, now)) is None:
                    raise _Refused
                counted.append((kind, *result))
            if account_id is not None:
                result = await _count(platform, ACCOUNT, f"id:{account_id}", now)
                account_locked = result is None
                if result is not None:
                    counted.append((ACCOUNT, *result))
    except _Refused:
        until = await locked_until(*pairs, platform=platform)
        raise Locked(until or now + FIRST_LOCK) from None
    locks = [lock for _, _, lock in counted if lock is not None]
    return Attempt(
        platform=platform,
        counters=tuple((kind, row_id) for kind, row_id, _ in counted),
        lock=max(locks, default=None),
        account_locked=account_locked,
    )


async def _take_back(attempt: Attempt, clear_account: bool) -> None:
    table: Any = _table(attempt.platform)
    async with write_transaction(table):
        for kind, row_id in attempt.counters:
            if kind != IP and clear_account:
                await table.delete().where(table._meta.primary_key == row_id)
                continue
            await table.update({table.failures: table.failures - 1}).where(
                (table._meta.primary_key == row_id) & (table.failures > 0)
            )
            if attempt.lock is not None:  # a lock started by this attempt no longer holds
                await table.update({table.locked_until: None}).where(
                    (table._meta.primary_key == row_id) & (table.locked_until == attempt.lock)
                )


async def succeeded(attempt: Attempt) -> None:
    """The attempt signed in: clear the counters of its name and account, uncount it from the address."""
    await _take_back(attempt, clear_account=True)


async def released(attempt: Attempt) -> None:
    """The attempt had the right password but was refused otherwise (an inactive account): uncount it."""
    await _take_back(attempt, clear_account=False)


async def clear_account(account_id: int, *login_names: str, platform: bool = False) -> None:
    """Forget the failures of an account and of its ``login_names`` (after a password recovery)."""
    table: Any = _table(platform)
    keys = [_stored_key(ACCOUNT, f"id:{account_id}")] + [_stored_key(NAME, _name_key(n)) for n in login_names]
    await table.delete().where(table.key.is_in(keys))
