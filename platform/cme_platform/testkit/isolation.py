"""Row factories for the tenant-isolation check, so that a plugin's tables are covered without a core edit.

The platform's isolation test (``tests/test_isolation.py``) seeds rows of every tenant-owned table in one
tenant and proves another tenant can neither see nor change them. The core seeds its own tables; a
plugin module with tables puts a factory for each in its package's ``testing`` module::

    # cme_beijing/testing.py
    from cme_platform.testkit.isolation import row_factory

    @row_factory(ActivityPlan)
    async def activity_plans(world):
        ...  # create rows in world.tenant (scope is active) and return their ids

:func:`plugin_rows` imports the ``testing`` module of every installed province plugin and runs the
factories; a tenant-owned table with no factory fails the isolation test by name.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Awaitable, Callable
from typing import Any

import pluggy
from piccolo.table import Table

from cme_platform.plugins.manager import province_names
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld

RowFactory = Callable[[OrgWorld], Awaitable[list[int]]]
"""``await factory(world)`` creates rows in ``world.tenant`` (its scope active) and returns their ids."""

ROW_FACTORIES: dict[type[Table], RowFactory] = {}


def row_factory(table: type[Table]) -> Callable[[RowFactory], RowFactory]:
    """Register the decorated coroutine as the isolation row factory of ``table``."""

    def register(factory: RowFactory) -> RowFactory:
        ROW_FACTORIES[table] = factory
        return factory

    return register


def load_plugin_testing(pm: pluggy.PluginManager) -> list[str]:
    """Import ``<package>.testing`` of every province plugin that has one; returns the modules loaded."""
    loaded: list[str] = []
    for name in province_names(pm):
        plugin: Any = pm.get_plugin(name)
        package = getattr(plugin, "__module__", None) or getattr(plugin, "__name__", "")
        root = str(package).split(".")[0]
        module = f"{root}.testing"
        if (
            root
            and importlib.util.find_spec(root) is not None
            and importlib.util.find_spec(module) is not None
        ):
            importlib.import_module(module)
            loaded.append(module)
    return loaded


async def plugin_rows(world: OrgWorld, pm: pluggy.PluginManager) -> dict[type[Table], list[int]]:
    """Seed every plugin table's rows in ``world.tenant`` through its factory; ids by table."""
    load_plugin_testing(pm)
    seeded: dict[type[Table], list[int]] = {}
    for table, factory in ROW_FACTORIES.items():
        with scope(world.tenant):
            seeded[table] = await factory(world)
    return seeded
