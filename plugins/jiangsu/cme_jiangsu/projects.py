"""Jiangsu's projects (seed 004 §1): national projects entered by their owners, provincial projects
declared and published in the platform, and the two materials of a hosting application."""

from __future__ import annotations

from cme_platform.projects.policy import MaterialSpec, ProjectPolicy

PROJECT_POLICY = ProjectPolicy(
    levels=("国家级", "省级"),
    entered_levels=("国家级",),
    declared_levels=("省级",),
    natures=("申报项目", "备案项目"),
    materials=(
        MaterialSpec(
            code="notice", label="会议通知", hint="请上传带红章的会议通知扫描(拍照)图片，附件最大50M"
        ),
        MaterialSpec(code="schedule", label="会议日程", hint="附件最大50M"),
    ),
)
"""国家级 projects are not declared in Jiangsu's system: their owners enter the basic information first
(国家级项目录入); 省级 projects (含备案项目) are published by the commission and chosen directly. Each
application carries the 会议通知 with the red seal and the 会议日程; the owner's 行政用户 confirms it and the
管理用户 approves it (the core's hosting chain)."""
