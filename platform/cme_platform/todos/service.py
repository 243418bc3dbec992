"""Collecting the to-dos of every module for one user."""

from __future__ import annotations

import inspect
import logging

import pluggy

from cme_platform.identity.principal import Principal
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.plugins.types import Todo
from cme_platform.tenancy.context import TenantContext

log = logging.getLogger("cme.todos")


async def todos_for(pm: pluggy.PluginManager, tenant: TenantContext, principal: Principal) -> list[Todo]:
    """Every module's to-dos for ``principal`` (``cme_todos``), in their order. A module whose to-dos
    cannot be read is logged and left out: the home page still opens."""
    collected: list[Todo] = []
    for answer in tenant_hooks(pm, tenant).cme_todos(principal=principal):
        try:
            collected += await answer if inspect.isawaitable(answer) else answer
        except Exception:
            log.exception("to-dos of a module failed in tenant %s", tenant.slug)
    return sorted(collected, key=lambda todo: todo.order)
