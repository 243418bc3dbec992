"""Documents made in the background: start one, make it in a job with visible progress, keep the PDF
for :data:`KEEP_DAYS` days, offer it through expiring links to the account that asked for it.

A domain contributes a kind with :func:`document_kind`, giving the function that makes the document
(``make(job, progress, **args) -> Made``), and starts it with :func:`start`. The record goes queued →
running → done (or failed, cancelled); a document made after its record was cancelled is thrown away.
A daily job (:data:`PURGE`) removes the files of expired documents.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cme_platform.documents import schemas as s
from cme_platform.documents.tables import DocumentExport
from cme_platform.errors import Conflict, DomainError, NotFound, TooManyRequests
from cme_platform.files.service import issue_link, store_generated
from cme_platform.files.storage import storage_for
from cme_platform.files.tables import StoredFile
from cme_platform.identity.principal import Principal
from cme_platform.jobs import queue
from cme_platform.jobs.kinds import UNFINISHED_STATUSES, GiveUp, JobKind, RunningJob
from cme_platform.jobs.records import enqueue_for, save_unfinished
from cme_platform.notifications.service import tell_job_starter
from cme_platform.settings import Settings
from cme_platform.tenancy.registry import load_tenants
from cme_platform.tenancy.scope import scope

log = logging.getLogger("cme.documents")

KEEP_DAYS = 7
"""Days a made document stays downloadable; then its file is removed (:data:`PURGE`)."""
STATUS_LABELS = {
    "queued": "排队中",
    "running": "生成中",
    "done": "已完成",
    "failed": "失败",
    "cancelled": "已取消",
    "expired": "已过期",
}
INTERNAL_ERROR = "生成文件时发生内部错误，请重新发起"
MAX_UNFINISHED = 3
"""Documents one account may have queued or being made at once (each may take a worker for minutes)."""
NOTIFICATION_KIND = "documents.made"


@dataclass(frozen=True)
class Made:
    """What a document kind's function returns: the PDF, its file name, and a line for the record."""

    content: bytes
    filename: str
    message: str


Progress = Callable[[int, int], Awaitable[None]]
"""``await progress(done, total)``: how far the document has got (saved for the page to show)."""
Maker = Callable[..., Awaitable[Made]]
"""``async def make(job: RunningJob, progress: Progress, **args) -> Made``; a :class:`DomainError` it
raises fails the document with its message."""


def document_kind(name: str, label: str, make: Maker, *, timeout: int = 60 * 60) -> JobKind:
    """A job kind that makes a document with ``make`` and keeps it as its record's file (one attempt:
    a worker that died leaves nothing half made, and the account can ask again)."""

    async def run(job: RunningJob, export_id: int, **args: Any) -> dict[str, Any] | None:
        return await _produce(job, export_id, make, args)

    return JobKind(name=name, label=label, run=run, given_up=_given_up, timeout=timeout, retries=1)


async def start(
    kind: str, *, title: str, total: int, args: Mapping[str, Any], account_id: int, settings: Settings
) -> s.ExportOut:
    """Record a document of ``kind`` for ``account_id`` and queue its job with ``args`` (429 while the
    account already has :data:`MAX_UNFINISHED` being made; 503, the record failed, when the queue refuses
    the job)."""
    waiting = await DocumentExport.count().where(
        (DocumentExport.created_by == account_id) & DocumentExport.status.is_in(list(UNFINISHED_STATUSES))
    )
    if waiting >= MAX_UNFINISHED:
        raise TooManyRequests(f"已有 {waiting} 个文件正在生成，请等它们完成后再发起")
    key = queue.new_key(kind)
    row = DocumentExport(kind=kind, title=title[:200], total=total, job_key=key, created_by=account_id)
    await row.save()
    await enqueue_for(
        DocumentExport, int(row.id), kind, key, {"export_id": int(row.id), **args}, settings=settings
    )
    return await get_export(account_id, int(row.id))


async def _produce(
    job: RunningJob, export_id: int, make: Maker, args: Mapping[str, Any]
) -> dict[str, Any] | None:
    row = (
        await DocumentExport.select(DocumentExport.job_key, DocumentExport.status, DocumentExport.created_by)
        .where(DocumentExport.id == export_id)
        .first()
    )
    if row is None or row["job_key"] != job.key or row["status"] not in UNFINISHED_STATUSES:
        return None
    await save_unfinished(DocumentExport, export_id, status="running", message="正在生成")

    async def progress(done: int, total: int) -> None:
        await save_unfinished(DocumentExport, export_id, done=done, total=total)
        await job.progress(done, total)

    try:
        made = await make(job, progress, **args)
    except DomainError as exc:
        return await _fail(export_id, exc.message)
    except Exception:
        log.exception("document %s failed", export_id)
        return await _fail(export_id, INTERNAL_ERROR)
    file_id = await store_generated(
        made.content,
        name=made.filename,
        account_id=row["created_by"],
        storage=storage_for(job.settings),
        tmp_dir=job.settings.data_dir / "tmp" / "documents",
    )
    now = datetime.now(UTC)
    done = await save_unfinished(
        DocumentExport,
        export_id,
        status="done",
        file=file_id,
        message=made.message,
        finished_at=now,
        expires_at=now + timedelta(days=KEEP_DAYS),
    )
    if not done:  # cancelled while it was being made
        await _remove_files([file_id], job.settings)
        return None
    await _tell_starter(export_id)
    return {"ok": True}


