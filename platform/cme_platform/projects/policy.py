"""A province's project vocabulary and hosting rules (``cme_project_policy``), and the core's default.

The core stores projects, runs and applications; the province says what a project may be (levels,
natures, hosting forms, assessment methods, the most credits a project may give), which levels its
owners enter themselves because they were declared outside the platform (national projects), and which
materials a hosting application needs.
"""

from __future__ import annotations

import re
from decimal import Decimal

import msgspec

from cme_platform.approvals import kinds
from cme_platform.approvals.chains import Chain, ChainStep

IMPORTER_NAMES = ("commission_admin", "region_admin", "institution_admin")
"""The roles that may import project lists (an import list names some of them)."""

CODE = re.compile(r"[a-z0-9_]{1,32}")
"""What a material's or an import list's code may be (it is stored, and appears in addresses)."""


class MaterialSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One material a hosting application asks for (``会议通知``, ``会议日程``)."""

    code: str
    """Stored with the upload; lower-case letters, digits and ``_`` (``notice``)."""
    label: str
    """What the page calls it (``会议通知``)."""
    hint: str = ""
    """What the owner must upload (``请上传带红章的会议通知扫描(拍照)图片``)."""
    required: bool = True
    """The application cannot be submitted without it."""


class ImportList(msgspec.Struct, frozen=True, kw_only=True):
    """A list of projects approved elsewhere that administrators import from Excel (Beijing's 申报项目导入
    for projects declared outside Beijing, 许可发项目导入 for the commission's licensed projects)."""

    code: str
    """In the import's address (``external``); lower-case letters, digits and ``_``."""
    label: str
    """The menu entry and the page's title (``申报项目导入``)."""
    levels: tuple[str, ...]
    """The levels its rows may have (levels of the policy)."""
    hint: str = ""
    """What the list holds, shown above the upload form."""
    importers: tuple[str, ...] = IMPORTER_NAMES
    """The roles that import it (role names; an institution's or region's administrators import for the
    institutions they administer)."""


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
    import_lists: tuple[ImportList, ...] = ()
    """The Excel imports of projects approved elsewhere (none by default: every project is entered or
    declared in the platform)."""
    level_categories: dict[str, tuple[str, str]] = msgspec.field(default_factory=dict)
    """The credit category and subcategory (学分类别) a project of each level grants (Zhejiang: 省级 →
    ``("I类学分", "省级继续医学教育项目")``); a level left out grants its own name, completed to
    ``<level>继续医学教育项目`` unless it already names a project kind."""

    def __post_init__(self) -> None:
        """Entered, declared, imported and categorised levels are levels of the policy; material and list
        codes are distinct and of lower-case letters, digits and ``_`` (up to 32)."""
        named = [level for listed in self.import_lists for level in listed.levels]
        named += list(self.level_categories)
        stray = [
            level
            for level in (*self.entered_levels, *self.declared_levels, *named)
            if level not in self.levels
        ]
        if stray:
            raise ValueError(f"project levels {stray} are not among the policy's levels {self.levels}")
        stray_roles = [r for listed in self.import_lists for r in listed.importers if r not in IMPORTER_NAMES]
        if stray_roles:
            raise ValueError(
                f"import lists are imported by administrators of {IMPORTER_NAMES}, not {stray_roles}"
            )
        for what, codes in (
            ("material", [material.code for material in self.materials]),
            ("import list", [listed.code for listed in self.import_lists]),
        ):
            if len(set(codes)) != len(codes) or not all(CODE.fullmatch(code) for code in codes):
                raise ValueError(f"{what} codes must be distinct words: {codes}")

    def credit_category(self, level: str) -> tuple[str, str]:
        """The category and subcategory a project of ``level`` grants."""
        if level in self.level_categories:
            return self.level_categories[level]
        return (level if level.endswith("项目") else f"{level}继续医学教育项目"), ""

    def import_list(self, code: str) -> ImportList | None:
        """The import list ``code`` (``None`` when the province has none of that code)."""
        return next((listed for listed in self.import_lists if listed.code == code), None)


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

ATTENDEES_CHAIN = Chain(
    code="core.attendees",
    name="学员名单审核授分",
    steps=(
        ChainStep(role="institution_admin", label="单位审核上报", when_missing="escalate"),
        ChainStep(role="commission_admin", label="继教委授分"),
    ),
)
"""The core's chain for an attendee list (004 §2.2): the owner's 行政用户 selects those who completed the
required hours and sends them on, the 管理用户 (the commission) grants the credits."""

PROJECT_CHAINS = {
    kinds.PROJECT_HOSTING: HOSTING_CHAIN,
    kinds.PROJECT_DECLARATION: DECLARATION_CHAIN,
    kinds.PROJECT_ATTENDEES: ATTENDEES_CHAIN,
}
"""The core's chain of each project subject kind (:mod:`cme_platform.approvals.kinds`)."""
