"""Zhejiang's page: the public credit policy page.

The vocabulary below is Zhejiang's, taken from the manuals of the Zhejiang CME management system:
the class I/II credit summary (seed 003, 学分汇总), the 2025 guided personal-entry rules (seed 002,
依据本省学分管理方法向导录入), internal training and the electronic credit certificate. The platform
mounts these handlers under ``/p/zhejiang/``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from cme_platform.identity.principal import principal_of
from cme_platform.tenancy.scope import current_tenant
from cme_platform.web import page_context
from litestar import Request, get
from litestar.response import Template

from cme_zhejiang.settings import tenant_settings


class CreditClass(msgspec.Struct, frozen=True):
    """A credit category (学分类别) and its sub-categories (学分子类别)."""

    name: str
    subcategories: tuple[str, ...]


class GuidedRule(msgspec.Struct, frozen=True):
    """One rule of the guided personal credit entry (向导录入)."""

    name: str
    rule: str
    subcategory: str


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

_SUPPORT = "执行援藏、援疆、援青、援外任务及重大应急救援等政府指令性任务"
_PAPER = "发表论文、综述（发表当年）（前三）"

GUIDED_RULES: tuple[GuidedRule, ...] = (
    GuidedRule("赴外省获得学分（国家级）", "每3小时授予1分（最高限分10）", "赴外省面授获得学分（国家级）"),
    GuidedRule(
        "主讲人赴外省获得学分（国家级）", "每1小时授予2分（最高限分10）", "赴外省面授获得学分（国家级）"
    ),
    GuidedRule("赴外省获得学分（省级）", "每1小时授予1分（最高限分10）", "赴外省面授获得学分（省级）"),
    GuidedRule("主讲人赴外省获得学分（省级）", "每1小时授予2分（最高限分10）", "赴外省面授获得学分（省级）"),
    GuidedRule(
        "脱产赴上级单位外出进修不满三个月", "每1天授予1分（最高限分15）", "脱产到上级医疗卫生单位进修"
    ),
    GuidedRule("脱产赴上级单位外出进修满三个月", "每1次授予25分（最高限分25）", "脱产到上级医疗卫生单位进修"),
    GuidedRule("赴国（境）外进修或培训不满三个月", "每1天授予1分（最高限分15）", "赴国（境）外进修或培训"),
    GuidedRule("赴国（境）外进修或培训满三个月", "每1次授予25分（最高限分25）", "赴国（境）外进修或培训"),
    GuidedRule(_SUPPORT + "（按天计）", "每1天授予1分（最高限分15）", _SUPPORT),
    GuidedRule(_SUPPORT + "（按次计）", "每1次授予25分（最高限分25）", _SUPPORT),
    GuidedRule("在职学历教育", "每1次授予25分（最高限分25）", "参加脱产或半脱产学历（学位）教育"),
    GuidedRule(
        "发表学术论文（发表当年）-SCI收录期刊", "第一作者（通讯作者）25分，第二作者15分，第三作者10分", _PAPER
    ),
    GuidedRule("发表学术论文（发表当年）-中文核心期刊", "第一作者（通讯作者）15分，第二作者10分", _PAPER),
)
"""The 2025 guided-entry table of seed 002 (5.2 个人学分录入管理), in its order."""


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
            "guided_rules": GUIDED_RULES,
        },
    )


routes = [policy]
"""The handlers ``cme_routes`` contributes."""
