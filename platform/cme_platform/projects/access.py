"""Who sees and changes which projects.

- The commission sees every project of the tenant; a region's administrators the projects of its
  institutions; an institution's administrators (行政用户) their institution's; a department's
  administrators their department's.
- A project owner (立项用户, or a 科室 account where departments declare) sees and changes the projects
  he owns.
- A department a project is delegated to (代办项目) manages its runs and hosting applications.
- An expert (审验专家) sees the declarations he was asked to review (专家评审) while they are under
  review.
- Everybody, visitors included, sees the public query: published projects, where a project its owner
  entered himself shows once the commission has approved one of its runs.
"""

from __future__ import annotations

from typing import Any

from piccolo.table import Table

from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.orgs.access import OrgAccess
from cme_platform.orgs.tables import Institution
from cme_platform.projects.policy import IMPORTER_NAMES
from cme_platform.projects.states import ProjectSource, ProjectStatus, RunStatus
from cme_platform.projects.tables import ExpertReview, Project, ProjectRun

MANAGERS: tuple[Role, ...] = (
    Role.COMMISSION_ADMIN,
    Role.REGION_ADMIN,
    Role.INSTITUTION_ADMIN,
    Role.DEPARTMENT_ADMIN,
)
"""Administrators who see the projects of their units."""


IMPORTERS: tuple[Role, ...] = tuple(Role(name) for name in IMPORTER_NAMES)
"""Roles that import lists of projects approved elsewhere (for the institutions they administer); each
list names which of them import it."""

OWNER_ROLES: tuple[Role, ...] = (Role.PROJECT_OWNER, Role.DEPARTMENT_ADMIN)
"""Roles whose accounts may own projects: 立项用户, and 科室 where the province lets departments declare."""


def is_owner(principal: Principal) -> bool:
    """True for accounts that may hold projects (立项用户, a 科室 account)."""
    return principal.has_any(*OWNER_ROLES)


def owner_unit(
    principal: Principal, roles: tuple[Role, ...] = (Role.PROJECT_OWNER,)
) -> tuple[int, int | None] | None:
    """The institution (and department) that organises the projects ``principal`` holds in one of
    ``roles``, if he has such a grant."""
    for grant in principal.grants_for(*roles):
        if grant.institution_id:
            return grant.institution_id, grant.department_id
    return None


def managed(principal: Principal) -> Any:
    """A where-clause on :class:`Project` for the projects of the units ``principal`` administers."""
    org = OrgAccess.of(principal)
    if org.tenant_wide:
        return Project.id.is_not_null()
    clause: Any = Project.institution.is_in(sorted(org.institution_ids) or [0])
    if org.department_ids:
        clause = clause | Project.department.is_in(sorted(org.department_ids))
    if org.region_ids:
        in_regions = Institution.select(Institution.id).where(
            Institution.region.is_in(sorted(org.region_ids))
        )
        clause = clause | Project.institution.is_in(in_regions)
    return clause


def delegated_departments(principal: Principal) -> list[int]:
    """The departments whose 科室 accounts ``principal`` holds (projects may be delegated to them)."""
    return sorted({g.department_id for g in principal.grants_for(Role.DEPARTMENT_ADMIN) if g.department_id})


def held_or_managed(principal: Principal) -> Any:
    """A where-clause on :class:`Project` for the projects ``principal`` holds (as owner or 代办科室) or
    administers (its unit's): whose documents, such as a run's certificates, he may print."""
    clause = managed(principal)
    if is_owner(principal):
        clause = clause | (Project.owner == principal.account_id)
    departments = delegated_departments(principal)
    if departments:
        clause = clause | Project.delegate.is_in(departments)
    return clause


def visible(principal: Principal) -> Any:
    """A where-clause on :class:`Project` for what ``principal`` may open beyond the public query."""
    clause = held_or_managed(principal)
    if principal.has_any(Role.AUDIT_EXPERT):
        reviewed = ExpertReview.select(ExpertReview.project).where(
            ExpertReview.expert == principal.account_id
        )
        clause = clause | (Project.id.is_in(reviewed) & (Project.status == ProjectStatus.SUBMITTED))
    return clause


def public() -> Any:
    """A where-clause on :class:`Project` for the public query (项目查询)."""
    approved_runs = ProjectRun.select(ProjectRun.project).where(ProjectRun.status == RunStatus.APPROVED)
    return (Project.status == ProjectStatus.PUBLISHED) & (
        (Project.source != ProjectSource.ENTERED) | Project.id.is_in(approved_runs)
    )


def may_change(principal: Principal, row: dict[str, Any]) -> bool:
    """True when ``principal`` owns the project ``row`` (and still holds an owner role)."""
    return is_owner(principal) and row["owner"] == principal.account_id


def may_hold(principal: Principal, owner: int | None, delegate: int | None) -> bool:
    """True when ``principal`` manages a project's runs and hosting applications: its owner, or a 科室
    account of the department the project is delegated to (代办)."""
    if is_owner(principal) and owner == principal.account_id:
        return True
    return delegate is not None and delegate in delegated_departments(principal)


async def lock_row(table: type[Table], row_id: int) -> None:
    """Hold ``row_id`` of ``table`` until the transaction ends (PostgreSQL ``FOR UPDATE``; SQLite's
    immediate write transaction already serialises writers), so a state read next stays true."""
    if table._meta.db.engine_type == "postgres":
        await table.raw(f"SELECT id FROM {table._meta.tablename} WHERE id = {{}} FOR UPDATE", row_id)


def named_roles(names: tuple[str, ...]) -> tuple[Role, ...]:
    """The roles a policy names by their names (``declarers``, an import list's ``importers``); names that
    are no role are ignored."""
    return tuple(Role(name) for name in names if name in Role._value2member_map_)
