"""The ``cme`` command line: help for every command, and an idempotent demo set-up on a fresh data dir."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from cme_platform.demo import DEMO_LEARNER_ID
from cme_platform.identity.roles import Role
from cme_platform.plugins import ENTRY_POINT_GROUP

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


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["migrate"],
        ["tenants"],
        ["tenants", "sync"],
        ["demo"],
        ["operators"],
        ["operators", "add"],
        ["audit"],
        ["audit", "verify"],
    ],
)
def test_every_command_explains_itself(fresh_env, command):
    result = _run([*command, "--help"], fresh_env)
    assert result.returncode == 0 and "Usage:" in result.stdout and len(result.stdout.splitlines()) > 4


def test_demo_setup_is_idempotent(fresh_env, tmp_path):
    first = _run(["demo", "--no-serve"], fresh_env)
    assert first.returncode == 0, first.stderr
    slugs = sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    for slug in slugs:
        assert f"http://127.0.0.1:8000/t/{slug}/" in first.stdout
        assert f"http://{slug}.localhost:8000/" in first.stdout
    for slug in slugs:
        table = first.stdout.split(f"/t/{slug}/\n", 1)[1].split("\n\n", 1)[0]
        for role in Role:
            row = (
                rf"{re.escape(role.label)} +\S+ +\S+ +1390000\d{{4}} +http://127\.0\.0\.1:8000/t/{slug}/login"
            )
            assert re.search(row, table), (slug, role)
        assert f"{DEMO_LEARNER_ID}  " in table and DEMO_LEARNER_ID[-6:] in table

    database = tmp_path / "data" / "cme.sqlite3"

    def counts() -> dict[str, int]:
        with sqlite3.connect(database) as db:
            return {
                t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in (
                    "tenant",
                    "org_region",
                    "org_institution",
                    "org_department",
                    "identity_account",
                    "personnel_person",
                )
            }

    before = counts()
    assert before["tenant"] == 3 and before["org_institution"] >= 6
    # the role accounts, and a learner account for every registered person (the demo learner is one)
    assert before["personnel_person"] > 3 * 6
    assert before["identity_account"] == 3 * (len(Role) - 1) + before["personnel_person"]
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


def test_operators_add_reads_the_password_and_refuses_weak_ones_and_duplicates(fresh_env, tmp_path):
    args = ["operators", "add", "ops1", "--name", "运维一号", "--password-stdin"]
    weak = _run(args, fresh_env, input="weak\n")
    assert weak.returncode == 1 and "密码" in weak.stderr
    added = _run(args, fresh_env, input="Ops@Strong2026\n")
    assert added.returncode == 0, added.stderr
    again = _run(args, fresh_env, input="Ops@Strong2026\n")
    assert again.returncode == 1 and "已存在" in again.stderr
    prompted = _run(["operators", "add", "ops2", "--name", "运维二"], fresh_env, input="Ops@Strong2026\n" * 2)
    assert prompted.returncode == 0, prompted.stderr
    with sqlite3.connect(tmp_path / "data" / "cme.sqlite3") as db:
        rows = db.execute("SELECT username, password_hash FROM platform_operator ORDER BY id").fetchall()
        logged = db.execute("SELECT action FROM audit_platform_event ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == ["ops1", "ops2"] and all(r[1].startswith("$argon2") for r in rows)
    assert logged == [("operator.create",), ("operator.create",)]
