"""Files services: store a checked upload, list and read metadata, issue and redeem download links.

Every function works inside the active tenant scope. A file the caller may not read is reported as
not found (404), so guessing IDs reveals nothing.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio.to_thread

from cme_platform.audit.service import record
from cme_platform.db.errors import is_unique_violation
from cme_platform.db.paging import and_all
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.files import schemas as s
from cme_platform.files.checks import check_type, extension_of, human_size, sanitize_name, too_large
from cme_platform.files.exif import PhotoFacts, read_photo_facts
from cme_platform.files.links import InvalidLink, LinkClaims, issue_token, read_token
from cme_platform.files.policy import may_read, sees_every_file
from cme_platform.files.purposes import KINDS, PURPOSES, purpose_named, size_limit
from cme_platform.files.receive import ReceivedFile
from cme_platform.files.storage import Storage
from cme_platform.files.tables import StoredFile
from cme_platform.identity.principal import Principal
from cme_platform.settings import Settings
from cme_platform.tenancy.scope import current_tenant

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
IDEMPOTENCY_FIELD = "Idempotency-Key"


@dataclass(frozen=True)
class FileRow:
    """A stored file as the services pass it around (the ``files_file`` row)."""

    id: int
    key: str
    purpose: str
    original_name: str
    content_type: str
    extension: str
    size: int
    sha256: str
    uploaded_by: int | None
    idempotency_key: str | None
    created_at: datetime
    taken_at: datetime | None
    gps_lat: float | None
    gps_lon: float | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> FileRow:
        """Build from a selected row (ignores the tenant column)."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def out(self) -> s.FileOut:
        """The API shape (without the storage key)."""
        purpose = PURPOSES.get(self.purpose)
        return s.FileOut(
            id=self.id,
            purpose=self.purpose,
            purpose_label=purpose.label if purpose else self.purpose,
            original_name=self.original_name,
            content_type=self.content_type,
            extension=self.extension,
            size=self.size,
            sha256=self.sha256,
            uploaded_by=self.uploaded_by,
            created_at=self.created_at,
            taken_at=self.taken_at,
            gps_lat=self.gps_lat,
            gps_lon=self.gps_lon,
        )


def check_idempotency_key(value: str | None) -> str | None:
    """The ``Idempotency-Key`` header value, or ``None``; 400 when it is not 1–64 safe characters."""
    if value is None:
        return None
    if not IDEMPOTENCY_KEY_RE.match(value):
        message = "应为 1–64 个字母、数字或 . _ : - 字符"
        raise InvalidInput("Idempotency-Key 格式不正确", [FieldError(IDEMPOTENCY_FIELD, message)])
    return value


async def _by_idempotency_key(account_id: int, key: str) -> FileRow | None:
    row = (
        await StoredFile.select()
        .where((StoredFile.uploaded_by == account_id) & (StoredFile.idempotency_key == key))
        .first()
    )
    return FileRow.of(row) if row else None


def _replay(existing: FileRow, received: ReceivedFile, purpose: str) -> FileRow:
    """The earlier upload for a retried request; 409 when the key was used for a different file."""
    if existing.sha256 != received.sha256 or existing.purpose != purpose:
        message = "该 Idempotency-Key 已用于另一个文件，请换一个新的键"
        raise Conflict(message, [FieldError(IDEMPOTENCY_FIELD, message)])
    return existing


async def store_upload(
    principal: Principal,
    received: ReceivedFile,
    *,
    storage: Storage,
    settings: Settings,
    idempotency_key: str | None = None,
) -> tuple[FileRow, bool]:
    """Check and keep a received upload; returns the row and whether it is new (False: a replay).

    Checks purpose, size, type by content and the name's extension, then stores the bytes under a
    random key and inserts the row with its ``files.upload`` audit record in one transaction (the object
    is removed again when that fails). Nothing is stored when a check fails.
    """
    purpose = purpose_named(received.fields.get("purpose"), principal.roles)
    if received.size == 0:
        message = "请选择要上传的文件" if not received.filename else "文件是空的"
        raise InvalidInput(message, [FieldError("file", message)])
    limit = size_limit(purpose, settings.upload_max_bytes)
    if received.size > limit:
        raise too_large(limit)
    name = sanitize_name(received.filename)
    kind = check_type(purpose, name, received.path)
    if idempotency_key:
        existing = await _by_idempotency_key(principal.account_id, idempotency_key)
        if existing is not None:
            return _replay(existing, received, purpose.name), False
    facts = (
        await anyio.to_thread.run_sync(read_photo_facts, received.path) if purpose.read_exif else PhotoFacts()
    )
    key = f"t{current_tenant().id}/{uuid.uuid4().hex}"
    await storage.save(key, received.path, kind.content_type)
    row = StoredFile(
        key=key,
        purpose=purpose.name,
        original_name=name,
        content_type=kind.content_type,
        extension=extension_of(name),
        size=received.size,
        sha256=received.sha256,
        uploaded_by=principal.account_id,
        idempotency_key=idempotency_key,
        taken_at=facts.taken_at,
        gps_lat=facts.gps_lat,
        gps_lon=facts.gps_lon,
    )
    try:
        async with StoredFile._meta.db.transaction():
            await row.save()
            await record(
                "files.upload",
                object_type="file",
                object_id=row.id,
                summary=f"上传文件「{name}」（{purpose.label}，{human_size(received.size)}）",
                after={
                    "purpose": purpose.name,
                    "name": name,
                    "size": received.size,
                    "sha256": received.sha256,
                },
            )
    except Exception as exc:
        await storage.delete(key)
        if idempotency_key and is_unique_violation(exc):
            existing = await _by_idempotency_key(principal.account_id, idempotency_key)
            if existing is not None:
                return _replay(existing, received, purpose.name), False
        raise
    return await _readable_row(principal, int(row.id)), True


