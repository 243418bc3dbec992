"""The active tenant scope (after django-scopes): a context variable that every tenant-owned query reads.

A query on a tenant-owned table outside :func:`scope` raises :class:`TenantScopeError`; it never
returns every tenant's rows. The few deliberate cross-tenant paths (tenant sync, platform operators,
migrations checks) wrap themselves in :func:`scopes_disabled`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import msgspec

from cme_platform.tenancy.context import TenantContext


class TenantScopeError(RuntimeError):
    """A tenant-owned table was queried without an active scope, or across tenants."""


class _ScopeState(msgspec.Struct, frozen=True):
    tenant: TenantContext | None
    disabled: bool


_NO_SCOPE = _ScopeState(None, False)
_state: ContextVar[_ScopeState] = ContextVar("cme_tenant_scope", default=_NO_SCOPE)


@contextmanager
def scope(tenant: TenantContext) -> Iterator[TenantContext]:
    """Run the block with ``tenant`` as the active tenant (nested scopes replace the outer one)."""
    token = _state.set(_ScopeState(tenant, False))
    try:
        yield tenant
    finally:
        _state.reset(token)


@contextmanager
def scopes_disabled() -> Iterator[None]:
    """Run the block with tenant filtering switched off: queries see every tenant's rows."""
    token = _state.set(_ScopeState(None, True))
    try:
        yield
    finally:
        _state.reset(token)


def current_tenant() -> TenantContext:
    """The active tenant; raises :class:`TenantScopeError` when there is none."""
    tenant = _state.get().tenant
    if tenant is None:
        raise TenantScopeError("no active tenant scope: wrap the call in scope(tenant=…)")
    return tenant


def active_tenant_or_none() -> TenantContext | None:
    """The active tenant, or ``None`` outside a scope (never raises)."""
    return _state.get().tenant


def tenant_filter() -> int | None:
    """The tenant id tenant-owned queries must filter on; ``None`` inside :func:`scopes_disabled`.

    Raises :class:`TenantScopeError` when neither a scope nor ``scopes_disabled`` is active.
    """
    state = _state.get()
    if state.disabled:
        return None
    if state.tenant is None:
        raise TenantScopeError(
            "tenant-owned table queried without an active tenant scope: "
            "use scope(tenant=…) or, for a deliberate cross-tenant path, scopes_disabled()"
        )
    return state.tenant.id
