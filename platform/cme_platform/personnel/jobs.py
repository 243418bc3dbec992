"""Import jobs: the ``PersonImport`` row, running an import with progress on the job queue.

An upload creates a job row (``queued``) and queues a job of kind :data:`IMPORT`; a worker fetches the
stored file, reads it, validates every row and writes the people. Progress and the outcome are saved in
short transactions of their own, separate from the data transaction, so the page can poll them while the
import runs. The CLI runs the same :func:`run_job` in the foreground.

A worker that dies mid-import leaves the data transaction rolled back; the queue retries the job once on
another worker, or the row is marked failed with the reason. A cancelled import is marked cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import msgspec

from cme_platform.audit.context import Actor, acting_as
from cme_platform.db.errors import is_unique_violation
from cme_platform.errors import Conflict, DomainError, NotFound
from cme_platform.files.sheet_table import ImportRowError
from cme_platform.files.storage import fetch_to_temp, storage_for
from cme_platform.jobs import queue
from cme_platform.jobs.kinds import UNFINISHED_STATUSES, GiveUp, JobKind, RunningJob
from cme_platform.jobs.records import enqueue_for, save_unfinished
from cme_platform.notifications.service import tell_job_starter
from cme_platform.orgs.access import OrgAccess
from cme_platform.orgs.tables import Institution
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.import_reader import read_workbook
from cme_platform.personnel.importer import ImportOutcome, import_people
from cme_platform.personnel.schemas import PersonImportOut, PersonImportPage
from cme_platform.personnel.tables import PersonImport
from cme_platform.settings import Settings
from cme_platform.tenancy.scope import scope

log = logging.getLogger("cme.personnel.import")

INTERNAL_ERROR = "导入时发生内部错误，未写入任何数据"
CONCURRENT_CHANGE = "导入期间有相同证件号码的人员被其他操作登记，未写入任何数据，请重新上传"
STATUS_LABELS = {
    "queued": "排队中",
    "running": "进行中",
    "done": "已完成",
    "failed": "失败",
    "cancelled": "已取消",
}
"""Job statuses and how the pages name them."""

Report = Callable[[dict[str, Any]], Awaitable[None]]


async def create_job(
    *,
    file_name: str,
    mode: str,
    institution_id: int | None,
    account_id: int | None,
    file_id: int | None = None,
    file_sha256: str = "",
    job_key: str = "",
) -> int:
    """A new ``queued`` job row of the active tenant; returns its id."""
    job = PersonImport(
        job_key=job_key,
        file=file_id,
        file_name=file_name[:255],
        file_sha256=file_sha256,
        mode=mode,
        institution=institution_id,
        created_by=account_id,
    )
    await job.save()
    return int(job.id)


async def run_job(
    job_id: int, path: Path, access: PersonAccess, *, report: Report | None = None
) -> ImportOutcome | None:
    """Run the import of job ``job_id`` from the workbook at ``path`` (inside the tenant's scope).

    Saves progress after every batch and the outcome at the end; ``report`` also gets every saved
    change (the CLI prints it). Returns ``None`` when the file was refused or the import broke off.
    """
    job = await PersonImport.select().where(PersonImport.id == job_id).first()
    if job is None:
        raise LookupError(f"import job {job_id} not found")

    async def save(**values: Any) -> None:
        await save_unfinished(PersonImport, job_id, **values)
        if report is not None:
            await report(values)

    await save(status="running", message="正在读取表格")
    try:
        rows = await anyio.to_thread.run_sync(
            lambda: read_workbook(path, need_institution=job["institution"] is None)
        )
        await save(total_rows=len(rows), message="正在校验")

        async def progress(done: int) -> None:
            message = "正在写入" if done == len(rows) else "正在校验"
            await save(processed_rows=done, message=message)

        outcome = await import_people(
            rows,
            access=access,
            mode=job["mode"],
            institution_id=job["institution"],
            job_id=job_id,
            file_name=job["file_name"],
            progress=progress,
        )
    except DomainError as exc:
        await save(status="failed", message=exc.message[:500], finished_at=datetime.now(UTC))
        return None
    except Exception as exc:
        if not is_unique_violation(exc):
            log.exception("personnel import %s failed", job_id)
        message = CONCURRENT_CHANGE if is_unique_violation(exc) else INTERNAL_ERROR
        await save(status="failed", message=message, finished_at=datetime.now(UTC))
        return None
    await save(**_final_values(outcome, job["mode"]))
    return outcome


def _final_values(outcome: ImportOutcome, mode: str) -> dict[str, Any]:
    found = f"{len(outcome.rows_with_errors)} 行有错误（共 {outcome.error_count} 处）"
    if outcome.written:
        message = f"已导入：新增 {outcome.created} 人，更新 {outcome.updated} 人"
        if outcome.error_count:
            message += f"；{found}，这些行未导入"
    elif outcome.error_count and mode == "all":
        message = f"{found}，未导入任何数据；请改正后重新上传，或选择“只导入正确的行”"
    elif outcome.error_count:
        message = f"{found}，没有可导入的行"
    else:
        message = "表格中没有数据行"
    return {
        "status": "done" if outcome.written or not outcome.error_count else "failed",
        "processed_rows": outcome.total,
        "created_count": outcome.created,
        "updated_count": outcome.updated,
        "error_count": outcome.error_count,
        "errors": outcome.errors,
        "message": message,
        "finished_at": datetime.now(UTC),
    }


KIND = "personnel.import"


async def start_job(settings: Settings, access: PersonAccess, *, file_key: str, **row: Any) -> int:
    """Create an import row (``row``: :func:`create_job`'s fields) and queue its job; returns its id."""
    key = queue.new_key(KIND)
    job_id = await create_job(job_key=key, **row)
    args = {"import_id": job_id, "file_key": file_key, "access": msgspec.to_builtins(access)}
    await enqueue_for(PersonImport, job_id, KIND, key, args, settings=settings)
    return job_id


async def _perform(job: RunningJob, import_id: int, file_key: str, access: dict[str, Any]) -> None:
    """The job: fetch the stored workbook and run the import, unless the row is not this job's."""
    row = (
        await PersonImport.select(PersonImport.job_key, PersonImport.status)
        .where(PersonImport.id == import_id)
        .first()
    )
    if row is None or row["job_key"] != job.key or row["status"] not in UNFINISHED_STATUSES:
        return
    settings = job.settings
    try:
        path = await fetch_to_temp(storage_for(settings), file_key, settings.data_dir / "tmp" / "imports")
    except Exception:
        log.exception("personnel import %s: stored file unreadable", import_id)
        await save_unfinished(
            PersonImport, import_id, status="failed", message=INTERNAL_ERROR, finished_at=datetime.now(UTC)
        )
        await _tell_starter(import_id)
        return
    try:
        await run_job(import_id, path, msgspec.convert(access, PersonAccess))
    finally:
        path.unlink(missing_ok=True)
    await _tell_starter(import_id)


async def _tell_starter(import_id: int) -> None:
    """Leave the account that uploaded the workbook a message saying how the import ended."""

    def title(row: dict[str, Any]) -> str:
        return f"人员导入{STATUS_LABELS.get(row['status'], row['status'])}：{row['file_name']}"

    path = f"/personnel/imports/{import_id}"
    await tell_job_starter(PersonImport, import_id, kind=KIND, path=path, title=title)


async def _given_up(args: Any, why: GiveUp) -> None:
    """Mark the import cancelled or failed (its data transaction was rolled back); the uploader is told of
    a failure (once: the queue may give a job up twice)."""
    import_id = int(args["import_id"])
    message = why.reason if why.cancelled else f"{why.reason}，本次导入未写入任何数据，请重新上传"
    finished = await save_unfinished(
        PersonImport,
        import_id,
        status="cancelled" if why.cancelled else "failed",
        message=message,
        finished_at=datetime.now(UTC),
    )
    if finished and not why.cancelled:
        await _tell_starter(import_id)


IMPORT = JobKind(name=KIND, label="人员导入", run=_perform, given_up=_given_up, timeout=60 * 60, retries=2)
"""Import people from a stored workbook; retried once after a worker died (the people are written in
one transaction, so an attempt that broke off wrote nothing)."""


async def cancel_import(access: PersonAccess, account_id: int, job_id: int) -> PersonImportOut:
    """Cancel an import the caller sees that has not finished (409 when it has)."""
    job = await get_import(access, account_id, job_id)
    row = await PersonImport.select(PersonImport.job_key).where(PersonImport.id == job.id).first()
    assert row is not None
    if job.status not in UNFINISHED_STATUSES or not await queue.cancel(row["job_key"]):
        raise Conflict("这次导入已经结束，无法取消")
    await save_unfinished(
        PersonImport, job_id, status="cancelled", message="已取消", finished_at=datetime.now(UTC)
    )
    return await get_import(access, account_id, job_id)


def _visible(access: PersonAccess, account_id: int) -> Any:
    """Imports the caller sees: all for the commission, else the ones the account started."""
    return None if access.org.tenant_wide else PersonImport.created_by == account_id


def import_out(row: dict[str, Any], *, with_errors: bool = True) -> PersonImportOut:
    """The API shape of a job row (``errors`` already loaded from JSON)."""
    errors = row.get("errors") if with_errors else None
    return PersonImportOut(
        id=row["id"],
        file_name=row["file_name"],
        mode=row["mode"],
        institution_id=row["institution"],
        status=row["status"],
        status_label=STATUS_LABELS.get(row["status"], row["status"]),
        total_rows=row["total_rows"],
        processed_rows=row["processed_rows"],
        created_count=row["created_count"],
        updated_count=row["updated_count"],
        error_count=row["error_count"],
        errors=[ImportRowError(**e) for e in errors or []],
        message=row["message"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


async def list_imports(
    access: PersonAccess, account_id: int, *, page: int = 1, page_size: int = 20
) -> PersonImportPage:
    """A page of the imports the caller sees, newest first (without row errors)."""
    where = _visible(access, account_id)
    columns = PersonImport.all_columns(exclude=[PersonImport.errors])
    query = PersonImport.select(*columns).order_by(PersonImport.id, ascending=False)
    query = query.limit(page_size).offset((page - 1) * page_size)
    total = PersonImport.count()
    if where is not None:
        query, total = query.where(where), total.where(where)
    rows = await query
    items = [import_out(r, with_errors=False) for r in rows]
    return PersonImportPage(items=items, total=await total, page=page, page_size=page_size)


async def get_import(access: PersonAccess, account_id: int, job_id: int) -> PersonImportOut:
    """One import the caller sees, with its row errors (404 otherwise)."""
    where = PersonImport.id == job_id
    visible = _visible(access, account_id)
    if visible is not None:
        where = where & visible
    row = await PersonImport.select().where(where).output(load_json=True).first()
    if row is None:
        raise NotFound("导入记录不存在")
    return import_out(row)


CLI_ERRORS_SHOWN = 20


async def run_cli_import(path: Path, slug: str, mode: str, code: str | None, echo: Callable[..., Any]) -> int:
    """``cme personnel import``: run an import in the foreground as the commission; the exit status.

    0 when the import wrote people (or found nothing to write and no errors), 1 when errors kept it
    from writing anything, 2 for an unknown tenant or institution code.
    """
    tenant = await queue.tenant_named(slug)
    if tenant is None:
        echo(f"tenant {slug} does not exist", err=True)
        return 2
    with scope(tenant), acting_as(Actor(kind="system", name="cme personnel import")):
        institution_id = None
        if code:
            row = await Institution.select(Institution.id).where(Institution.code == code).first()
            if row is None:
                echo(f"单位编码 {code} 不存在", err=True)
                return 2
            institution_id = row["id"]
        job_id = await create_job(
            file_name=path.name, mode=mode, institution_id=institution_id, account_id=None
        )
        state: dict[str, Any] = {"total_rows": 0, "processed_rows": 0}

        async def report(values: dict[str, Any]) -> None:
            state.update(values)
            echo(f"\r{state.get('message', '')} {state['processed_rows']}/{state['total_rows']} 行", nl=False)

        outcome = await run_job(job_id, path, PersonAccess(org=OrgAccess(tenant_wide=True)), report=report)
    echo("")
    echo(state.get("message", ""))
    if outcome is None:
        return 1
    for error in outcome.errors[:CLI_ERRORS_SHOWN]:
        echo(f"  第 {error['row']} 行 [{error['field']}] {error['message']}")
    if outcome.error_count > CLI_ERRORS_SHOWN:
        echo(f"  …… 共 {outcome.error_count} 处错误")
    return 1 if outcome.error_count and not outcome.written else 0
