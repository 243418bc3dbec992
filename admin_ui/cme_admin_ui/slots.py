"""Named slots in core pages that a province plugin fills (pretix's ``order_info`` signal, as a hook).

A core page handler calls ``await fill_slot(request, "home", **context)`` before it renders; the tenant's
plugin answers ``cme_page_slot`` with :class:`~cme_platform.plugins.types.PageSlot` values (a template of
its own and the context for it; ``url()`` is there too), and the rendered fragments go into the page
where its template prints ``{% for part in slots %}{{ part }}{% endfor %}``. Slots today: ``home`` (every
role's start page), ``person_detail`` (``person``) and ``credit_detail`` (``record``).
"""

from __future__ import annotations

import inspect
from typing import Any

from cme_platform.identity.current import principal_of
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.plugins.types import PageSlot
from cme_platform.tenancy.scope import active_tenant_or_none
from cme_platform.tenancy.urls import tenant_url
from litestar import Request
from markupsafe import Markup

SLOTS: tuple[str, ...] = ("home", "person_detail", "credit_detail")
"""The slot names core pages offer."""


async def fill_slot(request: Request[Any, Any, Any], slot: str, **context: Any) -> list[Markup]:
    """The fragments the tenant's plugin puts into ``slot`` of this page, rendered in order."""
    assert slot in SLOTS, f"unknown page slot {slot!r}"
    tenant = active_tenant_or_none()
    if tenant is None:
        return []
    principal = await principal_of(request)
    answers = tenant_hooks(request.app.state.plugin_manager, tenant).cme_page_slot(
        slot=slot, principal=principal, context=context
    )
    parts: list[Markup] = []
    engine = request.app.template_engine
    assert engine is not None  # the app is built with its template engine
    for answer in answers:
        filled: PageSlot | None = await answer if inspect.isawaitable(answer) else answer
        if filled is not None:
            helpers = {"url": lambda path: tenant_url(request, path)}
            parts.append(Markup(engine.get_template(filled.template).render(**helpers, **filled.context)))
    return parts
