"""``cme new-province`` writes a plugin that installs through its entry point and passes the contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from cme_platform.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A stand-in checkout: the project file and an empty tenants folder."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "tenants").mkdir()
    return tmp_path


def _new(checkout: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["new-province", *args, "--root", str(checkout)])


def test_it_writes_the_layout_and_registers_the_entry_point(checkout: Path) -> None:
    result = _new(checkout, "anhui", "--name", "安徽省")
    assert result.exit_code == 0, result.output
    package = checkout / "plugins" / "anhui" / "cme_anhui"
    for part in (
        "plugin.py",
        "settings.py",
        "demo.py",
        "rules/categories.py",
        "rules/standards.py",
        "rules/chains.py",
        "rules/compliance.py",
    ):
        assert (package / part).is_file(), part
    assert (checkout / "plugins" / "anhui" / "tests" / "test_anhui_contract.py").is_file()
    assert 'plugin = "anhui"' in (checkout / "tenants" / "anhui.toml").read_text(encoding="utf-8")
    project = (checkout / "pyproject.toml").read_text(encoding="utf-8")
    assert 'anhui = "cme_anhui.plugin"' in project and '"plugins/anhui/cme_anhui",' in project
    assert '"plugins/jiangsu", "plugins/anhui"]' in project, "mypy checks it too"
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "check", str(checkout / "plugins")],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("AnHui", "--name", "安徽省"), "SLUG must be"),
        (("anhui", "--name", "Anhui"), "in Chinese"),
        (("anhui", "--name", "安徽省", "--code", "a1"), "--code must be"),
        (("zhejiang", "--name", "浙江省"), None),
    ],
)
def test_bad_names_are_refused(checkout: Path, args: tuple[str, ...], message: str | None) -> None:
    if message is None:  # a province that is there already
        assert _new(checkout, "zhejiang", "--name", "浙江省").exit_code == 1
        message = "exists already"
    result = _new(checkout, *args)
    assert result.exit_code == 1 and message in result.output
    assert not (checkout / "plugins" / "anhui").exists()


def test_the_new_plugin_installs_through_its_entry_point_and_passes_the_contract(checkout: Path) -> None:
    assert _new(checkout, "anhui", "--name", "安徽省", "--code", "ah").exit_code == 0
    site = checkout / "site"
    info = site / "cme_anhui-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: cme-anhui\nVersion: 0.1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text("[cme.plugins]\nanhui = cme_anhui.plugin\n", encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(checkout / "plugins" / "anhui")]),
        "CME_TEST_DB": "sqlite",
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "plugins/anhui/tests"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
