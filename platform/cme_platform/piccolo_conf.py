"""Piccolo's configuration module (``PICCOLO_CONF``): the engine and the registry of apps.

The core app comes first, then the Piccolo apps that province plugins contribute through the
``cme_piccolo_apps`` hook, so ``cme migrate`` runs every app's migrations in one history.
"""

from piccolo.conf.apps import AppRegistry

from cme_platform.db.engine import engine_from_url
from cme_platform.plugins.manager import get_plugin_manager, startup_hooks
from cme_platform.settings import get_settings

DB = engine_from_url(get_settings().database_url)


def _app_modules() -> list[str]:
    modules = ["cme_platform.piccolo_app"]
    for contributed in startup_hooks(get_plugin_manager(), "cme_piccolo_apps")():
        modules.extend(contributed)
    return modules


APP_REGISTRY = AppRegistry(apps=_app_modules())
