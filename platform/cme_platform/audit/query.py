"""Searching a tenant's audit log and reading one object's change log (newest first).

:func:`search_events` serves the audit page, API and export; :func:`object_history` is the change log
of one object (seed 002 §2.3: time, account, name, IP and a before/after diff), for every domain to reuse
— e.g. ``await object_history("person", person_id)``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import msgspec

from cme_platform.audit.actions import action_label, object_label
from cme_platform.audit.tables import AuditEvent
from cme_platform.clock import CHINA
from cme_platform.db.paging import and_all, contains
from cme_platform.identity.tables import Account

"""Dates in filters and times on pages are China Standard Time."""


class AuditFilters(msgspec.Struct, kw_only=True):
    """Search filters; every one is optional. ``action`` ending in ``.`` is a prefix (``auth.``)."""

    date_from: date | None = None
    date_to: date | None = None
    account: str | None = None
    account_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    ip: str | None = None


class FieldChange(msgspec.Struct, kw_only=True):
    """One changed field of an event: its value before and after."""

    field: str
    before: Any = None
    after: Any = None
    label: str = ""
    """How the page names the field (empty: the field's own name)."""


class AuditEventOut(msgspec.Struct, kw_only=True):
    """One audit record as the API and pages show it."""

    seq: int
    at: datetime
    actor_kind: str
    account_id: int | None
    actor_name: str
    ip: str
    action: str
    action_label: str
    object_type: str
    object_label: str
    object_id: str
    summary: str
    before: Any = None
    after: Any = None
    changes: list[FieldChange] = msgspec.field(default_factory=list)


class AuditEventPage(msgspec.Struct, kw_only=True):
    """A page of audit records, newest first."""

    items: list[AuditEventOut]
    total: int
    page: int
    page_size: int


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA).astimezone(UTC)


async def _where(filters: AuditFilters) -> Any:
    account_clause = None
    if filters.account:
        matching = await Account.select(Account.id).where(
            contains(Account.username, filters.account) | contains(Account.display_name, filters.account)
        )
        account_clause = contains(AuditEvent.actor_name, filters.account)
        if matching:
            account_clause = account_clause | AuditEvent.account_id.is_in([r["id"] for r in matching])
    action_clause = None
    if filters.action:
        action_clause = (
            AuditEvent.action.like(filters.action + "%")
            if filters.action.endswith(".")
            else AuditEvent.action == filters.action
        )
    return and_all(
        (AuditEvent.at >= _day_start(filters.date_from)) if filters.date_from else None,
        (AuditEvent.at < _day_start(filters.date_to + timedelta(days=1))) if filters.date_to else None,
        account_clause,
        (AuditEvent.account_id == filters.account_id) if filters.account_id else None,
        action_clause,
        (AuditEvent.object_type == filters.object_type) if filters.object_type else None,
        (AuditEvent.object_id == filters.object_id) if filters.object_id else None,
        (AuditEvent.ip == filters.ip) if filters.ip else None,
    )


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def diff(before: Any, after: Any) -> list[FieldChange]:
    """The fields that differ between two snapshots (dicts; anything else is one ``值`` change)."""
    if before is None and after is None:
        return []
    if isinstance(before, dict | None) and isinstance(after, dict | None):
        old, new = before or {}, after or {}
        return [
            FieldChange(field=name, before=old.get(name), after=new.get(name))
            for name in sorted(set(old) | set(new))
            if old.get(name) != new.get(name)
        ]
    return [FieldChange(field="值", before=before, after=after)] if before != after else []


def event_out(row: dict[str, Any]) -> AuditEventOut:
    """An :class:`AuditEventOut` from a selected ``audit_event`` row."""
    before, after = _loads(row["before"]), _loads(row["after"])
    at = row["at"] if row["at"].tzinfo else row["at"].replace(tzinfo=UTC)
    return AuditEventOut(
        seq=row["seq"],
        at=at,
        actor_kind=row["actor_kind"],
        account_id=row["account_id"],
        actor_name=row["actor_name"],
        ip=row["ip"],
        action=row["action"],
        action_label=action_label(row["action"]),
        object_type=row["object_type"],
        object_label=object_label(row["object_type"]),
        object_id=row["object_id"],
        summary=row["summary"],
        before=before,
        after=after,
        changes=diff(before, after),
    )


_COLUMNS = AuditEvent.all_columns(exclude=[AuditEvent.tenant, AuditEvent.prev_hash, AuditEvent.hash])


async def count_events(filters: AuditFilters) -> int:
    """How many records of the active tenant match ``filters``."""
    query = AuditEvent.count()
    where = await _where(filters)
    return int(await (query.where(where) if where is not None else query))


async def search_events(filters: AuditFilters, *, page: int = 1, page_size: int = 50) -> AuditEventPage:
    """A page of the active tenant's records matching ``filters``, newest first."""
    where = await _where(filters)
    query = AuditEvent.select(*_COLUMNS).order_by(AuditEvent.seq, ascending=False)
    query = query.limit(page_size).offset((page - 1) * page_size)
    if where is not None:
        query = query.where(where)
    items = [event_out(r) for r in await query]
    return AuditEventPage(items=items, total=await count_events(filters), page=page, page_size=page_size)


async def iter_events(filters: AuditFilters, *, batch_size: int = 1000) -> AsyncIterator[AuditEventOut]:
    """Every matching record, newest first, fetched ``batch_size`` at a time (for exports)."""
    where = await _where(filters)
    below: int | None = None
    while True:
        query = AuditEvent.select(*_COLUMNS).order_by(AuditEvent.seq, ascending=False).limit(batch_size)
        clause = and_all(where, (AuditEvent.seq < below) if below is not None else None)
        rows = await (query.where(clause) if clause is not None else query)
        for row in rows:
            yield event_out(row)
        if len(rows) < batch_size:
            return
        below = rows[-1]["seq"]


async def object_history(
    object_type: str, object_id: str | int, *, page: int = 1, page_size: int = 50
) -> AuditEventPage:
    """The change log of one object in the active tenant, newest first, each entry with its diff."""
    filters = AuditFilters(object_type=object_type, object_id=str(object_id))
    return await search_events(filters, page=page, page_size=page_size)
