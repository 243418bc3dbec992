"""Who decides and who sees an approval request: the waiting step's role over the subject's unit.

A step for ``department_admin`` waits in the inbox of the admins of the subject's department,
``institution_admin`` of its institution, ``region_admin`` of its region, ``commission_admin`` of the
whole tenant. Admins whose reach covers the subject's unit see the request (read only), and so does the
account that submitted it, which never decides it: a submission is never in its submitter's inbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.orgs.access import OrgAccess

if TYPE_CHECKING:
    from cme_platform.approvals.engine import RequestRow

_UNIT_COLUMN = {
    Role.DEPARTMENT_ADMIN: ("department", "department_id"),
    Role.INSTITUTION_ADMIN: ("institution", "institution_id"),
    Role.REGION_ADMIN: ("region", "region_id"),
}


def _units(principal: Principal, role: Role, grant_field: str) -> list[int]:
    return sorted({getattr(g, grant_field) for g in principal.grants_for(role) if getattr(g, grant_field)})


def inbox_clause(principal: Principal) -> Any:
    """A where-clause on :class:`ApprovalRequest` for the steps that wait for ``principal``."""
    clauses: list[Any] = []
    if principal.has_any(Role.COMMISSION_ADMIN):
        clauses.append(ApprovalRequest.waiting_role == Role.COMMISSION_ADMIN.value)
    for role, (column, grant_field) in _UNIT_COLUMN.items():
        ids = _units(principal, role, grant_field)
        if ids:
            unit = getattr(ApprovalRequest, column)
            clauses.append((ApprovalRequest.waiting_role == role.value) & unit.is_in(ids))
    if not clauses:
        return ApprovalRequest.id.is_in([0])
    clause = clauses[0]
    for other in clauses[1:]:
        clause = clause | other
    not_mine = ApprovalRequest.submitted_by.is_null() | (ApprovalRequest.submitted_by != principal.account_id)
    return (ApprovalRequest.status == "pending") & clause & not_mine


def may_decide(principal: Principal, row: RequestRow) -> bool:
    """True when the request's waiting step is ``principal``'s to decide (never his own submission)."""
    if row.status != "pending" or row.submitted_by == principal.account_id:
        return False
    role = row.waiting_role
    if role == Role.COMMISSION_ADMIN.value:
        return principal.has_any(Role.COMMISSION_ADMIN)
    for grant_role, (column, grant_field) in _UNIT_COLUMN.items():
        if role == grant_role.value:
            unit = getattr(row, column)
            return unit is not None and unit in _units(principal, grant_role, grant_field)
    return False


def may_see(principal: Principal, row: RequestRow) -> bool:
    """True for the submitter, the step's approvers and the admins whose reach covers the subject."""
    if row.submitted_by == principal.account_id or may_decide(principal, row):
        return True
    org = OrgAccess.of(principal)
    return (
        org.tenant_wide
        or (row.institution is not None and row.institution in org.institution_ids)
        or (row.region is not None and row.region in org.region_ids)
        or (row.department is not None and row.department in org.department_ids)
    )
