"""Two application processes and workers on PostgreSQL: processes killed during an import lose nothing.

Real processes (``cme serve --no-jobs`` twice, ``cme worker``) on the session's PostgreSQL database. An
institution admin uploads a workbook through the first app; the worker importing it is killed mid-import
(its transaction rolls back), the app is killed too and a second app starts (its start-up must not touch
the orphaned job). A new worker sweeps the dead worker's job after its heartbeat and imports it again from the
start; every person is there once. On SQLite the queue serves one machine, so this runs on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_kit import ROOT, free_port
from cme_platform.personnel.tables import Person, PersonImport
from cme_platform.settings import get_settings
from cme_platform.tenancy.scope import scope
from cme_platform.tenancy.tables import Tenant
from cme_platform.testkit.world import OrgWorld
from test_personnel_import import api, person_row, upload, workbook

pytestmark = pytest.mark.skipif(
    not get_settings().is_postgres, reason="several processes share the queue on PostgreSQL"
)

PEOPLE = 6000


class Processes:
    """The test's ``cme`` processes, each logging to a file of its own; all killed at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[subprocess.Popen[bytes]] = []
        self.env = {
            **os.environ,
            "CME_JOB_HEARTBEAT_SECONDS": "3",
            "CME_JOB_SWEEP_SECONDS": "1",
            "CME_DB_POOL": "1",
        }

    def start(self, name: str, *args: str, port: int | None = None) -> subprocess.Popen[bytes]:
        env = {**self.env, "CME_PORT": str(port)} if port else self.env
        process = subprocess.Popen(
            [sys.executable, "-m", "cme_platform.cli", *args],
            cwd=ROOT,
            env=env,
            stdout=(self.log_dir / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    def app(self, name: str) -> str:
        """``cme serve --no-jobs`` on a free port, once it answers; its base URL."""
        port = free_port()
        process = self.start(name, "serve", "--no-jobs", port=port)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    return base
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, self.log(name)
                time.sleep(0.2)

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        """``cme worker``, once it has started."""
        process = self.start(name, "worker", "--concurrency", "2")
        deadline = time.monotonic() + 30
        while "started" not in self.log(name):
            assert process.poll() is None and time.monotonic() < deadline, self.log(name)
            time.sleep(0.2)
        return process

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop_all(self) -> None:
        for process in self.started:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    running = Processes(tmp_path)
    yield running
    running.stop_all()


async def _import_row(world: OrgWorld, import_id: int) -> dict[str, Any]:
    with scope(world.tenant):
        row = await PersonImport.select().where(PersonImport.id == import_id).first()
    assert row is not None
    return row


async def test_killed_apps_and_a_killed_worker_lose_nothing(
    world: OrgWorld, login: Any, processes: Processes
) -> None:
    first_worker = processes.worker("worker-1")
    first_app = processes.app("app-1")
    content = workbook([person_row(i, "AI1") for i in range(PEOPLE)])
    async with httpx.AsyncClient(base_url=first_app, timeout=30) as client:
        await login(client, world.tenant, "institution")
        response = await upload(client, world, content)
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]

    deadline = time.monotonic() + 60
    while not (row := await _import_row(world, import_id))["processed_rows"]:
        assert row["status"] in ("queued", "running") and time.monotonic() < deadline, row["message"]
        await asyncio.sleep(0.02)
    first_worker.kill()  # the worker dies mid-import: its transaction is rolled back
    first_worker.wait(timeout=10)
    assert (await _import_row(world, import_id))["status"] == "running"
    processes.started[1].kill()  # the app that took the upload dies too
    second_app = processes.app("app-2")  # a restart: its start-up leaves the orphaned import alone
    row = await _import_row(world, import_id)
    assert (row["status"], row["created_count"]) == ("running", 0), row["message"]

    processes.worker("worker-2")
    async with httpx.AsyncClient(base_url=second_app, timeout=30) as client:
        await login(client, world.tenant, "institution")
        deadline = time.monotonic() + 120
        while (job := (await client.get(api(world, f"/imports/{import_id}"))).json())["status"] == "running":
            assert time.monotonic() < deadline, processes.log("worker-2")
            await asyncio.sleep(0.2)
    assert (job["status"], job["created_count"], job["error_count"]) == ("done", PEOPLE, 0), job["message"]
    with scope(world.tenant):
        assert await Person.count() == PEOPLE
    stored = await Tenant.raw("SELECT job FROM saq_jobs WHERE key = {}", row["job_key"])
    assert json.loads(bytes(stored[0]["job"]))["attempts"] == 2
    assert "Sweeping" in processes.log("worker-2")
