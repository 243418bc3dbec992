"""Checks every upload passes: file type decided by content, name sanitising, readable size messages.

The type comes from the bytes (magic numbers through ``filetype``; an XLSX is a ZIP holding
``[Content_Types].xml`` and an ``xl/`` folder), never from the name or the client's Content-Type, and
the name's extension must agree with it, so a renamed ``.exe`` or a PDF called ``.jpg`` is refused.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

import filetype

from cme_platform.errors import DomainError, FieldError
from cme_platform.files.purposes import KINDS, FileKind, FilePurpose

MAX_NAME_LENGTH = 120
"""Longest stored original name (characters, extension included)."""
HEAD_BYTES = 8192
_MIME_KINDS = {"application/pdf": "pdf", "image/jpeg": "jpeg", "image/png": "png"}
_UNSAFE_CHARS = re.compile(r'[<>:"|?*]')


class UnsupportedFileType(DomainError):
    """The file's content is not an allowed kind, or its name disagrees with the content (415)."""

    status_code = 415
    code = "unsupported_file_type"


class FileTooLarge(DomainError):
    """The upload exceeds its purpose's size limit (413)."""

    status_code = 413
    code = "file_too_large"


def human_size(size: int) -> str:
    """``size`` in bytes as people read it (``2.5 MB``, ``830 KB``, ``12 字节``)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} 字节"


def too_large(limit: int) -> FileTooLarge:
    """The error for a file larger than ``limit`` bytes."""
    message = f"文件不能超过 {human_size(limit)}"
    return FileTooLarge(message, [FieldError("file", message)])


def sanitize_name(raw: str) -> str:
    """A safe display name: the last path segment only, no control or reserved characters, capped length.

    ``../../etc/passwd`` becomes ``passwd`` and ``C:\\x\\报告.pdf`` becomes ``报告.pdf``; the result is
    only ever shown and sent back in Content-Disposition, never used as a storage path.
    """
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_CHARS.sub("_", name).strip().lstrip(".").strip()
    if not name:
        return "未命名"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def extension_of(name: str) -> str:
    """The lower-case extension of ``name`` without the dot (empty when there is none)."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def detect_kind(path: Path) -> FileKind | None:
    """The kind of the file at ``path`` judged by its content (``None``: none the platform knows)."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return KINDS["xlsx"] if _is_xlsx(path) else None
    guess = filetype.guess(head)
    name = _MIME_KINDS.get(guess.mime) if guess is not None else None
    return KINDS[name] if name else None


def check_type(purpose: FilePurpose, name: str, path: Path) -> FileKind:
    """The file's kind, after checking that ``purpose`` allows it and that ``name``'s extension agrees.

    Raises :class:`UnsupportedFileType` with a message that says what is allowed.
    """
    allowed = purpose.kind_labels()
    kind = detect_kind(path)
    if kind is None or kind.name not in purpose.kinds:
        message = f"文件内容不是允许的类型；{purpose.label}只接受 {allowed}"
        raise UnsupportedFileType(message, [FieldError("file", message)])
    extension = extension_of(name)
    if extension not in kind.extensions:
        shown = f"“.{extension}”" if extension else "缺失"
        message = (
            f"文件扩展名{shown}与文件内容（{kind.label}）不符，请使用 .{kind.extensions[0]} 文件名后重新上传"
        )
        raise UnsupportedFileType(message, [FieldError("file", message)])
    return kind
