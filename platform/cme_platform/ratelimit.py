"""Atomic, database-backed rate limits shared by every worker process (table ``rate_limit``).

:func:`hit` counts one event for ``(bucket, key)`` in a fixed window that opens at the first counted event
and lasts ``window``; when it has ended the next event opens a new one. Counting is ONE statement on
both engines (``INSERT … ON CONFLICT … DO UPDATE … RETURNING``, in an ``IMMEDIATE`` transaction on
SQLite), so a burst of parallel requests can never get past the limit, and there is no read-then-write.

Counters are tenant-aware: the active tenant (or ``platform`` outside every tenant scope) is part of the
counter's identity. Keys are never stored in clear: the row holds a keyed hash (HMAC-SHA256 with a key
derived from ``CME_PII_KEY``) of tenant, bucket and key, so ID numbers, phones and addresses can be keys.
Rows whose window has ended are deleted now and then by :func:`hit` (:func:`purge_expired`).

Call :func:`hit` outside any other open transaction on SQLite (a deferred transaction that has read
cannot take the write lock without risking ``database is locked``), or inside one started with
:func:`~cme_platform.db.transactions.write_transaction`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import msgspec
from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table

import cme_platform.db  # noqa: F401  (points Piccolo at our configuration)
from cme_platform.db.transactions import write_transaction
from cme_platform.keys import derive_key
from cme_platform.settings import get_settings
from cme_platform.tenancy.scope import active_tenant_or_none

PURGE_EVERY_SECONDS = 300.0
"""How often (per process) :func:`hit` deletes the counters whose window has ended."""
_last_purge = 0.0


class RateCounter(Table, tablename="rate_limit"):
    """One rate counter: ``hits`` counted in the window that ends at ``window_ends``."""

    bucket = Varchar(length=64, null=False)
    key = Varchar(length=64, null=False, unique=True)
    hits = Integer(default=0, null=False)
    window_ends = Timestamptz(null=False, index=True)


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """The answer of :func:`hit`: whether the event is allowed, the window's count, when to retry."""

    allowed: bool
    count: int
    """Events counted in the current window (this one included when it was counted)."""
    retry_after: timedelta
    """Zero when allowed; else the time until the window ends."""

    @property
    def retry_seconds(self) -> int:
        """``retry_after`` in whole seconds, rounded up (at least 1 when refused), for ``Retry-After``."""
        return 0 if self.allowed else max(1, math.ceil(self.retry_after.total_seconds()))


@lru_cache(maxsize=4)
def _hash_key(pii_key: str) -> bytes:
    return derive_key(pii_key, b"cme-rate-limit-key")


def keyed_hash(*parts: str) -> str:
    """The keyed hash (64 hex characters) under which a counter of ``parts`` is stored; never reversible."""
    message = "\x1f".join(parts).encode()
    return hmac.new(_hash_key(get_settings().pii_key), message, hashlib.sha256).hexdigest()


def counter_key(bucket: str, key: str) -> str:
    """The stored key of ``(bucket, key)`` in the active tenant (or the platform outside tenants)."""
    tenant = active_tenant_or_none()
    return keyed_hash("platform" if tenant is None else f"tenant:{tenant.id}", bucket, key)


def _as_datetime(value: Any) -> datetime:
    """A timestamp read back by raw SQL (SQLite may return the stored text)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


_UPSERT = """
INSERT INTO rate_limit (bucket, key, hits, window_ends) VALUES ({}, {}, 1, {})
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN rate_limit.window_ends <= {} THEN 1 ELSE rate_limit.hits + 1 END,
  window_ends = CASE WHEN rate_limit.window_ends <= {} THEN excluded.window_ends
                     ELSE rate_limit.window_ends END
"""
_ONLY_BELOW_LIMIT = "WHERE rate_limit.window_ends <= {} OR rate_limit.hits < {}\n"
_RETURNING = "RETURNING hits, window_ends"


async def hit(
    bucket: str,
    key: str,
    *,
    limit: int,
    window: timedelta,
    count_refused: bool = False,
    now: datetime | None = None,
) -> Verdict:
    """Count one event of ``key`` in ``bucket`` and say whether it stays within ``limit`` per ``window``.

    ``bucket`` names the limit (``sms.phone.daily``, stored in clear: no personal data in it); ``key``
    is what is limited (an account id, a phone, an address; stored only as a keyed hash). By default a
    refused event is not counted (the count stays at ``limit``), so refused retries do not prolong
    anything; ``count_refused=True`` counts every event (``count`` then tells how many were refused:
    ``count - limit``). Safe under any number of parallel callers on both engines.
    """
    if limit < 1 or window <= timedelta(0):
        raise ValueError("a rate limit needs limit >= 1 and a positive window")
    now = now or datetime.now(UTC)
    stored = counter_key(bucket, key)
    sql = _UPSERT + ("" if count_refused else _ONLY_BELOW_LIMIT) + _RETURNING
    args: list[Any] = [bucket[:64], stored, now + window, now, now]
    if not count_refused:
        args += [now, limit]
    async with write_transaction(RateCounter):
        rows = await RateCounter.raw(sql, *args)
        counted = bool(rows)
        if not counted:  # at the limit and not counted: read the running window
            rows = await RateCounter.raw("SELECT hits, window_ends FROM rate_limit WHERE key = {}", stored)
    hits, ends = int(rows[0]["hits"]), _as_datetime(rows[0]["window_ends"])
    await _purge_now_and_then()
    if counted and hits <= limit:
        return Verdict(allowed=True, count=hits, retry_after=timedelta(0))
    return Verdict(allowed=False, count=hits, retry_after=max(ends - now, timedelta(0)))


async def release(bucket: str, key: str) -> None:
    """Take back one counted event of ``key`` in ``bucket`` (what it allowed did not happen after all)."""
    await RateCounter.update({RateCounter.hits: RateCounter.hits - 1}).where(
        (RateCounter.key == counter_key(bucket, key)) & (RateCounter.hits > 0)
    )


async def purge_expired(now: datetime | None = None) -> int:
    """Delete every counter whose window has ended; returns how many rows went.

    On PostgreSQL rows that a running transaction holds are skipped (``SKIP LOCKED``), so the purge never
    waits for a counter that is being counted, and can never close a lock cycle with it.
    """
    db = RateCounter._meta.db
    lock = " FOR UPDATE SKIP LOCKED" if db.engine_type == "postgres" else ""
    rows = await RateCounter.raw(
        "DELETE FROM rate_limit WHERE id IN "
        f"(SELECT id FROM rate_limit WHERE window_ends <= {{}}{lock}) RETURNING id",
        now or datetime.now(UTC),
    )
    return len(rows)


async def _purge_now_and_then() -> None:
    """Purge now and then, never inside a caller's transaction (which holds counters of its own)."""
    global _last_purge
    if RateCounter._meta.db.transaction_exists():
        return
    if time.monotonic() - _last_purge >= PURGE_EVERY_SECONDS:
        _last_purge = time.monotonic()
        await purge_expired()
