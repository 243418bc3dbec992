"""The tenant a request, job or command acts for, as an immutable value."""

from __future__ import annotations

from typing import Any

import msgspec


class TenantContext(msgspec.Struct, frozen=True, kw_only=True):
    """A loaded tenant: what the rest of the platform needs to know about it."""

    id: int
    slug: str
    name: str
    plugin: str
    hosts: tuple[str, ...] = ()
    branding: dict[str, Any] = msgspec.field(default_factory=dict)
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    auth: dict[str, Any] = msgspec.field(default_factory=dict)
    disciplines: dict[str, list[str]] = msgspec.field(default_factory=dict)
    """The tenant file's additions to the discipline catalogue (二级学科 → [三级学科])."""
    recognition: dict[str, Any] = msgspec.field(default_factory=dict)
    """The tenant file's ``[recognition]``: other platforms' issuers whose certificates it recognises."""
    active: bool = True

    @property
    def primary_color(self) -> str:
        """The tenant's brand colour for the UI (a CSS colour)."""
        return str(self.branding.get("primary_color", "#1f6feb"))
