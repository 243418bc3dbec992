"""The roles an account can hold, with their Simplified Chinese names (seed vocabulary)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A role; a grant pairs it with an org unit (none for commission-wide roles)."""

    COMMISSION_ADMIN = "commission_admin"
    REGION_ADMIN = "region_admin"
    INSTITUTION_ADMIN = "institution_admin"
    DEPARTMENT_ADMIN = "department_admin"
    PROJECT_OWNER = "project_owner"
    ONSITE_MANAGER = "onsite_manager"
    AUDIT_EXPERT = "audit_expert"
    LEARNER = "learner"

    @property
    def label(self) -> str:
        """The role's name as the seeds and users call it."""
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.COMMISSION_ADMIN: "管理用户（继教委）",
    Role.REGION_ADMIN: "区县管理员",
    Role.INSTITUTION_ADMIN: "单位管理员（科教部门）",
    Role.DEPARTMENT_ADMIN: "科室管理员",
    Role.PROJECT_OWNER: "立项用户",
    Role.ONSITE_MANAGER: "会场负责人",
    Role.AUDIT_EXPERT: "审验专家",
    Role.LEARNER: "学员",
}

ORG_ADMIN_ROLES: frozenset[Role] = frozenset(
    {Role.COMMISSION_ADMIN, Role.REGION_ADMIN, Role.INSTITUTION_ADMIN, Role.DEPARTMENT_ADMIN}
)
"""Roles that administer part of the organisation tree."""

REGION_READERS: tuple[Role, ...] = (Role.COMMISSION_ADMIN, Role.REGION_ADMIN)
"""Roles that see the region list (regions are maintained by the commission)."""

GRANTORS: tuple[Role, ...] = (Role.COMMISSION_ADMIN, Role.REGION_ADMIN, Role.INSTITUTION_ADMIN)
"""Roles that grant for whole institutions: the self-entry right (录入权限), a standard to many people
(按标准授分). A department's administrator does not."""
