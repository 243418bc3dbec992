"""The web front end: the shell every role signs in to, and the server-rendered pages of the core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def ui_routes() -> list[Any]:
    """Route handlers of the core's pages."""
    from cme_admin_ui.pages import auth, home, orgs, province

    return [*home.routes, *auth.routes, *orgs.routes, *province.routes]
