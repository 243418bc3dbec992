"""Values that hooks return: plugin metadata and menu entries."""

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
