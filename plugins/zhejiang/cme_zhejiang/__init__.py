"""Zhejiang province plugin (浙江省): class I/II credits, guided entry, internal training, certificates.

The hook implementations live in :mod:`cme_zhejiang.plugin`, registered as ``zhejiang`` in the
``cme.plugins`` entry-point group; a tenant file with ``plugin = "zhejiang"`` uses them.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

PLUGIN_NAME = "zhejiang"
"""The plugin's name: its entry-point name and the ``plugin`` of Zhejiang tenant files."""

TEMPLATE_DIR = Path(__file__).parent / "templates"
"""Holds ``zhejiang/*.html``; the platform adds it to the Jinja2 loader."""

__version__ = version("cme-platform")

INSTITUTION_LEVELS: tuple[str, ...] = (
    "省级医疗卫生单位",
    "市直属医疗卫生单位",
    "县（市、区）级医疗卫生单位",
    "基层医疗卫生机构",
    "学协会单位用户",
    "其他",
)
"""单位级别 of Zhejiang institutions. The seeds show only 市直属医疗卫生… and 学协会单位用户 (seed 002, the
title-history table); the other levels complete the administrative hierarchy and are an assumption."""
