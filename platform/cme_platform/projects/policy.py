"""A province's project vocabulary and hosting rules (``cme_project_policy``), and the core's default.

The core stores projects, runs and applications; the province says what a project may be (levels,
natures, hosting forms, assessment methods, the most credits a project may give), which levels its
owners enter themselves because they were declared outside the platform (national projects), and which
materials a hosting application needs.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from cme_platform.approvals.chains import Chain, ChainStep


class MaterialSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One material a hosting application asks for (``会议通知``, ``会议日程``)."""

    code: str
    """Stored with the upload; letters, digits and ``_`` (``notice``)."""
    label: str
    """What the page calls it (``会议通知``)."""
    hint: str = ""
    """What the owner must upload (``请上传带红章的会议通知扫描(拍照)图片``)."""
    required: bool = True
    """The application cannot be submitted without it."""


class ProjectPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """What projects are in a province (``cme_project_policy``)."""

    levels: tuple[str, ...] = ("国家级", "省级", "市级")
    """项目级别, highest first."""
    entered_levels: tuple[str, ...] = ("国家级",)
    """Levels whose projects were declared outside the platform: their owners enter them (项目录入)."""
    declared_levels: tuple[str, ...] = ("省级", "市级")
    """Levels declared in the platform (新项目申报), reviewed and published by the commission."""
    declarers: tuple[str, ...] = ("project_owner",)
    """The roles that declare projects (role names: ``project_owner``; Zhejiang's 科室:
    ``department_admin``)."""
    delegation: bool = False
    """An institution may let one of its departments manage a project's runs and hosting application
    (代办项目, seed 002 §3.3)."""
    natures: tuple[str, ...] = ("申报项目", "备案项目")
    """项目性质."""
    hosting_forms: tuple[str, ...] = ("面授", "远程", "面授与远程结合")
    """举办方式."""
    assessments: tuple[str, ...] = ("考试", "考核", "问卷", "论文", "无")
    """考核方式."""
    max_credits: Decimal = Decimal(25)
    """The most credits one project may give (学分上限)."""
    max_hours: Decimal = Decimal(200)
    """The most hours one project may last (学时上限)."""
    materials: tuple[MaterialSpec, ...] = (
        MaterialSpec(code="notice", label="会议通知", hint="请上传带红章的会议通知扫描件（PDF）或照片"),
        MaterialSpec(code="schedule", label="会议日程"),
    )
    """What a hosting application must carry (举办申请资料), in upload order."""

    def __post_init__(self) -> None:
        """Entered and declared levels are levels of the policy; material codes are distinct."""
        stray = [level for level in (*self.entered_levels, *self.declared_levels) if level not in self.levels]
        if stray:
            raise ValueError(f"project levels {stray} are not among the policy's levels {self.levels}")
        codes = [material.code for material in self.materials]
        if len(set(codes)) != len(codes):
            raise ValueError(f"material codes repeat: {codes}")


DEFAULT_POLICY = ProjectPolicy()
"""The core's answer when the province gives none."""

HOSTING_CHAIN = Chain(
    code="core.hosting",
    name="项目举办申请审核",
    steps=(
        ChainStep(role="institution_admin", label="单位确认", when_missing="escalate"),
        ChainStep(role="commission_admin", label="继教委审核"),
    ),
)
"""The core's chain for a hosting application (004 §1.2): the owner's 行政用户 confirms, the 管理用户
(the commission) approves."""

DECLARATION_CHAIN = Chain(
    code="core.declaration",
    name="项目申报评审",
    steps=(
        ChainStep(role="institution_admin", label="单位审核", when_missing="escalate"),
        ChainStep(role="commission_admin", label="继教委评审"),
    ),
)
"""The core's chain for a declaration: the declarer's institution checks it, the commission decides and
publishes it."""
