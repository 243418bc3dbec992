"""Audit tables. Rows are only ever inserted: database triggers refuse UPDATE and DELETE, and each row
carries the hash of its predecessor so that a changed or removed row breaks the chain.

``AuditEvent`` is a tenant's log; ``PlatformAuditEvent`` is the operators' log (their sign-ins and
platform-level actions). Both share the columns of :class:`AuditColumns`.
"""

from __future__ import annotations

from typing import Any, NoReturn

from piccolo.columns import JSON, BigInt, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.tenancy.tables import TenantOwned


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove an audit record."""


class AuditColumns:
    """The columns of one audit record (a mixin for both logs); the ORM refuses updates and deletes."""

    seq = BigInt(null=False)
    at = Timestamptz(default=TimestamptzNow())
    actor_kind = Varchar(length=16, null=False)
    account_id = Integer(null=True, default=None)
    actor_name = Varchar(length=100, null=False, default="")
    ip = Varchar(length=45, null=False, default="")
    user_agent = Varchar(length=300, null=False, default="")
    action = Varchar(length=64, null=False)
    object_type = Varchar(length=64, null=False, default="")
    object_id = Varchar(length=64, null=False, default="")
    summary = Varchar(length=300, null=False, default="")
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    prev_hash = Varchar(length=64, null=False)
    hash = Varchar(length=64, null=False)

    @classmethod
    def update(cls, *args: Any, **kwargs: Any) -> NoReturn:
        """Refused: audit records are never changed."""
        raise AppendOnlyError("audit log is append-only: records cannot be updated")

    @classmethod
    def delete(cls, *args: Any, **kwargs: Any) -> NoReturn:
        """Refused: audit records are never removed."""
        raise AppendOnlyError("audit log is append-only: records cannot be deleted")


class AuditEvent(AuditColumns, TenantOwned, Table, tablename="audit_event"):
    """One record in a tenant's audit log; ``seq`` counts from 1 per tenant."""


class PlatformAuditEvent(AuditColumns, Table, tablename="audit_platform_event"):
    """One record in the operators' log; ``tenant_id`` names the tenant an action touched, if any."""

    tenant_id = Integer(null=True, default=None)
