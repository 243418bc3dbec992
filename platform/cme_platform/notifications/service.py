"""Writing, listing and reading 站内消息."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import msgspec
from piccolo.query.functions.aggregate import Count
from piccolo.table import Table

from cme_platform.db.transactions import write_transaction
from cme_platform.errors import NotFound
from cme_platform.events import emit
from cme_platform.notifications.tables import Notification
from cme_platform.plugins.manager import active_plugin_manager
from cme_platform.tenancy.scope import current_tenant

KIND_LABELS: dict[str, str] = {
    "credits.returned": "学分退回",
    "credits.rejected": "学分审核不通过",
    "credits.approved": "学分审核通过",
    "credits.effective": "学分生效",
    "personnel.import": "人员导入",
    "compliance.recompute": "达标重算",
    "documents.made": "导出文件",
    "projects.hosting.approved": "举办申请通过",
    "projects.hosting.returned": "举办申请退回",
    "projects.hosting.rejected": "举办申请不通过",
    "projects.attendees.granted": "项目学分已授予",
    "projects.attendees.returned": "学员名单退回",
    "projects.attendees.rejected": "学员名单不予授分",
    "projects.declaration.approved": "项目申报通过",
    "projects.declaration.returned": "项目申报退回",
    "projects.declaration.rejected": "项目申报未通过",
    "projects.review.assigned": "项目评审任务",
}
"""What the page calls each kind of message the core writes (a module's own kinds show as their title)."""


class NotificationOut(msgspec.Struct, frozen=True, kw_only=True):
    """One message as the page and the API show it (``path`` is inside the tenant)."""

    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    path: str
    created_at: datetime
    read: bool


class NotificationPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of the account's messages, newest first, with the unread count over all of them."""

    items: list[NotificationOut]
    total: int
    unread: int
    page: int
    page_size: int


class ReadOut(msgspec.Struct, frozen=True, kw_only=True):
    """How many messages a read request marked, and how many remain unread."""

    marked: int
    unread: int


def _out(row: dict[str, Any]) -> NotificationOut:
    created: datetime = row["created_at"]
    return NotificationOut(
        id=row["id"],
        kind=row["kind"],
        kind_label=KIND_LABELS.get(row["kind"], "消息"),
        title=row["title"],
        body=row["body"],
        path=row["path"],
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
        read=row["read_at"] is not None,
    )


async def notify(
    account_ids: Iterable[int], *, kind: str, title: str, body: str = "", path: str = ""
) -> None:
    """Leave a message for each of ``account_ids`` (duplicates once) in the active tenant.

    Call inside the write transaction of what happened, or after it. Once the messages have committed,
    ``cme_notification_created`` is raised for each (the core then sends it by SMS where the province's
    ``cme_notification_sms`` asks for it).
    """
    if path and (not path.startswith("/") or path.startswith("//")):
        raise ValueError(f"a message's path is inside the tenant and starts with one '/': {path!r}")
    accounts = sorted(set(account_ids))
    if not accounts:
        return
    async with write_transaction(Notification):
        rows = [
            Notification(account=a, kind=kind, title=title[:200], body=body[:500], path=path[:300])
            for a in accounts
        ]
        await Notification.insert(*rows)  # fills in each row's id
        now = datetime.now(UTC)
        for row in rows:
            message = _out({**row.to_dict(), "created_at": now, "read_at": None})
            await emit(
                active_plugin_manager(),
                current_tenant(),
                "cme_notification_created",
                account_id=int(row.account),
                notification=message,
            )


async def tell_job_starter(
    table: type[Table], row_id: int, *, kind: str, path: str, title: Callable[[dict[str, Any]], str]
) -> None:
    """Tell the account that started a background job how it ended: ``table``'s row ``row_id`` (with
    ``created_by``, ``status`` and ``message``) becomes a message titled ``title(row)``."""
    row = await table.select().where(table._meta.primary_key == row_id).first()
    if row is not None and row["created_by"] is not None:
        await notify([row["created_by"]], kind=kind, title=title(row), body=row["message"], path=path)


async def unread_count(account_id: int) -> int:
    """How many of the account's messages are unread."""
    row = await (
        Notification.select(Count(Notification.id, alias="n"))
        .where((Notification.account == account_id) & Notification.read_at.is_null())
        .first()
    )
    return int(row["n"]) if row else 0


async def list_for(
    account_id: int, *, page: int = 1, page_size: int = 20, unread_only: bool = False
) -> NotificationPage:
    """The account's messages, newest first."""
    where: Any = Notification.account == account_id
    if unread_only:
        where = where & Notification.read_at.is_null()
    total = await Notification.count().where(where)
    rows = await (
        Notification.select()
        .where(where)
        .order_by(Notification.id, ascending=False)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return NotificationPage(
        items=[_out(r) for r in rows],
        total=total,
        unread=await unread_count(account_id),
        page=page,
        page_size=page_size,
    )


async def mark_read(account_id: int, notification_id: int | None = None) -> ReadOut:
    """Mark one of the account's messages read (404 when it is not his), or all of them (``None``)."""
    where = (Notification.account == account_id) & Notification.read_at.is_null()
    async with write_transaction(Notification):
        if notification_id is not None:
            mine = await Notification.exists().where(
                (Notification.account == account_id) & (Notification.id == notification_id)
            )
            if not mine:
                raise NotFound("消息不存在")
            where = where & (Notification.id == notification_id)
        marked = await Notification.count().where(where)
        await Notification.update({Notification.read_at: datetime.now(UTC)}).where(where)
    return ReadOut(marked=marked, unread=await unread_count(account_id))


async def open_message(account_id: int, notification_id: int) -> NotificationOut:
    """The account's message ``notification_id``, marked read (404 when it is not his)."""
    await mark_read(account_id, notification_id)
    row = await Notification.select().where(Notification.id == notification_id).first()
    assert row is not None
    return _out(row)
