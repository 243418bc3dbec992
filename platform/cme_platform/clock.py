"""Today's date in China (UTC+8), the one clock that credit effectiveness and compliance read.

Credits become effective on a date (Zhejiang: the day after approval), so every "is it effective yet"
question asks :func:`today`. Tests move the clock with :func:`frozen_today`; a demo or a browser test
that runs the server in another process moves it with ``CME_CLOCK_OFFSET_DAYS`` (never set in
production).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone

from cme_platform.settings import get_settings

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
_frozen: ContextVar[date | None] = ContextVar("cme_frozen_today", default=None)


_frozen_now: ContextVar[datetime | None] = ContextVar("cme_frozen_now", default=None)


def now() -> datetime:
    """The current moment (UTC), moved by the same offset as :func:`today`, or the moment a test froze
    with :func:`frozen_now`."""
    frozen = _frozen_now.get()
    if frozen is not None:
        return frozen
    return datetime.now(UTC) + timedelta(days=get_settings().clock_offset_days)


def today() -> date:
    """Today's date in China, or the date a test froze with :func:`frozen_today` (or :func:`frozen_now`)."""
    frozen = _frozen.get()
    if frozen is not None:
        return frozen
    return now().astimezone(CHINA).date()


@contextmanager
def frozen_now(moment: datetime) -> Iterator[None]:
    """Make :func:`now` return ``moment`` (aware) inside the ``with`` block (tests of time windows)."""
    token = _frozen_now.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _frozen_now.reset(token)


@contextmanager
def frozen_today(day: date) -> Iterator[None]:
    """Make :func:`today` return ``day`` inside the ``with`` block (tests)."""
    token = _frozen.set(day)
    try:
        yield
    finally:
        _frozen.reset(token)


def china_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``moment`` as China time for display (``—`` for none); naive values are taken as UTC."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).strftime(fmt)


def chinese_date(day: date | None) -> str:
    """``day`` as printed on certificates and forms: ``2026年12月4日`` (``—`` for none)."""
    if day is None:
        return "—"
    return f"{day.year}年{day.month}月{day.day}日"
