"""The ``tenant`` table and :class:`TenantOwned`, the mixin that every tenant-owned table uses.

``TenantOwned`` adds a non-null ``tenant`` foreign key and wraps Piccolo's query constructors
(``select``, ``objects``, ``count``, ``exists``, ``update``, ``delete``, ``insert``, ``raw``) so that
they filter on the active scope (:mod:`cme_platform.tenancy.scope`) or raise when there is none.
Instance methods (``save``, ``remove``, ``refresh``, ``get_related``) go through these constructors and
are scoped too.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import JSON, Boolean, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.query import Count, Delete, Exists, Objects, Select, Update
from piccolo.query.methods.insert import Insert
from piccolo.query.methods.raw import Raw
from piccolo.table import Table

import cme_platform.db  # noqa: F401  (points Piccolo at our configuration)
from cme_platform.tenancy.scope import TenantScopeError, tenant_filter


class Tenant(Table, tablename="tenant"):
    """A provincial CME commission: one row per ``tenants/<slug>.toml`` file."""

    id: Serial
    slug = Varchar(length=63, unique=True, null=False)
    name = Varchar(length=200, null=False)
    plugin = Varchar(length=63, null=False)
    hosts = JSON(default=[])
    branding = JSON(default={})
    settings = JSON(default={})
    auth = JSON(default={})
    disciplines = JSON(default={})
    recognition = JSON(default={})
    active = Boolean(default=True, null=False)
    synced_at = Timestamptz(default=TimestamptzNow())


TENANT_OWNED_TABLES: list[type[Table]] = []
"""Every table class that carries a tenant, in definition order (used by the isolation tests)."""


def _tenant_id_of(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, Table):
        return int(value.id)  # type: ignore[attr-defined]
    return int(value)


class _ScopedInsert(Insert):
    """An insert that stamps rows with the active tenant and refuses rows of another tenant."""

    def add(self, *instances: Table) -> _ScopedInsert:
        tenant_id = tenant_filter()
        for row in instances:
            own = _tenant_id_of(getattr(row, "tenant", None))
            if tenant_id is None:
                if own is None:
                    raise TenantScopeError("rows inserted with scopes disabled must name their tenant")
            elif own is None:
                row.tenant = tenant_id  # type: ignore[attr-defined]
            elif own != tenant_id:
                raise TenantScopeError("a row of another tenant cannot be inserted in this scope")
        super().add(*instances)
        return self


class TenantOwned:
    """Mixin for tables whose rows belong to one tenant. Put it before ``Table`` in the bases."""

    id: Serial
    tenant = ForeignKey(Tenant, null=False, on_delete=OnDelete.restrict, index=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if issubclass(cls, Table):
            TENANT_OWNED_TABLES.append(cls)

    def __init__(self, _data: dict[Any, Any] | None = None, **kwargs: Any) -> None:
        """A new row belongs to the active tenant unless it names one (then it must be that tenant)."""
        named = kwargs.get("tenant", (_data or {}).get("tenant"))
        if named is None and not kwargs.get("_exists_in_db"):
            tenant_id = tenant_filter()
            if tenant_id is None:
                raise TenantScopeError("rows created with scopes disabled must name their tenant")
            kwargs["tenant"] = tenant_id
        super().__init__(_data, **kwargs)  # type: ignore[call-arg]

    @classmethod
    def _scoped(cls, query: Any) -> Any:
        tenant_id = tenant_filter()
        if tenant_id is None:
            return query
        return query.where(cls.tenant == tenant_id)

    @classmethod
    def select(cls, *columns: Any, exclude_secrets: bool = False) -> Select:
        return cls._scoped(super().select(*columns, exclude_secrets=exclude_secrets))  # type: ignore[misc]

    @classmethod
    def objects(cls, *prefetch: Any) -> Objects:
        return cls._scoped(super().objects(*prefetch))  # type: ignore[misc]

    @classmethod
    def count(cls, column: Any = None, distinct: Any = None) -> Count:
        return cls._scoped(super().count(column=column, distinct=distinct))  # type: ignore[misc]

    @classmethod
    def exists(cls) -> Exists:
        return cls._scoped(super().exists())  # type: ignore[misc]

    @classmethod
    def update(
        cls,
        values: dict[Any, Any] | None = None,
        force: bool = False,
        use_auto_update: bool = True,
        **kwargs: Any,
    ) -> Update:
        tenant_id = tenant_filter()
        for key, value in {**(values or {}), **kwargs}.items():
            name = getattr(getattr(key, "_meta", None), "name", key)
            if name == "tenant" and (tenant_id is None or _tenant_id_of(value) != tenant_id):
                raise TenantScopeError("a row cannot be moved to another tenant")
        query = super().update(values, force=force, use_auto_update=use_auto_update, **kwargs)  # type: ignore[misc]
        return cls._scoped(query)

    @classmethod
    def delete(cls, force: bool = False) -> Delete:
        return cls._scoped(super().delete(force=force))  # type: ignore[misc]

    @classmethod
    def insert(cls, *rows: Any) -> Insert:
        tenant_filter()  # raise early when there is no scope at all
        query = _ScopedInsert(table=cls).returning(cls._meta.primary_key)  # type: ignore[attr-defined]
        if rows:
            query.add(*rows)
        return query

    @classmethod
    def raw(cls, sql: str, *args: Any) -> Raw:
        """Raw SQL is not filtered: it needs an active scope and must filter on ``tenant`` itself."""
        tenant_filter()
        return super().raw(sql, *args)  # type: ignore[misc]
