"""JSON shapes of documents made in the background."""

from __future__ import annotations

from datetime import datetime

import msgspec


class ExportOut(msgspec.Struct, frozen=True, kw_only=True):
    """A document made in the background: ``status`` is queued, running, done, failed, cancelled or
    expired; ``done`` of ``total`` items are made (certificates, people)."""

    id: int
    kind: str
    title: str
    status: str
    status_label: str
    done: int
    total: int
    message: str
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    ready: bool
    """True while the document can be downloaded (``POST /api/documents/{id}/link``)."""


class ExportPage(msgspec.Struct, frozen=True, kw_only=True):
    """The caller's documents, newest first."""

    items: list[ExportOut]
    total: int
    page: int
    page_size: int


class ExportLinkOut(msgspec.Struct, frozen=True, kw_only=True):
    """A signed download link of a made document, valid until ``expires_at``."""

    download_url: str
    expires_at: datetime
