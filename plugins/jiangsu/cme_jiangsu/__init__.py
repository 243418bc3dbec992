"""Jiangsu province plugin (江苏省): project hosting applications, check-in/check-out QR codes, grants.

The hook implementations live in :mod:`cme_jiangsu.plugin`, registered as ``jiangsu`` in the
``cme.plugins`` entry-point group; a tenant file with ``plugin = "jiangsu"`` uses them.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

PLUGIN_NAME = "jiangsu"
"""The plugin's name: its entry-point name and the ``plugin`` of Jiangsu tenant files."""

TEMPLATE_DIR = Path(__file__).parent / "templates"
"""Holds ``jiangsu/*.html``; the platform adds it to the Jinja2 loader."""

__version__ = version("cme-platform")

INSTITUTION_LEVELS: tuple[str, ...] = (
    "三级甲等",
    "三级乙等",
    "二级甲等",
    "二级乙等",
    "一级",
    "基层医疗卫生机构",
    "学协会",
    "其他",
)
"""单位级别 of Jiangsu institutions. Seed 004 gives no list: these are the usual hospital grades plus
基层 (the check-in form asks 是否来自基层) and 学协会 (societies host projects); an assumption."""
