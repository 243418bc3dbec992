"""The core's to-dos: items waiting in the reviewer's inbox, a project owner's applications, the learner's
own credits and progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pluggy
from piccolo.query.functions.aggregate import Count

from cme_platform import clock
from cme_platform.approvals.inbox import kind_counts
from cme_platform.compliance.evaluate import Selection
from cme_platform.compliance.service import person_year, year_rules
from cme_platform.credits.status import DRAFT, REJECTED, RETURNED
from cme_platform.credits.tables import CreditRecord
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.plugins.types import Todo
from cme_platform.projects.todos import expert_todos, owner_todos
from cme_platform.tenancy.context import TenantContext

SHOWN_DECISIONS = 5
"""At most this many returned or rejected records are listed one by one."""
REJECTED_FOR = timedelta(days=30)
"""A rejection (final, nothing to do) is shown for this long after the decision."""
DECIDED_LABELS = {RETURNED: "已退回，请修改后重新上报", REJECTED: "审核不通过"}


async def approval_todos(principal: Principal) -> list[Todo]:
    """One to-do per kind of subject waiting in ``principal``'s inbox."""
    if not principal.has_any(*ORG_ADMIN_ROLES):
        return []
    return [
        Todo(
            label=f"待我审核：{kind.label}",
            path=f"/approvals?kind={kind.subject_type}",
            count=kind.count,
            order=10,
        )
        for kind in await kind_counts(principal)
        if kind.count
    ]


async def own_credit_todos(person_id: int) -> list[Todo]:
    """The person's records sent back or refused (with the reviewer's reason), and drafts not sent."""
    recent = datetime.now(UTC) - REJECTED_FOR
    decided = await (
        CreditRecord.select(
            CreditRecord.id, CreditRecord.activity_name, CreditRecord.status, CreditRecord.review_comment
        )
        .where(
            (CreditRecord.person == person_id)
            & (
                (CreditRecord.status == RETURNED)
                | ((CreditRecord.status == REJECTED) & (CreditRecord.decided_at >= recent))
            )
        )
        .order_by(CreditRecord.decided_at, CreditRecord.id, ascending=False)
        .limit(SHOWN_DECISIONS)
    )
    todos = [
        Todo(
            label=f"{DECIDED_LABELS[r['status']]}：{r['activity_name']}",
            path=f"/credits/{r['id']}",
            hint=f"审核意见：{r['review_comment']}" if r["review_comment"] else "",
            tone="action" if r["status"] == RETURNED else "warning",
            order=20,
        )
        for r in decided
    ]
    drafts = await (
        CreditRecord.select(Count(CreditRecord.id, alias="n"))
        .where((CreditRecord.person == person_id) & (CreditRecord.status == DRAFT))
        .first()
    )
    if drafts and drafts["n"]:
        todos.append(Todo(label="未上报的学分", path="/credits?status=draft", count=drafts["n"], order=30))
    return todos


async def progress_todo(pm: pluggy.PluginManager, tenant: TenantContext, person_id: int) -> Todo:
    """How far the person is from this year's requirement."""
    year = clock.today().year
    item = await person_year(year_rules(pm, tenant, year), Selection(tenant_wide=True), person_id)
    return Todo(
        label=f"{year} 年度已获 {item.counted_credits_text} 学分（{item.met_label}）",
        path="/my/compliance",
        hint="；".join(item.explanation),
        tone="warning" if item.met is False else "info",
        order=90,
    )


async def core_todos(pm: pluggy.PluginManager, tenant: TenantContext, principal: Principal) -> list[Todo]:
    """Everything the core knows waits for ``principal``."""
    todos = await approval_todos(principal) + await owner_todos(principal) + await expert_todos(principal)
    if principal.has_any(Role.LEARNER) and principal.person_id is not None:
        todos += await own_credit_todos(principal.person_id)
        todos.append(await progress_todo(pm, tenant, principal.person_id))
    return todos
