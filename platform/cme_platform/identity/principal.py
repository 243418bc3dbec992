"""The signed-in account of a request (:class:`Principal`) and how it is loaded from the session.

The session (an encrypted cookie) keeps one account id per tenant slug, so signing in to one tenant
never signs anybody in to another, even when both are served from the same host under ``/t/<slug>/``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.connection import ASGIConnection

from cme_platform.audit.context import current_actor
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.tenancy.scope import current_tenant

SESSION_KEY = "accounts"


class Grant(msgspec.Struct, frozen=True):
    """One role held over an org unit (all ``None``: the whole tenant)."""

    role: Role
    region_id: int | None = None
    institution_id: int | None = None
    department_id: int | None = None


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who is acting: the account and its grants, within the active tenant."""

    account_id: int
    username: str
    display_name: str
    must_change_password: bool
    grants: tuple[Grant, ...]
    token_id: int | None = None
    """The API token this request authenticated with (``None``: a signed-in session)."""

    @property
    def roles(self) -> frozenset[Role]:
        """Every role the account holds."""
        return frozenset(g.role for g in self.grants)

    def has_any(self, *roles: Role) -> bool:
        """True when the account holds at least one of ``roles``."""
        return bool(self.roles.intersection(roles))

    def grants_for(self, *roles: Role) -> list[Grant]:
        """The grants whose role is one of ``roles``."""
        return [g for g in self.grants if g.role in roles]


async def load_principal_by_id(account_id: int) -> Principal | None:
    """Load an active account and its grants from the active tenant (``None`` when absent/inactive)."""
    account = (
        await Account.select(Account.id, Account.username, Account.display_name, Account.must_change_password)
        .where((Account.id == account_id) & (Account.active.eq(True)))
        .first()
    )
    if account is None:
        return None
    rows = await RoleGrant.select(
        RoleGrant.role, RoleGrant.region, RoleGrant.institution, RoleGrant.department
    ).where(RoleGrant.account == account_id)
    grants = tuple(
        Grant(Role(r["role"]), r["region"], r["institution"], r["department"])
        for r in rows
        if r["role"] in Role._value2member_map_
    )
    return Principal(
        account_id=account["id"],
        username=account["username"],
        display_name=account["display_name"],
        must_change_password=bool(account["must_change_password"]),
        grants=grants,
    )


def session_accounts(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, int]:
    """The ``{tenant slug: account id}`` map kept in the session (empty when there is no session)."""
    session = connection.scope.get("session") or {}
    accounts = session.get(SESSION_KEY) if isinstance(session, dict) else None
    return dict(accounts) if isinstance(accounts, dict) else {}


async def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The signed-in principal of this request for the active tenant, loaded once per request."""
    state = connection.scope.setdefault("state", {})
    if "cme_principal" in state:
        return state["cme_principal"]
    tenant = current_tenant()
    # A request with ``Authorization: Bearer`` never uses the session: tokens authenticate /api/ routes
    # only (401 when invalid), and pages treat such a request as anonymous.
    from cme_platform.identity.tokens import bearer_token, is_api_request, principal_from_token

    token = bearer_token(connection)
    if token is not None:
        secret = connection.app.state.settings.secret_key
        principal = await principal_from_token(token, secret) if is_api_request(connection) else None
    else:
        account_id = session_accounts(connection).get(tenant.slug)
        principal = await load_principal_by_id(int(account_id)) if account_id else None
    state["cme_principal"] = principal
    if principal is not None:
        current_actor().bind_account(principal.account_id, principal.username)
    return principal
