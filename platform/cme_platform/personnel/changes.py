"""Telling other modules that people changed: ``cme_person_changed``, after the change commits."""

from __future__ import annotations

from collections.abc import Iterable

from cme_platform import events
from cme_platform.events import PersonChange
from cme_platform.plugins.manager import active_plugin_manager
from cme_platform.tenancy.scope import current_tenant


async def announce(person_ids: Iterable[int], fields: Iterable[str], years: Iterable[int] = ()) -> None:
    """Raise ``cme_person_changed`` for ``person_ids`` (inside the write transaction that changed them)."""
    ids = tuple(dict.fromkeys(person_ids))
    if ids:
        change = PersonChange(
            person_ids=ids, fields=tuple(sorted(set(fields))), years=tuple(sorted(set(years)))
        )
        await events.emit(active_plugin_manager(), current_tenant(), "cme_person_changed", change=change)
