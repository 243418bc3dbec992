"""Zhejiang's page: the public credit policy page.

The vocabulary below is Zhejiang's, taken from the manuals of the Zhejiang CME management system:
the class I/II credit summary (seed 003, 学分汇总, in :mod:`cme_zhejiang.credits`), the guided
personal-entry rules (seed 002, 依据本省学分管理方法向导录入, in :mod:`cme_zhejiang.standards`), the
compliance standards (:mod:`cme_zhejiang.compliance`), internal training and the electronic credit
certificate. The platform mounts these handlers under ``/p/zhejiang/``.
"""

from __future__ import annotations

from typing import Any

from cme_admin_ui.kit import page_context
from cme_platform.clock import today
from cme_platform.identity.current import principal_of
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, get
from litestar.response import Template

from cme_zhejiang.compliance import compliance_standards
from cme_zhejiang.credits import credit_categories
from cme_zhejiang.settings import tenant_settings
from cme_zhejiang.standards import guided_standards


def effective_delay_text(days: int) -> str:
    """How the policy page says when an approved personal credit becomes effective (``1`` → 次日生效)."""
    if days == 0:
        return "当日生效"
    if days == 1:
        return "次日生效"
    return f"{days}日后生效"


@get("/policy", include_in_schema=False)
async def policy(request: Request[Any, Any, Any]) -> Template:
    """Public page: Zhejiang's credit categories, guided-entry rules and when credits become effective."""
    await principal_of(request)
    settings = tenant_settings(current_tenant())
    year = today().year
    return Template(
        template_name="zhejiang/policy.html",
        context={
            **page_context(request),
            "settings": settings,
            "effective_text": effective_delay_text(settings.credit_effective_delay_days),
            "credit_classes": credit_categories(year),
            "guided_rules": guided_standards(year),
            "compliance_standards": compliance_standards(year, settings),
        },
    )


routes = [policy]
"""The handlers ``cme_routes`` contributes."""
