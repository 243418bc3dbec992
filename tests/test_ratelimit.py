"""The generic atomic rate counter (``cme_platform.ratelimit``): limits, windows, tenants, keyed hashes,
parallel bursts and the clean-up of ended windows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from cme_platform import ratelimit
from cme_platform.ratelimit import RateCounter, hit


async def test_a_parallel_burst_is_counted_exactly_and_allows_only_the_limit(cme_db: None) -> None:
    verdicts = await asyncio.gather(
        *(hit("test.burst", "13800138000", limit=7, window=timedelta(minutes=1)) for _ in range(40))
    )
    assert sum(v.allowed for v in verdicts) == 7
    assert sorted(v.count for v in verdicts if v.allowed) == list(range(1, 8))
    refused = [v for v in verdicts if not v.allowed]
    assert all(v.count == 7 and timedelta(0) < v.retry_after <= timedelta(seconds=61) for v in refused)
    assert all(v.retry_seconds >= 1 for v in refused)
    rows = await RateCounter.select(RateCounter.bucket, RateCounter.key, RateCounter.hits)
    assert [(r["bucket"], r["hits"]) for r in rows] == [("test.burst", 7)]
    assert "13800138000" not in rows[0]["key"] and len(rows[0]["key"]) == 64


async def test_count_refused_counts_every_event_of_a_burst(cme_db: None) -> None:
    verdicts = await asyncio.gather(
        *(
            hit("test.refusals", "k", limit=1, window=timedelta(minutes=1), count_refused=True)
            for _ in range(25)
        )
    )
    assert [v.count for v in verdicts if v.allowed] == [1]
    assert sorted(v.count for v in verdicts) == list(range(1, 26))


async def test_a_new_window_opens_when_the_old_one_has_ended(cme_db: None) -> None:
    start = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    window = timedelta(seconds=60)
    assert (await hit("test.window", "k", limit=1, window=window, now=start)).allowed
    refused = await hit("test.window", "k", limit=1, window=window, now=start + timedelta(seconds=59.5))
    assert (
        not refused.allowed and refused.retry_after == timedelta(seconds=0.5) and refused.retry_seconds == 1
    )
    again = await hit("test.window", "k", limit=1, window=window, now=start + timedelta(seconds=60))
    assert again.allowed and again.count == 1
    assert not (
        await hit("test.window", "k", limit=1, window=window, now=start + timedelta(seconds=61))
    ).allowed


async def test_counters_are_separate_per_bucket_key_and_tenant(tenant_factory: Any, cme_scope: Any) -> None:
    alpha, beta = await tenant_factory(slug="alpha"), await tenant_factory(slug="beta")
    window = timedelta(minutes=5)
    with cme_scope(alpha):
        assert (await hit("test.sep", "k", limit=1, window=window)).allowed
        assert not (await hit("test.sep", "k", limit=1, window=window)).allowed
        assert (await hit("test.sep", "other", limit=1, window=window)).allowed
        assert (await hit("test.sep2", "k", limit=1, window=window)).allowed
    with cme_scope(beta):
        assert (await hit("test.sep", "k", limit=1, window=window)).allowed
    assert (await hit("test.sep", "k", limit=1, window=window)).allowed  # platform level, no tenant


async def test_purge_deletes_only_ended_windows(cme_db: None) -> None:
    now = datetime.now(UTC)
    await hit("test.purge", "old", limit=5, window=timedelta(seconds=1), now=now - timedelta(seconds=5))
    await hit("test.purge", "live", limit=5, window=timedelta(minutes=1), now=now)
    assert await ratelimit.purge_expired(now) == 1
    assert await RateCounter.count() == 1


async def test_windows_open_at_the_first_event_not_on_the_clock_minute(cme_db: None) -> None:
    first = datetime(2026, 12, 3, 10, 0, 59, 900_000, tzinfo=UTC)
    window = timedelta(seconds=60)
    assert (await hit("test.boundary", "k", limit=1, window=window, now=first)).allowed
    after_the_minute = await hit(
        "test.boundary", "k", limit=1, window=window, now=first + timedelta(seconds=0.2)
    )
    assert not after_the_minute.allowed and after_the_minute.retry_after == timedelta(seconds=59.8)
