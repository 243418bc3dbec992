"""What handlers read from the application's state."""

from __future__ import annotations

from typing import Any

import pluggy
from litestar.connection import ASGIConnection


def plugin_manager(connection: ASGIConnection[Any, Any, Any, Any]) -> pluggy.PluginManager:
    """The application's plugin manager (every tenant's hooks go through it)."""
    pm: pluggy.PluginManager = connection.app.state.plugin_manager
    return pm
