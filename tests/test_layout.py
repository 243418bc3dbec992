"""The repository layout of DESIGN.md, and the stdlib ``platform`` module staying reachable."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_is_never_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists()
    assert sorted(p.name for p in (ROOT / "platform").iterdir() if not p.name.startswith(".")) == [
        "cme_platform"
    ]


def test_import_platform_gives_the_standard_library_from_the_repository_root():
    import platform

    assert Path(platform.__file__).parent == Path(subprocess.__file__).parent
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import platform, cme_platform; print(platform.__file__); print(platform.python_version())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert Path(out[0]).parent == Path(subprocess.__file__).parent and out[1].startswith("3.")


def _installed_plugins() -> dict[str, str]:
    """Plugin name → its top-level package, as the ``cme.plugins`` entry points say."""
    from importlib.metadata import entry_points

    return {ep.name: ep.value.split(".")[0] for ep in entry_points(group="cme.plugins")}


def test_every_installed_plugin_lives_under_plugins():
    import importlib.util

    plugins = _installed_plugins()
    assert {"beijing", "zhejiang", "jiangsu"} <= set(plugins)
    for name, package in plugins.items():
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.origin is not None, package
        assert Path(spec.origin).parent == ROOT / "plugins" / name / package, (name, spec.origin)


def test_source_roots_hold_one_cme_package_each():
    roots = {
        ROOT / "platform": "cme_platform",
        ROOT / "admin_ui": "cme_admin_ui",
        **{ROOT / "plugins" / name: package for name, package in _installed_plugins().items()},
    }
    for root, package in roots.items():
        assert (root / package / "__init__.py").is_file(), f"{root}/{package} is missing"
    for required in (
        "pyproject.toml",
        "uv.lock",
        "Dockerfile",
        "README.md",
        "Makefile",
        ".ci/run",
        "tenants",
    ):
        assert (ROOT / required).exists(), required


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_core_imports_no_ui_and_its_domain_errors_no_web_code():
    core = ROOT / "platform" / "cme_platform"
    ui_users = sorted(
        str(path.relative_to(core))
        for path in core.rglob("*.py")
        if any(name.startswith("cme_admin_ui") for name in _imports(path))
    )
    assert ui_users == ["app.py"], "only the composition root may import the UI package"
    errors = _imports(core / "errors.py")
    assert not any(name.startswith(("litestar", "cme_platform")) for name in errors), errors
    assert "cme_platform.identity.tokens" not in _imports(core / "identity" / "principal.py")


def test_no_code_leaves_session_state_on_a_pooled_connection():
    """The asyncpg pool resets nothing when a connection goes back (``cme_platform.app._keep_session``):
    no code may take session-level advisory locks, ``SET`` a session variable or ``LISTEN`` on the
    platform's connections (SAQ's queue listens on a pool of its own, ``jobs/queue.py``)."""
    session_state = re.compile(  # SQL keywords in capitals, as the platform writes them
        r"(?i:pg_advisory_lock|pg_try_advisory_lock|set_config)\("
        r"|[\"';] *SET (SESSION )?[a-z_.]+ *(=|TO)"  # a statement that starts with SET (not UPDATE … SET)
        r"|\bLISTEN \w"
    )
    offenders = [
        str(path.relative_to(ROOT))
        for root in ("platform", "plugins")
        for path in (ROOT / root).rglob("*.py")
        if path.name != "queue.py" and session_state.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
