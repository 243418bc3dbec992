"""Who reaches which credit records: the learner his own, administrators their org units' people.

Administrators reach the records of the institutions, departments and regions of their grants (the
commission: the whole tenant), through the unit copied onto each record when it was entered. A learner
reaches the records of the person linked to his account. Approvers also see the records whose pending
step waits for them (checked per request, see :mod:`cme_platform.credits.queries`).
"""

from __future__ import annotations

from typing import Any

from cme_platform.credits.tables import CreditRecord
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.orgs.access import OrgAccess
from cme_platform.personnel.tables import Person


def is_admin(principal: Principal) -> bool:
    """True when the account holds an administrative role."""
    return principal.has_any(*ORG_ADMIN_ROLES)


def _any_of(clauses: list[Any]) -> Any:
    clause = clauses[0]
    for other in clauses[1:]:
        clause = clause | other
    return clause


def admin_clause(principal: Principal) -> Any:
    """A where-clause on :class:`CreditRecord` for the records the account administers.

    ``None`` means the whole tenant (commission); an account without administrative grants gets a
    clause that selects nothing.
    """
    org = OrgAccess.of(principal)
    if org.tenant_wide:
        return None
    clauses: list[Any] = []
    if org.institution_ids:
        clauses.append(CreditRecord.institution.is_in(sorted(org.institution_ids)))
    if org.department_ids:
        clauses.append(CreditRecord.department.is_in(sorted(org.department_ids)))
    if org.region_ids:
        clauses.append(CreditRecord.institution.region.is_in(sorted(org.region_ids)))
    return _any_of(clauses) if clauses else CreditRecord.id.is_in([0])


def visible_clause(principal: Principal) -> Any:
    """The records a list shows the caller: his own (learner) and those he administers."""
    clauses: list[Any] = []
    if is_admin(principal):
        admin = admin_clause(principal)
        if admin is None:
            return None
        clauses.append(admin)
    if principal.has_any(Role.LEARNER):
        clauses.append(CreditRecord.person.account == principal.account_id)
    return _any_of(clauses) if clauses else CreditRecord.id.is_in([0])


def acting_role(
    principal: Principal, institution_id: int, department_id: int | None, region_id: int | None
) -> Role | None:
    """The widest administrative role of the account that reaches a person of these units, if any."""
    org = OrgAccess.of(principal)
    if org.tenant_wide:
        return Role.COMMISSION_ADMIN
    if region_id is not None and region_id in org.region_ids:
        return Role.REGION_ADMIN
    if institution_id in org.institution_ids:
        return Role.INSTITUTION_ADMIN
    if department_id is not None and department_id in org.department_ids:
        return Role.DEPARTMENT_ADMIN
    return None


def _person_with_units() -> Any:
    """A select of a person's id, name, institution, department and the institution's region."""
    return Person.select(
        Person.id,
        Person.name,
        Person.institution,
        Person.department,
        Person.institution.region.as_alias("region"),
    )


async def own_person(principal: Principal) -> dict[str, Any] | None:
    """The person linked to the learner's account, with its institution's region (``None``: none)."""
    if not principal.has_any(Role.LEARNER):
        return None
    return await _person_with_units().where(Person.account == principal.account_id).first()


async def person_for_admin(principal: Principal, person_id: int) -> tuple[dict[str, Any], Role] | None:
    """A person the account administers and the role it reaches him in (``None``: out of reach)."""
    return (await people_for_admin(principal, [person_id])).get(person_id)


async def people_for_admin(
    principal: Principal, person_ids: list[int]
) -> dict[int, tuple[dict[str, Any], Role]]:
    """Of ``person_ids``, those the account administers, with the role it reaches each in (one query)."""
    if not person_ids:
        return {}
    reached: dict[int, tuple[dict[str, Any], Role]] = {}
    for row in await _person_with_units().where(Person.id.is_in(sorted(set(person_ids)))):
        role = acting_role(principal, row["institution"], row["department"], row["region"])
        if role is not None:
            reached[int(row["id"])] = (row, role)
    return reached
