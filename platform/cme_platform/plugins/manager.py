"""The plugin manager and per-tenant hook dispatch.

Province plugins are modules registered under the ``cme.plugins`` entry-point group; the entry-point
name is the plugin name that tenant files refer to. :class:`TenantHooks` calls a hook on one tenant's
plugin only, so a tenant never sees another province's answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import ModuleType
from typing import Any

import pluggy

from cme_platform.plugins import ENTRY_POINT_GROUP, PROJECT_NAME, hookspecs
from cme_platform.plugins.types import PluginInfo


class UnknownPluginError(LookupError):
    """A tenant names a plugin that is not installed."""


def build_plugin_manager(plugins: Mapping[str, ModuleType | object] | None = None) -> pluggy.PluginManager:
    """Create a plugin manager with the hook specs and either ``plugins`` or every installed plugin.

    ``plugins`` maps plugin names to plugin objects (modules or instances with ``@hookimpl`` methods);
    without it the ``cme.plugins`` entry points are loaded.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    if plugins is None:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    else:
        for name, plugin in plugins.items():
            pm.register(plugin, name=name)
    pm.check_pending()
    return pm


@lru_cache(maxsize=1)
def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager holding every installed province plugin."""
    return build_plugin_manager()


def plugin_info(pm: pluggy.PluginManager, name: str) -> PluginInfo:
    """The metadata of plugin ``name``; raises :class:`UnknownPluginError` when it is not registered."""
    info = TenantHooks(pm, name).cme_plugin_info()
    if info is None:
        raise UnknownPluginError(name)
    return info


class TenantHooks:
    """Hook callers restricted to one plugin: ``TenantHooks(pm, "zhejiang").cme_menu_entries(tenant=t)``."""

    def __init__(self, pm: pluggy.PluginManager, plugin_name: str) -> None:
        plugin = pm.get_plugin(plugin_name)
        if plugin is None:
            raise UnknownPluginError(f"plugin {plugin_name!r} is not installed")
        self._pm = pm
        self.plugin_name = plugin_name
        self._others = [p for name, p in pm.list_name_plugin() if name != plugin_name and p is not None]
        self._callers: dict[str, Any] = {}

    def __getattr__(self, hook_name: str) -> Any:
        if not hook_name.startswith("cme_"):
            raise AttributeError(hook_name)
        caller = self._callers.get(hook_name)
        if caller is None:
            caller = self._pm.subset_hook_caller(hook_name, remove_plugins=self._others)
            self._callers[hook_name] = caller
        return caller


def tenant_hooks(pm: pluggy.PluginManager, plugin_name: str) -> TenantHooks:
    """Cached :class:`TenantHooks` for ``plugin_name`` on ``pm``."""
    cache: dict[str, TenantHooks] = pm.__dict__.setdefault("_cme_tenant_hooks", {})
    hooks = cache.get(plugin_name)
    if hooks is None:
        hooks = cache[plugin_name] = TenantHooks(pm, plugin_name)
    return hooks
