"""Per-tenant template overrides: a province plugin's ``<province>/<name>`` replaces the core's ``<name>``
for its own tenants only (certificate and form layouts, a page of its own wording).

Both ways a template is reached follow the rule: a page rendering ``credits/detail.html`` and a template
that ``{% extends "layout.html" %}`` or includes another. The names on disk are read once when the engine
is built (templates do not appear at run time); Jinja caches each resolved name apart, so one tenant's
override never leaks into another's pages.
"""

from __future__ import annotations

from typing import Any

import jinja2
from cme_platform.tenancy.scope import active_tenant_or_none
from litestar.plugins.jinja import JinjaTemplateEngine


def tenant_name(names: frozenset[str], name: str) -> str:
    """``<plugin>/<name>`` when the active tenant's plugin overrides ``name``, else ``name``."""
    tenant = active_tenant_or_none()
    if tenant is None or name.startswith(f"{tenant.plugin}/"):
        return name
    override = f"{tenant.plugin}/{name}"
    return override if override in names else name


class TenantTemplateEngine(JinjaTemplateEngine):
    """The shell's Jinja engine, resolving every template name through :func:`tenant_name`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        environment = self.engine
        loader = environment.loader
        self.names = frozenset(loader.list_templates()) if loader is not None else frozenset()
        join_path = environment.join_path

        def join(template: str, parent: str) -> str:
            joined = join_path(template, parent)
            name = tenant_name(self.names, joined)
            # an override that extends the core template it replaces gets the core's, not itself
            return joined if name == parent else name

        environment.join_path = join  # type: ignore[method-assign]

    def get_template(self, template_name: str) -> jinja2.Template:
        """The tenant's override of ``template_name`` if its plugin has one, else the template itself."""
        return super().get_template(tenant_name(self.names, template_name))
