"""Exporting search results as an Excel workbook, recorded as ``audit.export``.

The records are streamed into the shared writer (:mod:`cme_platform.xlsx`) in ``constant_memory`` mode
and a temporary file, so up to :data:`EXPORT_LIMIT` rows take little memory; whatever a record holds
(a user name typed at a failed sign-in, say) is written as text.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import anyio.to_thread

from cme_platform.audit.query import AuditEventOut, AuditFilters, count_events, iter_events
from cme_platform.audit.service import record
from cme_platform.audit.tables import AuditEvent
from cme_platform.clock import CHINA
from cme_platform.errors import InvalidInput
from cme_platform.xlsx import Workbook

EXPORT_LIMIT = 100_000
HEADERS = (
    "序号",
    "时间",
    "账号ID",
    "操作人",
    "IP",
    "操作",
    "操作代码",
    "对象类型",
    "对象ID",
    "摘要",
    "变更前",
    "变更后",
)


def _text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _row(event: AuditEventOut) -> list[Any]:
    return [
        event.seq,
        event.at.astimezone(CHINA),
        event.account_id,
        event.actor_name,
        event.ip,
        event.action_label,
        event.action,
        event.object_label,
        event.object_id,
        event.summary,
        _text(event.before),
        _text(event.after),
    ]


async def export_events(filters: AuditFilters) -> bytes:
    """The matching records as .xlsx bytes, newest first; over :data:`EXPORT_LIMIT` rows is refused."""
    total = await count_events(filters)
    if total > EXPORT_LIMIT:
        raise InvalidInput(f"符合条件的记录有 {total} 条，超过导出上限 {EXPORT_LIMIT} 条，请缩小筛选范围")
    with tempfile.TemporaryDirectory(prefix="cme-audit-export-") as folder:
        path = Path(folder) / "export.xlsx"
        workbook = Workbook(path, constant_memory=True)
        sheet = workbook.sheet("操作日志")
        sheet.row(0, HEADERS, bold=True)
        sheet.freeze_header()
        rows = 0
        async for event in iter_events(filters):
            rows += 1
            sheet.row(rows, _row(event))
        await anyio.to_thread.run_sync(workbook.close)
        content = path.read_bytes()
    async with AuditEvent._meta.db.transaction():
        await record(
            "audit.export",
            object_type="audit_event",
            summary=f"导出操作日志 {rows} 条",
            after={k: str(v) for k, v in _filters_dict(filters).items()},
        )
    return content


def _filters_dict(filters: AuditFilters) -> dict[str, Any]:
    return {f: v for f in filters.__struct_fields__ if (v := getattr(filters, f)) is not None}
