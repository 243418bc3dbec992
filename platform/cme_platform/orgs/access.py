"""Who may see and change which part of the organisation tree, derived from the account's grants.

- 管理用户 (commission admin): the whole tenant, reads and writes.
- 区县管理员 (region admin): the region's institutions and their departments; creates and edits them.
- 单位管理员 (institution admin): the institution (read) and its departments (read and write).
- 科室管理员 (department admin): the department and its institution (read only).
"""

from __future__ import annotations

from typing import Any

import msgspec

from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.orgs.tables import Department, Institution, Region


class OrgAccess(msgspec.Struct, frozen=True, kw_only=True):
    """The org units an account reaches. ``tenant_wide`` overrides the id sets."""

    tenant_wide: bool = False
    region_ids: frozenset[int] = frozenset()
    institution_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()
    """Departments reachable through a department-admin grant (their institution is readable too)."""
    department_institution_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, principal: Principal) -> OrgAccess:
        """The access that ``principal``'s grants give."""
        if principal.has_any(Role.COMMISSION_ADMIN):
            return cls(tenant_wide=True)
        return cls(
            region_ids=frozenset(g.region_id for g in principal.grants_for(Role.REGION_ADMIN) if g.region_id),
            institution_ids=frozenset(
                g.institution_id for g in principal.grants_for(Role.INSTITUTION_ADMIN) if g.institution_id
            ),
            department_ids=frozenset(
                g.department_id for g in principal.grants_for(Role.DEPARTMENT_ADMIN) if g.department_id
            ),
            department_institution_ids=frozenset(
                g.institution_id for g in principal.grants_for(Role.DEPARTMENT_ADMIN) if g.institution_id
            ),
        )

    # -- read filters (Piccolo where-clauses; None means "no restriction") --------------------------

    def region_filter(self) -> Any:
        """Regions visible: all for the commission, the granted regions for region admins."""
        if self.tenant_wide:
            return None
        return Region.id.is_in(sorted(self.region_ids) or [0])

    def institution_filter(self) -> Any:
        """Institutions visible to the account."""
        if self.tenant_wide:
            return None
        clause: Any = Institution.id.is_in(
            sorted(self.institution_ids | self.department_institution_ids) or [0]
        )
        if self.region_ids:
            clause = clause | Institution.region.is_in(sorted(self.region_ids))
        return clause

    def department_filter(self) -> Any:
        """Departments visible to the account."""
        if self.tenant_wide:
            return None
        clause: Any = Department.id.is_in(sorted(self.department_ids) or [0])
        if self.institution_ids:
            clause = clause | Department.institution.is_in(sorted(self.institution_ids))
        if self.region_ids:
            clause = clause | Department.institution.region.is_in(sorted(self.region_ids))
        return clause

    # -- write checks -------------------------------------------------------------------------------

    def can_manage_regions(self) -> bool:
        """Only the commission creates and edits regions."""
        return self.tenant_wide

    def can_manage_institution(self, region_id: int | None) -> bool:
        """Create or edit an institution in ``region_id``."""
        return self.tenant_wide or (region_id is not None and region_id in self.region_ids)

    def can_manage_departments_of(self, institution_id: int, region_id: int | None) -> bool:
        """Create or edit departments of the institution ``institution_id`` (in ``region_id``)."""
        return (
            self.tenant_wide
            or institution_id in self.institution_ids
            or (region_id is not None and region_id in self.region_ids)
        )
