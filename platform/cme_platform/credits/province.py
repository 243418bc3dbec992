"""What the tenant's province plugin says about credits, read through its hooks with the core's defaults.

Every credit service asks these accessors rather than the hooks directly, so a province that answers
``None`` (no categories, no entry policy, same-day effectiveness) gets one consistent default.
"""

from __future__ import annotations

from datetime import date

import pluggy

from cme_platform.approvals.chains import ApprovalSubject
from cme_platform.credits.policy import CreditCategory, EntryPolicy
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.tenancy.context import TenantContext


def categories(pm: pluggy.PluginManager, tenant: TenantContext, year: int) -> list[CreditCategory]:
    """The tenant's credit categories of ``year`` in display order (empty: the province names none)."""
    answer = tenant_hooks(pm, tenant.plugin).cme_credit_categories(tenant=tenant, year=year)
    return [c for c in answer or [] if isinstance(c, CreditCategory)]


def entry_policy(pm: pluggy.PluginManager, tenant: TenantContext) -> EntryPolicy:
    """How personal credits are entered in the tenant (the core's default: administrators only)."""
    answer = tenant_hooks(pm, tenant.plugin).cme_credit_entry_policy(tenant=tenant)
    return answer if isinstance(answer, EntryPolicy) else EntryPolicy()


def effective_on(
    pm: pluggy.PluginManager, tenant: TenantContext, subject: ApprovalSubject, approved_on: date
) -> date:
    """The day a credit approved on ``approved_on`` starts to count (never before the approval)."""
    answer = tenant_hooks(pm, tenant.plugin).cme_credit_effective_on(
        tenant=tenant, subject=subject, approved_on=approved_on
    )
    if isinstance(answer, date) and answer >= approved_on:
        return answer
    return approved_on
