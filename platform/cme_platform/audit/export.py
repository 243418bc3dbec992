"""Exporting search results as an Excel workbook (openpyxl write-only), recorded as ``audit.export``."""

from __future__ import annotations

import io
import json
from typing import Any

from openpyxl import Workbook

from cme_platform.api.errors import InvalidInput
from cme_platform.audit.query import CHINA_TIME, AuditEventOut, AuditFilters, count_events, iter_events
from cme_platform.audit.service import record
from cme_platform.audit.tables import AuditEvent

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
        event.at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S"),
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
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("操作日志")
    sheet.append(list(HEADERS))
    rows = 0
    async for event in iter_events(filters):
        sheet.append(_row(event))
        rows += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    async with AuditEvent._meta.db.transaction():
        await record(
            "audit.export",
            object_type="audit_event",
            summary=f"导出操作日志 {rows} 条",
            after={k: str(v) for k, v in _filters_dict(filters).items()},
        )
    return buffer.getvalue()


def _filters_dict(filters: AuditFilters) -> dict[str, Any]:
    return {f: v for f in filters.__struct_fields__ if (v := getattr(filters, f)) is not None}
