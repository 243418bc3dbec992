"""Who sees and changes which people: the org reach of the account's admin grants.

- 管理用户: every person of the tenant; 区县管理员: people of the region's institutions;
  单位管理员: people of the institution; 科室管理员: people of the department (the seed's 科室账户
  adds and maintains them).
- Full ID numbers (not the masked list form) are for the commission, region and institution admins;
  every full view is recorded in the audit log.
"""

from __future__ import annotations

from typing import Any

import msgspec

from cme_platform.identity.principal import Principal
from cme_platform.orgs.access import OrgAccess
from cme_platform.personnel.tables import Person


class PersonAccess(msgspec.Struct, frozen=True, kw_only=True):
    """The people an admin account reaches, derived from its :class:`OrgAccess`."""

    org: OrgAccess

    @classmethod
    def of(cls, principal: Principal) -> PersonAccess:
        """The access that ``principal``'s grants give."""
        return cls(org=OrgAccess.of(principal))

    def person_filter(self) -> Any:
        """A where-clause on :class:`Person` for the people visible (``None``: the whole tenant)."""
        org = self.org
        if org.tenant_wide:
            return None
        clauses: list[Any] = []
        if org.institution_ids:
            clauses.append(Person.institution.is_in(sorted(org.institution_ids)))
        if org.department_ids:
            clauses.append(Person.department.is_in(sorted(org.department_ids)))
        if org.region_ids:
            clauses.append(Person.institution.region.is_in(sorted(org.region_ids)))
        if not clauses:
            return Person.id.is_in([0])
        clause = clauses[0]
        for other in clauses[1:]:
            clause = clause | other
        return clause

    def can_write(self, institution_id: int, department_id: int | None, region_id: int | None) -> bool:
        """Whether the account may add or change a person of this institution and department."""
        org = self.org
        return (
            org.tenant_wide
            or institution_id in org.institution_ids
            or (region_id is not None and region_id in org.region_ids)
            or (department_id is not None and department_id in org.department_ids)
        )

    @property
    def can_reveal(self) -> bool:
        """Whether full ID numbers and phones may be shown (never to department-only admins)."""
        org = self.org
        return org.tenant_wide or bool(org.institution_ids or org.region_ids)
