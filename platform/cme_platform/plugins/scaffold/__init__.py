"""``cme new-province``: write a new province plugin package from a template, and register it.

The package gets the layout every province uses (``plugin.py`` wiring hooks, ``rules/`` with empty
tables, ``settings.py``, ``demo.py``), a tenant file and its contract test; its entry point and package
are added to the project's ``pyproject.toml``, so the next ``make demo`` or ``make test`` installs it.
The templates are the ``*.tmpl`` files under ``templates/``; ``{slug}``, ``{Slug}``, ``{name}``, ``{code}``
and ``{title}`` are filled in, in file names too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
SLUG_RE = re.compile(r"^[a-z]{2,20}$")
CODE_RE = re.compile(r"^[a-z]{2,4}$")
ENTRY_POINTS = '[project.entry-points."cme.plugins"]\n'
PACKAGES = "[tool.hatch.build.targets.wheel]\npackages = [\n"
MYPY_PATH = re.compile(r"^(mypy_path = \[[^\]]*)\]", re.MULTILINE)


class ScaffoldError(ValueError):
    """The province cannot be written as asked (a bad slug or code, or it exists already)."""


@dataclass(frozen=True)
class Province:
    """What the template is filled with."""

    slug: str
    name: str
    code: str

    @property
    def title(self) -> str:
        """The plugin's display title, e.g. ``安徽省继续医学教育管理``."""
        return f"{self.name}继续医学教育管理"


def check(province: Province, root: Path) -> None:
    """Refuse a slug or code of the wrong shape, a name that is not Chinese, or a province that exists."""
    if not SLUG_RE.match(province.slug):
        raise ScaffoldError("SLUG must be 2–20 lowercase ASCII letters (anhui)")
    if not CODE_RE.match(province.code):
        raise ScaffoldError("--code must be 2–4 lowercase ASCII letters (ah)")
    if not any("\u4e00" <= ch <= "\u9fff" for ch in province.name):
        raise ScaffoldError("--name is the province in Chinese (安徽省)")
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    if ENTRY_POINTS not in pyproject or PACKAGES not in pyproject:
        raise ScaffoldError(f"{root / 'pyproject.toml'} is not the platform's project file")
    if (root / "plugins" / province.slug).exists() or f'\n{province.slug} = "' in pyproject:
        raise ScaffoldError(f"the province {province.slug!r} exists already")


def _fill(text: str, province: Province) -> str:
    return (
        text.replace("{Slug}", province.slug.capitalize())
        .replace("{slug}", province.slug)
        .replace("{name}", province.name)
        .replace("{code}", province.code)
        .replace("{title}", province.title)
    )


def write_province(province: Province, root: Path) -> list[Path]:
    """Write the package, its tests and its tenant file under ``root`` and register it in
    ``root/pyproject.toml``; returns the files written (relative to ``root``)."""
    check(province, root)
    written: list[Path] = []
    for template in sorted(TEMPLATES.rglob("*.tmpl")):
        relative = Path(_fill(str(template.relative_to(TEMPLATES)), province)).with_suffix("")
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_fill(template.read_text(encoding="utf-8"), province), encoding="utf-8")
        written.append(relative)
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text = text.replace(ENTRY_POINTS, f'{ENTRY_POINTS}{province.slug} = "cme_{province.slug}.plugin"\n', 1)
    text = text.replace(PACKAGES, f'{PACKAGES}    "plugins/{province.slug}/cme_{province.slug}",\n', 1)
    text = MYPY_PATH.sub(lambda m: f'{m.group(1)}, "plugins/{province.slug}"]', text, count=1)
    pyproject.write_text(text, encoding="utf-8")
    return written
