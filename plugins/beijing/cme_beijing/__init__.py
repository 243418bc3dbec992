"""Beijing province plugin (北京市): creditable activities, credit standards, supervision and credit audit.

The hook implementations live in :mod:`cme_beijing.plugin`, registered as ``beijing`` in the
``cme.plugins`` entry-point group; a tenant file with ``plugin = "beijing"`` uses them.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

PLUGIN_NAME = "beijing"
"""The plugin's name: its entry-point name and the ``plugin`` of Beijing tenant files."""

TEMPLATE_DIR = Path(__file__).parent / "templates"
"""Holds ``beijing/*.html``; the platform adds it to the Jinja2 loader."""

__version__ = version("cme-platform")

INSTITUTION_LEVELS: tuple[str, ...] = ("三级医院", "驻区医院", "区直属医院", "统管医院")
"""单位级别 as Beijing's credit-audit standards use them (seed 000, 审验标准设置)."""
