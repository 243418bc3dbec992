"""The ``cme`` command line: help for every command, and an idempotent demo set-up on a fresh data dir."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CME = [sys.executable, "-m", "cme_platform.cli"]


def _run(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CME, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, **kwargs
    )


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PICCOLO_"))}
    env.update(CME_DATA_DIR=str(tmp_path / "data"), CME_TENANTS_DIR=str(ROOT / "tenants"))
    return env


@pytest.mark.parametrize("command", [[], ["serve"], ["migrate"], ["tenants"], ["tenants", "sync"], ["demo"]])
def test_every_command_explains_itself(fresh_env, command):
    result = _run([*command, "--help"], fresh_env)
    assert result.returncode == 0 and "Usage:" in result.stdout and len(result.stdout.splitlines()) > 4


def test_demo_setup_is_idempotent(fresh_env, tmp_path):
    first = _run(["demo", "--no-serve"], fresh_env)
    assert first.returncode == 0, first.stderr
    for slug in ("beijing", "zhejiang", "jiangsu"):
        assert f"http://127.0.0.1:8000/t/{slug}/" in first.stdout
        assert f"http://{slug}.localhost:8000/" in first.stdout
    for username in ("admin", "region_admin", "inst_admin", "dept_admin"):
        assert username in first.stdout

    database = tmp_path / "data" / "cme.sqlite3"

    def counts() -> dict[str, int]:
        with sqlite3.connect(database) as db:
            return {
                t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("tenant", "org_region", "org_institution", "org_department", "identity_account")
            }

    before = counts()
    assert before["tenant"] == 3 and before["org_institution"] >= 6 and before["identity_account"] == 12
    with sqlite3.connect(database) as db:
        db.execute("UPDATE org_institution SET staff_count = 4242 WHERE id = 1")
    second = _run(["demo", "--no-serve"], fresh_env)
    assert second.returncode == 0, second.stderr
    assert "unchanged" in second.stdout
    assert counts() == before
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT staff_count FROM org_institution WHERE id = 1").fetchone()[0] == 4242


def test_tenants_sync_reports_bad_files_and_writes_nothing(fresh_env, tmp_path):
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    (tenants / "alpha.toml").write_text('name = "甲"\nplugin = "atlantis"\n', encoding="utf-8")
    assert _run(["migrate"], fresh_env).returncode == 0
    result = _run(["tenants", "sync", "--dir", str(tenants)], fresh_env)
    assert result.returncode == 1 and "atlantis" in result.stderr and "nothing was written" in result.stderr
    with sqlite3.connect(tmp_path / "data" / "cme.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM tenant").fetchone()[0] == 0
