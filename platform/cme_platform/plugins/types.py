"""Values that hooks return: plugin metadata, menu entries, page slots, to-dos and demo data."""

from __future__ import annotations

from typing import Any

import msgspec


class PluginInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a province plugin says about itself (``cme_plugin_info``)."""

    name: str
    """The plugin's name; a tenant file's ``plugin = "…"`` refers to it (the entry point name)."""
    title: str
    """Display name in Simplified Chinese, e.g. ``北京市继续医学教育``."""
    province: str
    """The province in Chinese, e.g. ``北京市``."""
    version: str
    description: str = ""
    code: str = ""
    """The province's short code (``bj``, ``zj``, ``js``): its standard codes start with ``<code>-`` and its
    chain codes with ``<code>.``; unique among installed plugins (the contract test checks both)."""


class MenuEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One navigation entry of the web shell (``cme_menu_entries``)."""

    label: str
    """Text shown in the menu (Simplified Chinese)."""
    path: str
    """Path inside the tenant, starting with ``/`` (the tenant prefix is added by the shell)."""
    section: str = "省级模块"
    """Menu group the entry belongs to."""
    roles: tuple[str, ...] = ()
    """Roles that see the entry; empty means every signed-in account (and visitors for public pages)."""
    order: int = 100
    """Sort key inside the section (smaller first)."""
    public: bool = False
    """Also shown to visitors who are not signed in (for public pages such as certificate lookup)."""


class Todo(msgspec.Struct, frozen=True, kw_only=True):
    """Something that waits for the signed-in user (``cme_todos``), shown first on the home page."""

    label: str
    """What waits, in Simplified Chinese (``待我审核：学员录入学分``, ``已退回：心肌保护机制研究``)."""
    path: str
    """Where it is done: a path inside the tenant, starting with ``/`` (the shell adds the prefix)."""
    count: int | None = None
    """How many items wait (shown as a badge); ``None`` for a single item or a fact."""
    hint: str = ""
    """One more line: a reviewer's reason, what is missing."""
    tone: str = "action"
    """``action`` (the user must act), ``warning`` (something went wrong) or ``info`` (a fact)."""
    order: int = 100
    """Sort key (smaller first); the core uses 10 for approvals, 20 for returned or rejected items, 30 for
    drafts and 90 for the year's progress."""


class PageSlot(msgspec.Struct, frozen=True, kw_only=True):
    """A plugin's fragment for a named slot of a core page (``cme_page_slot``)."""

    template: str
    """The plugin's own template (``beijing/slots/home.html``), rendered with ``context``."""
    context: dict[str, Any] = msgspec.field(default_factory=dict)


class DemoInstitution(msgspec.Struct, frozen=True, kw_only=True):
    """An institution of the demo organisation, with its departments' names."""

    code: str
    name: str
    level: str
    category: str = "综合"
    staff_count: int = 0
    departments: tuple[str, ...] = ()


class DemoRegion(msgspec.Struct, frozen=True, kw_only=True):
    """A region of the demo organisation with its institutions."""

    code: str
    name: str
    kind: str = "区"
    institutions: tuple[DemoInstitution, ...] = ()


class DemoOrganisation(msgspec.Struct, frozen=True, kw_only=True):
    """The small organisation ``cme demo`` loads into a tenant (``cme_demo_organisation``)."""

    regions: tuple[DemoRegion, ...]
