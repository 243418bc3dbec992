"""Zhejiang's page: the public credit policy page.

The vocabulary below is Zhejiang's, taken from the manuals of the Zhejiang CME management system:
the class I/II credit summary (seed 003, 学分汇总), the guided personal-entry rules (seed 002,
依据本省学分管理方法向导录入, in :mod:`cme_zhejiang.standards`), internal training and the electronic
credit certificate. The platform mounts these handlers under ``/p/zhejiang/``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from cme_platform.identity.principal import principal_of
from cme_platform.tenancy.scope import current_tenant
from cme_platform.web import page_context
from litestar import Request, get
from litestar.response import Template

from cme_zhejiang.settings import tenant_settings
from cme_zhejiang.standards import guided_standards


class CreditClass(msgspec.Struct, frozen=True):
    """A credit category (学分类别) and its sub-categories (学分子类别)."""

    name: str
    subcategories: tuple[str, ...]


CREDIT_CLASSES: tuple[CreditClass, ...] = (
    CreditClass(
        "I类学分", ("国家级继续医学教育项目", "省级继续医学教育项目", "省级推广项目", "省、市级学术年会")
    ),
    CreditClass(
        "II类学分",
        (
            "市级II类项目",
            "市级继续医学教育项目",
            "县级继续医学教育项目",
            "自学笔记",
            "四新教育",
            "发表学术论文",
            "科研立项",
            "出版医学著作",
            "考察和研究报告",
            "医学译文",
            "单位和科室组织的活动",
            "6个月以下外出进修",
            "其他II类学分",
        ),
    ),
)
"""The credit summary of the personal edition (seed 003, 图-9); totals also show 其他学分."""


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
    return Template(
        template_name="zhejiang/policy.html",
        context={
            **page_context(request),
            "settings": settings,
            "effective_text": effective_delay_text(settings.credit_effective_delay_days),
            "credit_classes": CREDIT_CLASSES,
            "guided_rules": guided_standards(date.today().year),
        },
    )


routes = [policy]
"""The handlers ``cme_routes`` contributes."""
