"""Shared pieces of the credit pages (seed 003 §3–§4.1, seed 002 §5.1–§5.3) and their route list.

The pages themselves live in :mod:`credit_entry` (向导/非向导录入 and editing), :mod:`credit_lists`
(录入学分查询管理, detail, 上报, 删除, 更正, export), :mod:`approvals` (审核学员录入学分) and
:mod:`grants` (录入权限). Every page calls the ledger's services; none touches the tables.
"""

from __future__ import annotations

from typing import Any

from cme_platform.credits import status as st
from cme_platform.identity.principal import Principal, principal_of
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.web import tenant_url
from litestar import Request
from litestar.response import Redirect

PAGE_SIZE = 20
ENTRY_ROLES: tuple[Role, ...] = (Role.LEARNER, *sorted(ORG_ADMIN_ROLES))
"""Who may open the entry forms: learners (their own credits) and the org administrators."""
GRANT_ROLES: tuple[Role, ...] = (Role.COMMISSION_ADMIN, Role.REGION_ADMIN, Role.INSTITUTION_ADMIN)
"""Who opens and closes the learners' right to enter credits (录入权限)."""

STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    (st.DRAFT, st.STATUS_LABELS[st.DRAFT]),
    (st.SUBMITTED, st.STATUS_LABELS[st.SUBMITTED]),
    (st.IN_REVIEW, st.STATUS_LABELS[st.IN_REVIEW]),
    ("approved", "审核通过（待生效）"),
    ("effective", st.EFFECTIVE_LABEL),
    (st.RETURNED, st.STATUS_LABELS[st.RETURNED]),
    (st.REJECTED, st.STATUS_LABELS[st.REJECTED]),
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


def editable_statuses(principal: Principal) -> frozenset[str]:
    """Statuses in which ``principal`` may change or delete a record (the service checks again)."""
    return st.NOT_EFFECTIVE_EDITABLE_BY_ADMIN if is_admin(principal) else st.EDITABLE


def back(request: Request[Any, Any, Any], path: str) -> Redirect:
    """A 303 redirect to ``path`` inside the request's tenant."""
    return Redirect(tenant_url(request, path), status_code=303)


def skipped_text(skipped: list[dict[str, object]]) -> str:
    """The reasons of a batch's skipped items, joined for the notice (``#12：已处理``)."""
    return "；".join(f"#{item.get('id')}：{item.get('reason')}" for item in skipped)


def routes() -> list[Any]:
    """Every credit page handler (entry, lists and detail, approvals, grants)."""
    from cme_admin_ui.pages import approvals, credit_entry, credit_lists, grants

    return [*credit_entry.routes, *credit_lists.routes, *approvals.routes, *grants.routes]
