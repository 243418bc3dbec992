"""Shared pieces of the credit pages (seed 003 §3–§4.1, seed 002 §5.1–§5.3) and their route list.

The pages themselves live in :mod:`credit_entry` (向导/非向导录入 and editing), :mod:`credit_lists`
(录入学分查询管理, detail, 上报, 删除, 更正, export) and :mod:`grants` (录入权限); credits are reviewed
in the approvals inbox (:mod:`approvals`, 待我审核). Every page calls the ledger's services; none touches
the tables.
"""

from __future__ import annotations

from typing import Any

from cme_platform.approvals.schemas import Skipped
from cme_platform.credits import status as st
from cme_platform.identity.current import principal_of
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.tenancy.urls import tenant_url
from litestar import Request
from litestar.response import Redirect

PAGE_SIZE = 20
ENTRY_ROLES: tuple[Role, ...] = (Role.LEARNER, *sorted(ORG_ADMIN_ROLES))
"""Who may open the entry forms: learners (their own credits) and the org administrators."""
GRANT_ROLES: tuple[Role, ...] = (Role.COMMISSION_ADMIN, Role.REGION_ADMIN, Role.INSTITUTION_ADMIN)
"""Who opens and closes the learners' right to enter credits (录入权限)."""

STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    (st.DRAFT, st.DRAFT.label),
    (st.SUBMITTED, st.SUBMITTED.label),
    (st.IN_REVIEW, st.IN_REVIEW.label),
    (st.APPROVED, f"{st.APPROVED.label}（待生效）"),
    ("effective", st.EFFECTIVE_LABEL),
    (st.RETURNED, st.RETURNED.label),
    (st.REJECTED, st.REJECTED.label),
)
"""The 审核状态 filter of the credit list, in lifecycle order."""


async def current_principal(request: Request[Any, Any, Any]) -> Principal:
    """The signed-in account (the routes' guards admit signed-in accounts only)."""
    principal = await principal_of(request)
    assert principal is not None  # guarded routes
    return principal


def is_admin(principal: Principal) -> bool:
    """True when the account administers part of the org tree (enters and sees others' credits)."""
    return principal.has_any(*ORG_ADMIN_ROLES)


def back(request: Request[Any, Any, Any], path: str) -> Redirect:
    """A 303 redirect to ``path`` inside the request's tenant."""
    return Redirect(tenant_url(request, path), status_code=303)


def skipped_text(skipped: list[Skipped]) -> str:
    """The skipped items of a batch by title, with the reason (``张三：论文甲（该事项已被他人处理）``)."""
    return "；".join(f"{item.title}（{item.reason}）" for item in skipped)


def routes() -> list[Any]:
    """Every credit page handler (entry, lists and detail, grants)."""
    from cme_admin_ui.pages import credit_entry, credit_lists, grants

    return [*credit_entry.routes, *credit_lists.routes, *grants.routes]
