"""Domain events: hooks called after the transaction that raised them commits, never inside it.

A module raises an event with :func:`emit` while it writes (inside :func:`~cme_platform.db.transactions
.write_transaction`, or outside any transaction). The outermost write transaction keeps the events of its
unit of work and, once it has committed, delivers each to the tenant's hook implementations: the core's
own listeners (the compliance refresh) and the tenant's province plugin. A transaction that fails drops
its events. A listener that raises is logged and skipped: an event can never undo or break the change
that raised it. Listeners may be plain functions or return an awaitable, which is awaited in turn.

Events are declared as hook specs in the *events* section of :mod:`cme_platform.plugins.hookspecs`
(``cme_credit_changed``, ``cme_credit_effective``, ``cme_person_changed``, ``cme_attendance_recorded``);
their payloads are here.
"""

from __future__ import annotations

import inspect
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import pluggy

from cme_platform.tenancy.context import TenantContext

logger = logging.getLogger("cme.events")


class CreditChange(msgspec.Struct, frozen=True, kw_only=True):
    """Credit records that changed (posted, entered, submitted, decided, corrected), by person and year."""

    action: str
    """What happened: ``posted``, ``created``, ``submitted``, ``advanced``, ``approved``, ``rejected``,
    ``returned`` or ``corrected``; ``effective`` when approved records started to count by date (the
    daily job of :mod:`cme_platform.credits.daily`)."""
    record_ids: tuple[int, ...]
    person_ids: tuple[int, ...]
    years: tuple[int, ...]


class PersonChange(msgspec.Struct, frozen=True, kw_only=True):
    """People whose registry facts changed (title, unit, status…), with the fields that changed."""

    person_ids: tuple[int, ...]
    fields: tuple[str, ...]
    years: tuple[int, ...] = ()
    """The years of per-year facts that changed (a title of 2025); empty for the current facts."""


class AttendanceRecorded(msgspec.Struct, frozen=True, kw_only=True):
    """A first check-in or check-out of one attendee at one session (repeats and refusals raise none)."""

    session_kind: str
    """The activity's kind (``project``, or a module's own)."""
    session_id: int
    group_id: int
    """The run (or activity) of the session."""
    action: str
    """``check_in`` or ``check_out``."""
    via: str
    """``qr`` (a scanned code), ``card`` (an IC card typed at the venue) or ``walk_in`` (the venue's form)."""
    person_id: int | None
    """The person of the registry, or ``None`` for an external attendee (:attr:`external_id`)."""
    external_id: int | None
    at: datetime


@dataclass
class _Event:
    pm: pluggy.PluginManager
    tenant: TenantContext
    hook: str
    payload: dict[str, Any]


@dataclass
class UnitOfWork:
    """The events raised inside one outermost write transaction, delivered after it commits."""

    events: list[_Event] = field(default_factory=list)


_unit: ContextVar[UnitOfWork | None] = ContextVar("cme_unit_of_work", default=None)


def current_unit() -> UnitOfWork | None:
    """The unit of work of the write transaction in progress, if any."""
    return _unit.get()


def begin() -> Any:
    """Start collecting events for a new outermost transaction; returns the token for :func:`end`."""
    return _unit.set(UnitOfWork())


def end(token: Any) -> UnitOfWork:
    """Stop collecting (the transaction is over, committed or not) and return what it collected."""
    unit = _unit.get()
    _unit.reset(token)
    assert unit is not None
    return unit


async def emit(pm: pluggy.PluginManager, tenant: TenantContext, hook: str, **payload: Any) -> None:
    """Raise the event ``hook`` for ``tenant``: after the current write transaction commits, or now.

    Raising an event inside a transaction that is not a ``write_transaction`` is a programming error (its
    commit could not be followed), and raises ``RuntimeError``.
    """
    event = _Event(pm, tenant, hook, payload)
    unit = _unit.get()
    if unit is not None:
        unit.events.append(event)
        return
    from cme_platform.tenancy.tables import Tenant

    if Tenant._meta.db.transaction_exists():
        raise RuntimeError(f"{hook} raised inside a transaction that is not a write_transaction")
    await deliver([event])


async def deliver(events: list[_Event]) -> None:
    """Call each event's listeners one by one in the event's tenant scope; a failing one is logged."""
    from cme_platform.plugins.manager import tenant_hooks
    from cme_platform.tenancy.scope import scope

    for event in events:
        arguments = {"tenant": event.tenant, **event.payload}
        with scope(event.tenant):
            for impl in tenant_hooks(event.pm, event.tenant.plugin).hookimpls(event.hook):
                try:
                    answer = impl.function(**{name: arguments[name] for name in impl.argnames})
                    if inspect.isawaitable(answer):
                        await answer
                except Exception:
                    logger.exception(
                        "listener %s of %s failed in tenant %s",
                        impl.plugin_name,
                        event.hook,
                        event.tenant.slug,
                    )