async def store_generated(
    content: bytes, *, name: str, account_id: int | None, storage: Storage, tmp_dir: Path
) -> int:
    """Keep a PDF the platform made (purpose ``document``) for ``account_id``, who may then read it
    like his own upload; returns the file's id (the object is removed again when its row fails)."""
    kind = KINDS["pdf"]
    key = f"t{current_tenant().id}/{uuid.uuid4().hex}"

    def write() -> Path:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix="made-", suffix=".pdf", dir=tmp_dir, delete=False) as handle:
            handle.write(content)
        return Path(handle.name)

    source = await anyio.to_thread.run_sync(write)
    try:
        await storage.save(key, source, kind.content_type)
    finally:
        source.unlink(missing_ok=True)
    row = StoredFile(
        key=key,
        purpose="document",
        original_name=sanitize_name(name),
        content_type=kind.content_type,
        extension="pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=account_id,
    )
    try:
        await row.save()
    except Exception:
        await storage.delete(key)
        raise
    return int(row.id)


async def holds_content(account_id: int, file_ids: list[int], sha256: str) -> bool:
    """Whether one of ``file_ids`` that ``account_id`` uploaded has this content: the same scan chosen
    again after a refused form is not stored a second time (another account's files tell nothing)."""
    if not file_ids:
        return False
    return await StoredFile.exists().where(
        StoredFile.id.is_in(file_ids) & (StoredFile.sha256 == sha256) & (StoredFile.uploaded_by == account_id)
    )


async def list_files(
    principal: Principal,
    *,
    purpose: str | None = None,
    uploaded_by: int | None = None,
    page: int = 1,
    page_size: int = 50,
) -> s.FilePage:
    """The caller's uploads, newest first; commission admins see everyone's (filter ``uploaded_by``)."""
    owner = uploaded_by if sees_every_file(principal) else principal.account_id
    where = and_all(
        (StoredFile.uploaded_by == owner) if owner is not None else None,
        (StoredFile.purpose == purpose) if purpose else None,
    )
    query = StoredFile.select().order_by(StoredFile.id, ascending=False)
    query = query.limit(page_size).offset((page - 1) * page_size)
    count = StoredFile.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    items = [FileRow.of(row).out() for row in await query]
    return s.FilePage(total=await count, page=page, page_size=page_size, items=items)


async def _readable_row(principal: Principal, file_id: int) -> FileRow:
    row = await StoredFile.select().where(StoredFile.id == file_id).first()
    if row is None or not await may_read(principal, FileRow.of(row)):
        raise NotFound("文件不存在")
    return FileRow.of(row)


async def get_file(principal: Principal, file_id: int) -> FileRow:
    """A file the caller may read (404 otherwise)."""
    return await _readable_row(principal, file_id)


async def issue_link(
    principal: Principal, file_id: int, *, settings: Settings, now: float | None = None
) -> tuple[FileRow, str, datetime]:
    """A signed download token for a file the caller may read, audited as ``files.download_link``.

    Returns the file, the token (for ``/files/{token}``) and when it expires.
    """
    file = await _readable_row(principal, file_id)
    expires_at = int(now if now is not None else time.time()) + settings.download_link_seconds
    token = issue_token(
        settings.secret_key, LinkClaims(tenant_id=current_tenant().id, file_id=file.id, expires_at=expires_at)
    )
    expires = datetime.fromtimestamp(expires_at, UTC)
    await record(
        "files.download_link",
        object_type="file",
        object_id=file.id,
        summary=f"获取文件「{file.original_name}」的下载链接",
        after={"expires_at": expires.isoformat()},
    )
    return file, token, expires


LINK_ERRORS = {
    "malformed": (NotFound, "not_found", "文件不存在"),
    "forged": (Forbidden, "link_invalid", "下载链接无效，请回到文件列表重新获取"),
    "expired": (Forbidden, "link_expired", "下载链接已过期，请回到文件列表重新获取"),
    "other_tenant": (NotFound, "not_found", "文件不存在"),
}


async def file_for_token(token: str, *, settings: Settings, now: float | None = None) -> FileRow:
    """The file a download token grants (403 forged or expired; 404 malformed, another tenant's or gone)."""
    try:
        claims = read_token(
            settings.secret_key,
            token,
            tenant_id=current_tenant().id,
            now=now if now is not None else time.time(),
        )
    except InvalidLink as exc:
        error, code, message = LINK_ERRORS[exc.reason]
        raise error(message, code=code) from None
    row = await StoredFile.select().where(StoredFile.id == claims.file_id).first()
    if row is None:
        raise NotFound("文件不存在")
    return FileRow.of(row)


PREVIEWS: dict[str, str] = {"image/png": "image", "image/jpeg": "image", "application/pdf": "pdf"}
"""Content types a browser shows in the page (``image``) or in its own viewer (``pdf``); the upload checks
the bytes against the type, so a stored file's type is what it is. Every other type downloads."""


def preview_kind(content_type: str) -> str:
    """``image``, ``pdf`` or ``""`` (download only) for a stored file's ``content_type``."""
    return PREVIEWS.get(content_type, "")


def content_disposition(name: str, *, inline: bool = False) -> str:
    """An ``attachment`` (or ``inline``) header with an ASCII fallback and the RFC 5987 UTF-8 name."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in name)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
