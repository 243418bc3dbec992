"""Every hook spec has a docstring and a ``### cme_<name>`` section in docs/plugins.md, and nothing more."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from cme_platform.plugins import PROJECT_NAME, hookspecs

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "plugins.md"
HEADING_RE = re.compile(r"^###\s+`?(cme_\w+)`?\s*$", re.MULTILINE)


def _specs() -> dict[str, object]:
    return {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("cme_") and function.__module__ == hookspecs.__name__
    }


def _documented() -> list[str]:
    return HEADING_RE.findall(GUIDE.read_text(encoding="utf-8"))


def test_hookspecs_module_defines_hooks():
    specs = _specs()
    assert specs, "no cme_* hook specs found"
    unmarked = [name for name, f in specs.items() if getattr(f, f"{PROJECT_NAME}_spec", None) is None]
    assert not unmarked, f"cme_* functions in hookspecs without @hookspec: {unmarked}"


def test_every_hook_has_a_docstring():
    missing = [name for name, f in _specs().items() if not (inspect.getdoc(f) or "").strip()]
    assert not missing, f"hook specs without a docstring: {missing}"


def test_every_hook_has_a_section_in_the_plugin_guide():
    missing = sorted(set(_specs()) - set(_documented()))
    assert not missing, f"docs/plugins.md has no '### <hook>' section for: {missing}"


def test_the_plugin_guide_documents_only_existing_hooks_once():
    documented = _documented()
    unknown = sorted(set(documented) - set(_specs()))
    assert not unknown, f"docs/plugins.md documents hooks that do not exist: {unknown}"
    duplicates = sorted({name for name in documented if documented.count(name) > 1})
    assert not duplicates, f"docs/plugins.md documents these hooks more than once: {duplicates}"
