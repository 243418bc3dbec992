"""The plugin system: hook specifications, the value types hooks exchange, and the plugin manager."""

import pluggy

PROJECT_NAME = "cme"
ENTRY_POINT_GROUP = "cme.plugins"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
