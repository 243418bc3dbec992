"""Which accounts an administrator reaches and which role grants he may hand out.

The rules (enforced by :mod:`cme_platform.identity.accounts`, below every handler):

- 管理用户 (commission admin): every account of the tenant; grants every role anywhere.
- 区县管理员 (region admin): institution admins and the roles below them, in the institutions (and their
  departments) of his regions.
- 单位管理员 (institution admin): department admins, project owners, on-site managers and learners of his
  institutions and their departments. Audit experts are appointed by the commission only.
- 科室管理员 (department admin): learners of his own department.

An account is *visible* when one of its grants is one the caller could hand out, and *manageable*
when all of them are (so nobody edits or resets an account that holds more than he could grant).
"""

from __future__ import annotations

from typing import Any

import msgspec

from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import RoleGrant

_BELOW_INSTITUTION = frozenset({Role.DEPARTMENT_ADMIN, Role.PROJECT_OWNER, Role.ONSITE_MANAGER, Role.LEARNER})

GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.COMMISSION_ADMIN: frozenset(Role),
    Role.REGION_ADMIN: _BELOW_INSTITUTION | {Role.INSTITUTION_ADMIN},
    Role.INSTITUTION_ADMIN: _BELOW_INSTITUTION,
    Role.DEPARTMENT_ADMIN: frozenset({Role.LEARNER}),
}
"""The roles each administrative role may grant (within its units)."""

UNIT_OF_ROLE: dict[Role, str] = {
    Role.COMMISSION_ADMIN: "none",
    Role.AUDIT_EXPERT: "none",
    Role.REGION_ADMIN: "region",
    Role.INSTITUTION_ADMIN: "institution",
    Role.DEPARTMENT_ADMIN: "department",
    Role.PROJECT_OWNER: "institution_or_department",
    Role.ONSITE_MANAGER: "institution_or_department",
    Role.LEARNER: "institution_or_department",
}
"""The org unit a grant of each role is bound to (``none``: the whole tenant)."""


class PlacedGrant(msgspec.Struct, frozen=True, kw_only=True):
    """A grant with its unit resolved: a department grant also names its institution and region."""

    role: Role
    region_id: int | None = None
    institution_id: int | None = None
    department_id: int | None = None
    unit_region_id: int | None = None
    """The region of the grant's institution (``None`` for grants without one)."""


class AccountScope(msgspec.Struct, frozen=True, kw_only=True):
    """The caller's reach over accounts, from his administrative grants."""

    account_id: int
    tenant_wide: bool = False
    region_ids: frozenset[int] = frozenset()
    institution_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, principal: Principal) -> AccountScope:
        """The reach that ``principal``'s grants give."""

        def ids(role: Role, attr: str) -> frozenset[int]:
            return frozenset(v for g in principal.grants_for(role) if (v := getattr(g, attr)) is not None)

        return cls(
            account_id=principal.account_id,
            tenant_wide=principal.has_any(Role.COMMISSION_ADMIN),
            region_ids=ids(Role.REGION_ADMIN, "region_id"),
            institution_ids=ids(Role.INSTITUTION_ADMIN, "institution_id"),
            department_ids=ids(Role.DEPARTMENT_ADMIN, "department_id"),
        )

    def grantable_roles(self) -> frozenset[Role]:
        """Every role the caller may grant somewhere."""
        if self.tenant_wide:
            return frozenset(Role)
        roles: frozenset[Role] = frozenset()
        for role, units in (
            (Role.REGION_ADMIN, self.region_ids),
            (Role.INSTITUTION_ADMIN, self.institution_ids),
            (Role.DEPARTMENT_ADMIN, self.department_ids),
        ):
            if units:
                roles |= GRANTABLE[role]
        return roles

    def may_grant(self, grant: PlacedGrant) -> bool:
        """True when the caller may hand out ``grant`` (role and unit both within his reach)."""
        if self.tenant_wide:
            return True
        in_region = grant.institution_id is not None and grant.unit_region_id in self.region_ids
        if grant.role in GRANTABLE[Role.REGION_ADMIN] and in_region:
            return True
        if grant.role in GRANTABLE[Role.INSTITUTION_ADMIN] and grant.institution_id in self.institution_ids:
            return True
        return grant.role in GRANTABLE[Role.DEPARTMENT_ADMIN] and grant.department_id in self.department_ids

    def may_manage(self, grants: list[PlacedGrant]) -> bool:
        """True when the caller may edit an account holding ``grants`` (he could grant every one)."""
        return self.tenant_wide or (bool(grants) and all(self.may_grant(g) for g in grants))

    def visible_grants(self) -> Any:
        """A where-clause on :class:`RoleGrant` for the grants the caller could hand out (``None``: all)."""
        if self.tenant_wide:
            return None
        clauses: list[Any] = []
        if self.region_ids:
            clauses.append(
                RoleGrant.role.is_in(sorted(GRANTABLE[Role.REGION_ADMIN]))
                & RoleGrant.institution.region.is_in(sorted(self.region_ids))
            )
        if self.institution_ids:
            clauses.append(
                RoleGrant.role.is_in(sorted(GRANTABLE[Role.INSTITUTION_ADMIN]))
                & RoleGrant.institution.is_in(sorted(self.institution_ids))
            )
        if self.department_ids:
            clauses.append(
                (RoleGrant.role == Role.LEARNER.value)
                & RoleGrant.department.is_in(sorted(self.department_ids))
            )
        if not clauses:
            return RoleGrant.id == 0
        result = clauses[0]
        for clause in clauses[1:]:
            result = result | clause
        return result
