"""Build the Piccolo engine from the database URL: SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

SQLITE_BUSY_TIMEOUT = 30.0
"""Seconds a SQLite writer waits for the write lock before "database is locked" (bursts of sign-ins)."""


class DatabaseURLError(ValueError):
    """The database URL names an engine the platform does not support."""


def sqlite_path(url: str) -> Path:
    """The file path of a ``sqlite:///path`` URL."""
    return Path(url.removeprefix("sqlite:///").removeprefix("sqlite://"))


def engine_from_url(url: str) -> Engine:
    """Return a Piccolo engine for ``url`` (``sqlite:///file`` or ``postgresql://…``)."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT)
    if scheme in {"postgresql", "postgres"}:
        return PostgresEngine(config={"dsn": url}, log_queries=False)
    raise DatabaseURLError(f"unsupported database URL scheme {scheme!r}: use sqlite:/// or postgresql://")
