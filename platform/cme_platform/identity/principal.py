"""An account as the services see it (:class:`Principal`: its roles over org units), loaded by id.

Which principal a request belongs to (the session's account for the tenant, or an API token) is
:mod:`cme_platform.identity.current`.
"""

from __future__ import annotations

import msgspec

from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant


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
