"""An account as the services see it (:class:`Principal`: its roles over org units), loaded by id.

Which principal a request belongs to (the session's account for the tenant, or an API token) is
:mod:`cme_platform.identity.current`.
"""

from __future__ import annotations

import msgspec

from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account
from cme_platform.tenancy.scope import current_tenant


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
    person_id: int | None = None
    """The person of the registry whose account this is (a learner's; ``None`` for most others)."""

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


PRINCIPAL_SQL = (
    "SELECT a.id, a.username, a.display_name, a.must_change_password,"
    " (SELECT MIN(p.id) FROM personnel_person p WHERE p.account = a.id AND p.tenant = a.tenant) AS person_id,"
    " g.role, g.region, g.institution, g.department"
    " FROM identity_account a"
    " LEFT JOIN identity_role_grant g ON g.account = a.id AND g.tenant = a.tenant"
    " WHERE a.id = {} AND a.tenant = {} AND a.active = {}"
    " ORDER BY g.id"
)
"""The account, its person and its grants in one statement (one row per grant; one with empty grant
columns when it has none): every authenticated request runs it."""


async def load_principal_by_id(account_id: int) -> Principal | None:
    """Load an active account and its grants from the active tenant (``None`` when absent/inactive)."""
    rows = await Account.raw(PRINCIPAL_SQL, account_id, current_tenant().id, True)
    if not rows:
        return None
    account = rows[0]
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
        person_id=account["person_id"],
    )
