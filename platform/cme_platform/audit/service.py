"""Appending to the audit log with a hash chain.

Each record stores ``prev_hash`` (the hash of the tenant's previous record, or 64 zeros for the first)
and ``hash`` = SHA-256 over the record's canonical fields including ``prev_hash``. Appends for one
tenant are serialised (an advisory transaction lock on PostgreSQL, an immediate transaction on SQLite)
and ``(tenant, seq)`` is unique, so the chain never forks.

Call :func:`record` inside the transaction of the change it describes, so that the change and its
record commit or roll back together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from cme_platform.audit.context import Actor, current_actor
from cme_platform.audit.tables import AuditEvent, PlatformAuditEvent
from cme_platform.db.transactions import write_transaction
from cme_platform.tenancy.scope import current_tenant

GENESIS_HASH = "0" * 64
_LOCK_TENANT_LOG = 7_100_001
_LOCK_PLATFORM_LOG = 7_100_002

HASHED_FIELDS = (
    "seq",
    "at",
    "actor_kind",
    "account_id",
    "actor_name",
    "ip",
    "user_agent",
    "action",
    "object_type",
    "object_id",
    "summary",
    "before",
    "after",
    "prev_hash",
)
"""The columns covered by a record's hash (with the tenant id, for tenant logs)."""


def canonical_json(value: Any) -> str | None:
    """The canonical JSON text stored for ``before``/``after`` (sorted keys; ``None`` stays ``None``)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def format_time(value: datetime) -> str:
    """The hashed form of a record's time: UTC, microseconds, ISO 8601."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def record_hash(row: dict[str, Any], tenant_id: int | None) -> str:
    """The SHA-256 of a record as stored (``row`` holds the :data:`HASHED_FIELDS`)."""
    payload = {name: row.get(name) for name in HASHED_FIELDS}
    payload["at"] = format_time(row["at"]) if isinstance(row["at"], datetime) else row["at"]
    payload["tenant"] = tenant_id
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clip(value: str | None, length: int) -> str:
    return (value or "")[:length]


async def _chain_head(table: type[Table], tenant_id: int | None) -> tuple[int, str]:
    """Lock the log for appending (PostgreSQL) and return its last ``seq`` and ``hash``."""
    if not isinstance(table._meta.db, SQLiteEngine):
        lock = _LOCK_TENANT_LOG if tenant_id is not None else _LOCK_PLATFORM_LOG
        await table.raw("SELECT pg_advisory_xact_lock({}, {})", lock, tenant_id or 0)
    last = await table.select(table.seq, table.hash).order_by(table.seq, ascending=False).first()  # type: ignore[attr-defined]
    return (int(last["seq"]), last["hash"]) if last else (0, GENESIS_HASH)


async def _append(
    table: type[Table], tenant_id: int | None, fields: dict[str, Any], extra: dict[str, Any]
) -> int:
    async with write_transaction(table):
        seq, prev_hash = await _chain_head(table, tenant_id)
        row = {**fields, "seq": seq + 1, "at": datetime.now(UTC), "prev_hash": prev_hash}
        row["hash"] = record_hash(row, tenant_id if tenant_id is not None else extra.get("tenant_id"))
        await table.insert(table(**row, **extra))
    return int(row["seq"])


def _fields(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int | None,
    summary: str,
    before: Any,
    after: Any,
) -> dict[str, Any]:
    return {
        "actor_kind": actor.kind,
        "account_id": actor.account_id,
        "actor_name": _clip(actor.name, 100),
        "ip": _clip(actor.ip, 45),
        "user_agent": _clip(actor.user_agent, 300),
        "action": _clip(action, 64),
        "object_type": _clip(object_type, 64),
        "object_id": _clip("" if object_id is None else str(object_id), 64),
        "summary": _clip(summary, 300),
        "before": canonical_json(before),
        "after": canonical_json(after),
    }


async def record(
    action: str,
    *,
    object_type: str = "",
    object_id: str | int | None = None,
    summary: str = "",
    before: Any = None,
    after: Any = None,
    actor: Actor | None = None,
) -> int:
    """Append a record to the active tenant's audit log and return its sequence number.

    ``action`` is a dotted name (``auth.login``, ``orgs.institution.update``); ``object_type`` and
    ``object_id`` name what changed; ``before``/``after`` are JSON-able snapshots (only the changed
    fields, where that is clearer). The actor defaults to the one bound for the request or job.
    """
    tenant = current_tenant()
    fields = _fields(actor or current_actor(), action, object_type, object_id, summary, before, after)
    return await _append(AuditEvent, tenant.id, fields, {})


async def record_platform(
    action: str,
    *,
    tenant_id: int | None = None,
    object_type: str = "",
    object_id: str | int | None = None,
    summary: str = "",
    before: Any = None,
    after: Any = None,
    actor: Actor | None = None,
) -> int:
    """Append a record to the operators' log (``tenant_id``: the tenant the action touched, if any)."""
    fields = _fields(actor or current_actor(), action, object_type, object_id, summary, before, after)
    return await _append(PlatformAuditEvent, None, fields, {"tenant_id": tenant_id})


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One record for :func:`record_many` (the keyword arguments of :func:`record`)."""

    action: str
    object_type: str = ""
    object_id: str | int | None = None
    summary: str = ""
    before: Any = None
    after: Any = None


BulkInsert = Callable[[list[dict[str, Any]]], Awaitable[None]]
"""Inserts audit rows (column → value dicts, ``before``/``after`` as JSON text) in the open transaction."""

_BULK_CHUNK = 1_000


async def _insert_chunks(rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _BULK_CHUNK):
        await AuditEvent.insert(*(AuditEvent(**row) for row in rows[start : start + _BULK_CHUNK]))


async def record_many(
    entries: Sequence[AuditEntry], *, actor: Actor | None = None, insert: BulkInsert | None = None
) -> int:
    """Append ``entries`` to the active tenant's log in order, as :func:`record` would one by one.

    The chain is extended exactly as by :func:`record` (same lock, same hash; one timestamp for the
    batch). ``insert`` may replace the default chunked insert with a faster one (e.g. ``COPY``); it gets
    the complete rows. Returns the sequence number of the last record (0 when there were none).
    """
    if not entries:
        return 0
    tenant = current_tenant()
    who = actor or current_actor()
    at = datetime.now(UTC)
    async with write_transaction(AuditEvent):
        seq, prev_hash = await _chain_head(AuditEvent, tenant.id)
        rows = []
        for entry in entries:
            seq += 1
            e = entry
            fields = _fields(who, e.action, e.object_type, e.object_id, e.summary, e.before, e.after)
            row = {**fields, "seq": seq, "at": at, "prev_hash": prev_hash, "tenant": tenant.id}
            row["hash"] = prev_hash = record_hash(row, tenant.id)
            rows.append(row)
        await (insert or _insert_chunks)(rows)
    return seq
