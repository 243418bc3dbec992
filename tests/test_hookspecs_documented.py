"""Every hook spec has a docstring and a ``### cme_<name>`` section in docs/plugins.md showing its signature.

The specs are typed (no ``Any`` in a return annotation), every ``firstresult`` hook says so in its
docstring, and every answer type resolves at run time (the manager checks answers against it).
"""

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


def signature(function: object) -> str:
    """``cme_x(tenant: TenantContext, year: int) -> list[CreditCategory] | None`` as the spec declares it."""
    sig = inspect.signature(function)  # type: ignore[arg-type]
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{function.__name__}({params}) -> {sig.return_annotation}"  # type: ignore[attr-defined]


def _sections() -> dict[str, str]:
    text = GUIDE.read_text(encoding="utf-8")
    heads = list(HEADING_RE.finditer(text))
    return {
        m.group(1): text[m.end() : heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        for i, m in enumerate(heads)
    }


def test_every_section_shows_the_hooks_signature():
    sections = _sections()
    wrong = [
        f"{name}: expected `{signature(f)}`"
        for name, f in _specs().items()
        if f"**Signature:** `{signature(f)}`" not in sections.get(name, "")
    ]
    assert not wrong, "docs/plugins.md sections without the hook's **Signature:** line:\n" + "\n".join(wrong)


def test_specs_are_typed_and_say_firstresult():
    from cme_platform.plugins.manager import answer_check, is_firstresult

    for name, function in _specs().items():
        returns = inspect.signature(function).return_annotation  # type: ignore[arg-type]
        assert returns is not inspect.Signature.empty and "Any" not in str(returns), name
        assert callable(answer_check(name)), name
        says = "**firstresult**" in (inspect.getdoc(function) or "")
        assert says is is_firstresult(name), (
            f"{name}: the docstring must say **firstresult** exactly when it is"
        )


def test_the_plugin_guide_documents_only_existing_hooks_once():
    documented = _documented()
    unknown = sorted(set(documented) - set(_specs()))
    assert not unknown, f"docs/plugins.md documents hooks that do not exist: {unknown}"
    duplicates = sorted({name for name in documented if documented.count(name) > 1})
    assert not duplicates, f"docs/plugins.md documents these hooks more than once: {duplicates}"