async def _fail(export_id: int, message: str) -> dict[str, Any]:
    if await save_unfinished(
        DocumentExport, export_id, status="failed", message=message, finished_at=datetime.now(UTC)
    ):
        await _tell_starter(export_id)
    return {"ok": False}


async def _tell_starter(export_id: int) -> None:
    def title(row: dict[str, Any]) -> str:
        return f"{row['title']}：{STATUS_LABELS.get(row['status'], row['status'])}"

    await tell_job_starter(DocumentExport, export_id, kind=NOTIFICATION_KIND, path="/documents", title=title)


async def _given_up(args: Any, why: GiveUp) -> None:
    """Mark the document cancelled or failed; the account is told of a failure."""
    export_id = int(args["export_id"])
    finished = await save_unfinished(
        DocumentExport,
        export_id,
        status="cancelled" if why.cancelled else "failed",
        message=why.reason if why.cancelled else f"{why.reason}，请重新发起",
        finished_at=datetime.now(UTC),
    )
    if finished and not why.cancelled:
        await _tell_starter(export_id)


def _out(row: dict[str, Any], now: datetime) -> s.ExportOut:
    status = row["status"]
    if status == "done" and (row["expires_at"] is None or row["expires_at"] <= now or row["file"] is None):
        status = "expired"
    return s.ExportOut(
        id=row["id"],
        kind=row["kind"],
        title=row["title"],
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        done=row["done"],
        total=row["total"],
        message=row["message"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        expires_at=row["expires_at"],
        ready=status == "done",
    )


async def list_exports(account_id: int, *, page: int = 1, page_size: int = 20) -> s.ExportPage:
    """The documents ``account_id`` asked for, newest first."""
    where = DocumentExport.created_by == account_id
    rows = await (
        DocumentExport.select()
        .where(where)
        .order_by(DocumentExport.id, ascending=False)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    now = datetime.now(UTC)
    total = await DocumentExport.count().where(where)
    return s.ExportPage(items=[_out(r, now) for r in rows], total=total, page=page, page_size=page_size)


async def get_export(account_id: int, export_id: int) -> s.ExportOut:
    """One of ``account_id``'s documents (404 for anyone else's)."""
    row = await _own_row(account_id, export_id)
    return _out(row, datetime.now(UTC))


async def _own_row(account_id: int, export_id: int) -> dict[str, Any]:
    row = (
        await DocumentExport.select()
        .where((DocumentExport.id == export_id) & (DocumentExport.created_by == account_id))
        .first()
    )
    if row is None:
        raise NotFound("文件不存在")
    return row


async def cancel(account_id: int, export_id: int) -> s.ExportOut:
    """Cancel one of the account's documents that is not made yet (409 once it is)."""
    row = await _own_row(account_id, export_id)
    finished = "这个文件已经生成结束，无法取消"
    if row["status"] not in UNFINISHED_STATUSES:
        raise Conflict(finished)
    await queue.cancel(row["job_key"])
    values = {"status": "cancelled", "message": "已取消", "finished_at": datetime.now(UTC)}
    if not await save_unfinished(DocumentExport, export_id, **values):
        raise Conflict(finished)  # it finished first
    return await get_export(account_id, export_id)


async def download_link(principal: Principal, export_id: int, settings: Settings) -> tuple[str, datetime]:
    """A signed, expiring link token of one of the caller's made documents (409 while it is not made,
    410-like 409 once it expired); audited as ``files.download_link``."""
    row = await _own_row(principal.account_id, export_id)
    out = _out(row, datetime.now(UTC))
    if not out.ready:
        raise Conflict("文件已过期，请重新生成" if out.status == "expired" else "文件尚未生成完成")
    _file, token, expires = await issue_link(principal, int(row["file"]), settings=settings)
    return token, expires


async def _remove_files(file_ids: list[int], settings: Settings) -> None:
    """Remove stored documents: their objects, then their rows (a record's ``file`` becomes null)."""
    if not file_ids:
        return
    rows = await StoredFile.select(StoredFile.id, StoredFile.key).where(StoredFile.id.is_in(file_ids))
    storage = storage_for(settings)
    for row in rows:
        await storage.delete(row["key"])
    await StoredFile.delete().where(StoredFile.id.is_in([r["id"] for r in rows]))


async def purge_tenant(settings: Settings, now: datetime) -> int:
    """Remove the files of the active tenant's documents that have expired; returns how many."""
    rows = await DocumentExport.select(DocumentExport.id, DocumentExport.file).where(
        (DocumentExport.status == "done") & (DocumentExport.expires_at <= now)
    )
    await _remove_files([int(r["file"]) for r in rows if r["file"] is not None], settings)
    if rows:
        await DocumentExport.update({DocumentExport.status: "expired"}).where(
            DocumentExport.id.is_in([r["id"] for r in rows])
        )
    return len(rows)


async def purge_all(job: RunningJob) -> dict[str, int]:
    """The daily job: every tenant's expired documents, counted per tenant slug."""
    now, counts = datetime.now(UTC), {}
    for tenant in await load_tenants():
        with scope(tenant):
            try:
                counts[tenant.slug] = await purge_tenant(job.settings, now)
            except Exception:  # one tenant's trouble must not keep the others' files forever
                log.exception("purging the documents of %s failed", tenant.slug)
                counts[tenant.slug] = -1
    return counts


PURGE = JobKind(
    name="documents.purge", label="清理过期导出文件", run=purge_all, cron="30 3 * * *", timeout=30 * 60
)
"""Runs at 03:30 China time: removes the files of documents past their :data:`KEEP_DAYS`."""
