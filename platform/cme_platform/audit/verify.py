"""Checking a hash chain: seq continuity, ``prev_hash`` links and recomputed hashes, in batches."""

from __future__ import annotations

from typing import Any

import msgspec
from piccolo.table import Table

from cme_platform.audit.service import GENESIS_HASH, HASHED_FIELDS, record_hash
from cme_platform.audit.tables import AuditEvent, PlatformAuditEvent
from cme_platform.tenancy.scope import scopes_disabled

BATCH_SIZE = 1000


class ChainReport(msgspec.Struct, kw_only=True):
    """The outcome of :func:`verify_chain`: ``first_broken_seq`` names the first bad record."""

    ok: bool
    records: int
    first_broken_seq: int | None = None
    message: str


def _problem(row: dict[str, Any], expected_seq: int, prev_hash: str, tenant_id: int | None) -> str | None:
    if row["seq"] != expected_seq:
        return f"第 {expected_seq} 条记录缺失（下一条为第 {row['seq']} 条）"
    if row["prev_hash"] != prev_hash:
        return f"第 {expected_seq} 条记录与前一条的链接不符"
    if record_hash(row, tenant_id if tenant_id is not None else row.get("tenant_id")) != row["hash"]:
        return f"第 {expected_seq} 条记录的内容已被改动"
    return None


async def verify_chain(tenant_id: int | None) -> ChainReport:
    """Walk a log in ``seq`` order, ``BATCH_SIZE`` rows at a time (``None``: the platform log)."""
    table: type[Table] = AuditEvent if tenant_id is not None else PlatformAuditEvent
    columns = [getattr(table, name) for name in (*HASHED_FIELDS, "hash")]
    if tenant_id is None:
        columns.append(PlatformAuditEvent.tenant_id)
    expected_seq, prev_hash = 1, GENESIS_HASH
    with scopes_disabled():
        while True:
            query = table.select(*columns).where(table.seq >= expected_seq)  # type: ignore[attr-defined]
            if tenant_id is not None:
                query = query.where(AuditEvent.tenant == tenant_id)
            rows = await query.order_by(table.seq).limit(BATCH_SIZE)  # type: ignore[attr-defined]
            for row in rows:
                problem = _problem(row, expected_seq, prev_hash, tenant_id)
                if problem:
                    return ChainReport(
                        ok=False, records=expected_seq - 1, first_broken_seq=expected_seq, message=problem
                    )
                expected_seq, prev_hash = expected_seq + 1, row["hash"]
            if len(rows) < BATCH_SIZE:
                break
    records = expected_seq - 1
    return ChainReport(ok=True, records=records, message=f"日志完整，共 {records} 条记录")
