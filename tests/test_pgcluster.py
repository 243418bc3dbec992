"""The throwaway PostgreSQL cluster used by the PostgreSQL test pass starts, answers and goes away."""

from __future__ import annotations

import asyncio
import socket

import pytest
from cme_platform.testkit.pgcluster import PostgresCluster, available


def _port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port (SO_REUSEADDR ignores lingering TIME_WAIT sockets)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_throwaway_cluster_starts_answers_and_stops() -> None:
    if not available():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) or the postgres OS user are not available")
    import asyncpg

    async def select_one(url: str) -> int:
        connection = await asyncpg.connect(url, timeout=30)
        try:
            return int(await connection.fetchval("select 1"))
        finally:
            await connection.close()

    with PostgresCluster() as cluster:
        port = cluster.port
        assert port is not None
        assert cluster.url == f"postgresql://postgres@127.0.0.1:{port}/cme_test"
        base_dir = cluster.base_dir
        assert base_dir is not None and base_dir.is_dir()
        assert asyncio.run(select_one(cluster.url)) == 1
        assert not _port_is_free(port)

    assert _port_is_free(port)
    assert not base_dir.exists()
