"""Receiving a ``multipart/form-data`` upload as a stream, enforcing the size limit while it arrives.

The body is parsed incrementally (the ``multipart`` parser Litestar itself uses) and the file part is
written to a temporary file while its SHA-256 and size are computed; the moment it passes its limit the
request is refused (413) and the partial file removed. The Content-Length header is only used to refuse
early, never trusted. Form fields: ``purpose`` (before the file, so its own limit applies while
streaming; otherwise the platform-wide limit applies and the purpose's limit is checked afterwards),
``file``, and ``_csrf`` for browser forms. Text fields and the file name holding a control character are
refused (:mod:`cme_platform.api.text_guard`), as the boundary check does for every other form.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from litestar import Request
from multipart import MultipartSegment, ParserError, PushMultipartParser

from cme_platform.api.text_guard import refuse_control_characters
from cme_platform.errors import FieldError, InvalidInput
from cme_platform.files.checks import too_large

TEXT_FIELDS = frozenset({"purpose", "_csrf"})
FILE_FIELD = "file"
MAX_TEXT_FIELD = 1024
FORM_OVERHEAD = 64 * 1024
"""Bytes allowed beyond the file itself: part headers, boundaries and the small text fields."""


@dataclass
class ReceivedFile:
    """An upload received into a temporary file (remove it with :meth:`discard`)."""

    fields: dict[str, str]
    """Each text field's last value."""
    filename: str
    path: Path
    size: int
    sha256: str
    values: dict[str, list[str]] = field(default_factory=dict)
    """Every value of every text field, in order (for fields a form repeats)."""

    @property
    def has_file(self) -> bool:
        """False when the form's file input was left empty (only possible with ``file_required=False``)."""
        return bool(self.filename) or self.size > 0

    def discard(self) -> None:
        """Delete the temporary file."""
        self.path.unlink(missing_ok=True)


def _bad_form(message: str, name: str = "file") -> InvalidInput:
    return InvalidInput(message, [FieldError(name, message)])


class _FilePart:
    """The file part being written: temporary file, running hash and size against the limit."""

    def __init__(self, handle: Any, filename: str, limit: int) -> None:
        self.handle, self.filename, self.limit = handle, filename, limit
        self.digest = hashlib.sha256()
        self.size = 0

    async def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise too_large(self.limit)
        self.digest.update(chunk)
        await self.handle.write(chunk)


@dataclass(frozen=True)
class FormShape:
    """What a multipart form may hold besides its one ``file``: its text fields and their sizes."""

    text_fields: frozenset[str] = TEXT_FIELDS
    max_text: int = MAX_TEXT_FIELD
    max_segments: int = 8
    file_required: bool = True


UPLOAD_FORM = FormShape()
"""The upload form: ``purpose``, ``_csrf`` and a file."""


async def receive_file(
    request: Request[Any, Any, Any],
    *,
    tmp_dir: Path,
    limit_for: Callable[[str | None], int],
    shape: FormShape = UPLOAD_FORM,
) -> ReceivedFile:
    """Stream the request's multipart body into a temporary file under ``tmp_dir``.

    ``limit_for(purpose or None)`` gives the byte limit for the file part; ``shape`` the text fields the
    form may carry. Raises 400 for a malformed form, an unknown field or a missing file (unless
    ``shape.file_required`` is off: then an empty file input gives a :class:`ReceivedFile` whose
    ``has_file`` is false), and :class:`FileTooLarge` (413) as soon as the file passes its limit.
    """
    content_type, options = request.content_type
    if content_type != "multipart/form-data" or not options.get("boundary"):
        raise _bad_form("请以 multipart/form-data 表单上传文件")
    total_limit = limit_for(None) + FORM_OVERHEAD + shape.max_segments * shape.max_text
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > total_limit:
        raise too_large(limit_for(None))
    tmp_dir.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix="upload-", dir=tmp_dir)
    path = Path(name)
    try:
        async with await anyio.open_file(descriptor, "wb", closefd=True) as handle:
            values, part = await _parse(
                request.stream(), options["boundary"], handle, limit_for, total_limit, shape
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    fields = {name: texts[-1] for name, texts in values.items()}
    if part is None or (not part.filename and part.size == 0):
        if shape.file_required:
            path.unlink(missing_ok=True)
            raise _bad_form("请选择要上传的文件")
        return ReceivedFile(fields=fields, filename="", path=path, size=0, sha256="", values=values)
    return ReceivedFile(
        fields=fields,
        filename=part.filename,
        path=path,
        size=part.size,
        sha256=part.digest.hexdigest(),
        values=values,
    )


async def _parse(
    stream: AsyncIterator[bytes],
    boundary: str,
    handle: Any,
    limit_for: Callable[[str | None], int],
    total_limit: int,
    shape: FormShape,
) -> tuple[dict[str, list[str]], _FilePart | None]:
    fields: dict[str, list[str]] = {}
    part: _FilePart | None = None
    segment: MultipartSegment | None = None
    text = bytearray()
    received = 0
    try:
        with PushMultipartParser(boundary.encode("latin-1"), max_segment_count=shape.max_segments) as parser:
            async for chunk in stream:
                if parser.closed:
                    break
                received += len(chunk)
                if received > total_limit:
                    raise too_large(limit_for(None))
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        segment, text = event, bytearray()
                        if segment.name == FILE_FIELD and segment.filename is not None:
                            if part is not None:
                                raise _bad_form("一次只能上传一个文件")
                            refuse_control_characters([(FILE_FIELD, segment.filename)])
                            purposes = fields.get("purpose")
                            limit = limit_for(purposes[-1] if purposes else None)
                            part = _FilePart(handle, segment.filename, limit)
                        elif segment.name == FILE_FIELD and not shape.file_required:
                            pass  # a file input left empty (no file name): nothing to keep
                        elif segment.name not in shape.text_fields:
                            raise _bad_form("表单包含不认识的字段", segment.name or "_")
                    elif event and segment is not None:
                        if part is not None and segment.name == FILE_FIELD:
                            await part.write(event)
                        else:
                            text.extend(event)
                            if len(text) > shape.max_text:
                                raise _bad_form("字段内容过长", segment.name or "_")
                    elif event is None and segment is not None:
                        if segment.name in shape.text_fields:
                            value = text.decode("utf-8", "replace").strip()
                            refuse_control_characters([(segment.name, value)])
                            fields.setdefault(segment.name, []).append(value)
                        segment = None
                if not chunk:
                    break
    except ParserError as exc:
        raise _bad_form("上传的表单格式不正确") from exc
    return fields, part
