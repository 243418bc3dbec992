"""Zhejiang's internal training (内部培训管理, seed 002 §4): a plugin module with its own tables.

A department (科室) adds the training it organises in its institution (活动名称, 学分级别, 学分, 学时, 学科,
举办方式, 考核方式) with its sessions (举办周期: 课程, 主讲人, time and place) and submits it; the institution
approves it in the approvals inbox (单位审核). Its sessions are then open for QR attendance (the core's
attendance, session kind :data:`SESSION_KIND`). Once held, the department scores the attendees (授分: each
one's credit, the training's by default for those who attended long enough) and writes it off (核销); the
institution's second write-off (单位核销) posts the credits to the ledger, where they count at once.

Layout (a pretix-style plugin app): ``tables.py``, ``piccolo_app.py`` and ``piccolo_migrations/``,
``service.py`` (activities and sessions), ``scoring.py`` (授分 and 核销), ``sessions.py`` (the session kind),
``api.py``, ``pages.py`` and templates under ``templates/zhejiang/internal_training/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

SUBJECT_TYPE: Final = "zhejiang.training"
"""Subject type (and chain kind) of a training submitted for the institution's approval."""

WRITE_OFF_TYPE: Final = "zhejiang.training_write_off"
"""Subject type of a training's scored attendees sent for the institution's write-off (单位核销)."""

SESSION_KIND: Final = "training"
"""The attendance session kind of a training's sessions."""

LEVELS: tuple[str, ...] = ("单位组织的活动", "科室组织的活动")
"""学分级别 of an internal training (seed 002 shows 单位组织的…; the II类 subcategory is
单位和科室组织的活动)."""

FORMS: tuple[str, ...] = ("学术讲座", "业务学习", "病例讨论", "教学查房", "技能培训", "其他")
"""举办方式 of an internal training."""

ASSESSMENTS: tuple[str, ...] = ("无", "考勤", "笔试", "操作考核", "问卷")
"""考核方式 of an internal training."""

CATEGORY: Final = "II类学分"
"""The credit category of written-off internal training."""

SUBCATEGORY: Final = "单位和科室组织的活动"
"""The subcategory of written-off internal training (图-9 of seed 003)."""

MAX_CREDITS: Final = 1000
"""The most credits (hundredths) one training may give a person: 10."""

MAX_HOURS: Final = 10000
"""The most hours (hundredths) one training may last: 100."""

TEMPLATE_DIR = Path(__file__).parent / "templates"
"""Holds ``zhejiang/internal_training/*.html``."""
