"""A private test database for one pytest session: SQLite in a temp dir, or a new PostgreSQL database.

PostgreSQL comes from ``CME_TEST_POSTGRES_URL`` (a server where the test user may create databases) or,
when that is unset, from a throwaway cluster started with the installed ``initdb``/``pg_ctl``. Either
way the session creates its own database and drops it at the end, so no existing data is touched.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg


class TestDatabase:
    """Chooses and creates the session's database; ``url`` is what ``CME_DATABASE_URL`` should be."""

    __test__ = False  # not a test class for pytest

    def __init__(self, backend: str, tmp_dir: Path) -> None:
        self.backend = backend
        self.tmp_dir = tmp_dir
        self.cluster: Any = None
        self.server_url: str | None = None
        self.url = ""

    def start(self) -> str:
        """Create the database and return its URL."""
        if self.backend == "sqlite":
            self.url = f"sqlite:///{self.tmp_dir / 'test.sqlite3'}"
            return self.url
        if self.backend != "postgres":
            raise ValueError(f"CME_TEST_DB must be sqlite or postgres, not {self.backend!r}")
        self.server_url = os.environ.get("CME_TEST_POSTGRES_URL") or None
        if self.server_url is None:
            from cme_platform.testkit.pgcluster import PostgresCluster

            self.cluster = PostgresCluster()
            self.cluster.start()
            self.server_url = self.cluster.url
        name = f"cme_test_{os.getpid()}_{secrets.token_hex(3)}"
        asyncio.run(_admin(self.server_url, f'CREATE DATABASE "{name}"'))
        parts = urlsplit(self.server_url)
        self.url = urlunsplit(parts._replace(path=f"/{name}"))
        return self.url

    def stop(self) -> None:
        """Drop the session's database (and stop the throwaway cluster)."""
        if self.backend == "postgres" and self.server_url and self.url:
            name = urlsplit(self.url).path.lstrip("/")
            asyncio.run(_admin(self.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if self.cluster is not None:
            self.cluster.stop()


async def _admin(server_url: str, statement: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
