"""Sign-in lock-out with a growing delay, per account name and per client IP (``identity_login_throttle``).

After :data:`ACCOUNT_LIMIT` failures for one username (or :data:`IP_LIMIT` from one address) sign-in is
locked for one minute; every further failure doubles the lock, up to :data:`MAX_LOCK`. Counters start
again after :data:`FORGET_AFTER` without failures; a successful sign-in clears the username's counter.
Usernames are counted whether or not they exist, so the lock never reveals which accounts exist.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from cme_platform.identity.tables import LoginThrottle

ACCOUNT = "account"
IP = "ip"
ACCOUNT_LIMIT = 5
IP_LIMIT = 20
FIRST_LOCK = timedelta(minutes=1)
MAX_LOCK = timedelta(minutes=60)
FORGET_AFTER = timedelta(hours=24)
LIMITS = {ACCOUNT: ACCOUNT_LIMIT, IP: IP_LIMIT}


def lock_duration(failures: int, limit: int) -> timedelta | None:
    """How long ``failures`` consecutive failures lock sign-in (``None`` below ``limit``)."""
    if failures < limit:
        return None
    return min(FIRST_LOCK * 2 ** min(failures - limit, 16), MAX_LOCK)


def wait_message(until: datetime, now: datetime | None = None) -> str:
    """The Chinese message for a lock that ends at ``until`` (whole minutes, rounded up)."""
    seconds = (until - (now or datetime.now(UTC))).total_seconds()
    return f"账户已锁定，请 {max(1, math.ceil(seconds / 60))} 分钟后再试"


def _key(kind: str, key: str) -> str:
    return (key.lower() if kind == ACCOUNT else key)[:128]


async def locked_until(*keys: tuple[str, str]) -> datetime | None:
    """The latest running lock among ``(kind, key)`` pairs, or ``None`` when sign-in is allowed."""
    now = datetime.now(UTC)
    latest: datetime | None = None
    for kind, key in keys:
        row = (
            await LoginThrottle.select(LoginThrottle.locked_until)
            .where((LoginThrottle.kind == kind) & (LoginThrottle.key == _key(kind, key)))
            .first()
        )
        until = row["locked_until"] if row else None
        if until is not None and until > now and (latest is None or until > latest):
            latest = until
    return latest


async def register_failure(kind: str, key: str) -> datetime | None:
    """Count a failure for ``(kind, key)``; returns the end of the lock it starts, if any."""
    now = datetime.now(UTC)
    key = _key(kind, key)
    row = (
        await LoginThrottle.objects().where((LoginThrottle.kind == kind) & (LoginThrottle.key == key)).first()
    )
    if row is None:
        row = LoginThrottle(kind=kind, key=key, failures=0)
    stale = row.last_failure_at is not None and now - row.last_failure_at > FORGET_AFTER
    row.failures = 1 if stale else row.failures + 1
    row.last_failure_at = now
    duration = lock_duration(row.failures, LIMITS[kind])
    row.locked_until = now + duration if duration else None
    await row.save()
    return row.locked_until


async def clear(kind: str, key: str) -> None:
    """Forget the failures of ``(kind, key)`` (after a successful sign-in)."""
    await LoginThrottle.delete().where((LoginThrottle.kind == kind) & (LoginThrottle.key == _key(kind, key)))
