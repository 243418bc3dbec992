"""JSON shapes of the files API."""

from __future__ import annotations

from datetime import datetime

import msgspec


class FileOut(msgspec.Struct, kw_only=True):
    """A stored file's metadata (never its storage key)."""

    id: int
    purpose: str
    purpose_label: str
    original_name: str
    content_type: str
    extension: str
    size: int
    sha256: str
    uploaded_by: int | None
    created_at: datetime
    taken_at: datetime | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None


class FileWithLink(FileOut, kw_only=True):
    """Metadata plus a fresh signed download link (a tenant-relative URL) and when it expires."""

    download_url: str
    download_expires_at: datetime


class FilePage(msgspec.Struct, kw_only=True):
    """One page of stored files, newest first."""

    total: int
    page: int
    page_size: int
    items: list[FileOut]


class PurposeOut(msgspec.Struct, kw_only=True):
    """An upload purpose with its size limit and allowed kinds."""

    name: str
    label: str
    max_bytes: int
    extensions: list[str]
