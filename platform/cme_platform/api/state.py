"""What handlers read from the application's state."""

from __future__ import annotations

from typing import Any

import pluggy
from litestar.connection import ASGIConnection


def plugin_manager(connection: ASGIConnection[Any, Any, Any, Any]) -> pluggy.PluginManager:
    """The application's plugin manager (every tenant's hooks go through it)."""
    pm: pluggy.PluginManager = connection.app.state.plugin_manager
    return pm


def secret_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The platform's ``CME_SECRET_KEY`` (codes, seals and tokens are signed with keys derived from it)."""
    secret: str = connection.app.state.settings.secret_key
    return secret
