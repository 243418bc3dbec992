"""Beijing's teaching activity plans (教学活动计划, seed 000 实践活动): a plugin module with its own table.

An institution's 科教部门 uploads its yearly, quarterly or monthly plan of organised CME practice activities
(计划名称, 计划类型, 活动形式, 备注 and the plan file) and submits it; the 主管部门 (the district's
administration, the commission for institutions outside any district) views it in the approvals inbox and
passes or fails it; the institution sees the status. Credits for practice activities are later checked
against the filed plans.

Layout (a pretix-style plugin app): ``tables.py``, ``piccolo_app.py`` and ``piccolo_migrations/`` for the
table, ``service.py`` for the rules and the approval handler, ``api.py`` for the JSON API, ``pages.py``
for the pages, templates under ``templates/beijing/activity_plans/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

SUBJECT_TYPE: Final = "beijing.activity_plan"
"""Subject type (and chain kind) of an activity plan in the approvals domain."""

PLAN_TYPES: tuple[str, ...] = ("年度计划", "季度计划", "月度计划")
"""计划类型."""

ACTIVITY_FORMS: tuple[str, ...] = ("学术讲座", "病例讨论", "教学查房", "技能培训", "学术报告会", "其他")
"""活动形式 of organised CME practice activities."""

TEMPLATE_DIR = Path(__file__).parent / "templates"
"""Holds ``beijing/activity_plans/*.html``."""

FILE_PURPOSE: Final = "beijing_activity_plan"
"""The file purpose of a plan file (PDF, Excel or an image; 20 MB)."""
