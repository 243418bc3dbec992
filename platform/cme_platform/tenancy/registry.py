"""Loading tenants from the database, with a short-lived in-process cache for request resolution."""

from __future__ import annotations

import time
from typing import Any

import msgspec

from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.tables import Tenant

CACHE_SECONDS = 30.0
"""How long a worker trusts its tenant list; ``cme tenants sync`` is seen by every worker after this."""

_generation = 0


def tenants_changed() -> None:
    """Tell this process's tenant directories that tenants changed (they reload on the next lookup)."""
    global _generation
    _generation += 1


def _decode(value: Any, default: Any) -> Any:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return msgspec.json.decode(value)
    return value


def tenant_from_row(row: dict[str, Any]) -> TenantContext:
    """Build a :class:`TenantContext` from a ``tenant`` row as Piccolo's ``select`` returns it."""
    return TenantContext(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        plugin=row["plugin"],
        hosts=tuple(_decode(row["hosts"], [])),
        branding=_decode(row["branding"], {}),
        settings=_decode(row["settings"], {}),
        auth=_decode(row.get("auth"), {}),
        disciplines=_decode(row.get("disciplines"), {}),
        recognition=_decode(row.get("recognition"), {}),
        active=bool(row["active"]),
    )


async def load_tenants() -> list[TenantContext]:
    """Every tenant in the database, ordered by slug (tenant rows are not tenant-owned)."""
    rows = await Tenant.select().order_by(Tenant.slug)
    return [tenant_from_row(row) for row in rows]


class TenantDirectory:
    """Finds active tenants by slug or host name; refreshes from the database every ``CACHE_SECONDS``."""

    def __init__(self, base_domain: str, ttl: float = CACHE_SECONDS) -> None:
        self.base_domain = base_domain.lower()
        self.ttl = ttl
        self._by_slug: dict[str, TenantContext] = {}
        self._by_host: dict[str, TenantContext] = {}
        self._loaded_at = float("-inf")
        self._generation = _generation

    async def _refresh(self) -> None:
        if self._generation == _generation and time.monotonic() - self._loaded_at < self.ttl:
            return
        self._generation = _generation
        tenants = [t for t in await load_tenants() if t.active]
        self._by_slug = {t.slug: t for t in tenants}
        self._by_host = {host.lower(): t for t in tenants for host in t.hosts}
        self._loaded_at = time.monotonic()

    async def all(self) -> list[TenantContext]:
        """The active tenants."""
        await self._refresh()
        return list(self._by_slug.values())

    async def by_slug(self, slug: str) -> TenantContext | None:
        """The active tenant with this slug, if any."""
        await self._refresh()
        return self._by_slug.get(slug)

    async def by_host(self, host: str) -> TenantContext | None:
        """The active tenant for a ``Host`` header: a declared host, or ``<slug>.<base domain>``."""
        await self._refresh()
        name = host.lower().rsplit(":", 1)[0] if not host.startswith("[") else host.lower()
        tenant = self._by_host.get(name)
        if tenant is not None:
            return tenant
        suffix = "." + self.base_domain
        if name.endswith(suffix):
            label = name[: -len(suffix)]
            if "." not in label:
                return self._by_slug.get(label)
        return None
