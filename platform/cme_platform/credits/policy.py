"""What a province plugin says about its credits: categories, who may enter credits, when they count.

These are the values of the hooks ``cme_credit_categories``, ``cme_credit_entry_policy`` and
``cme_credit_effective_on`` (see :mod:`cme_platform.plugins.hookspecs`); the core reads them through
``tenant_hooks(pm, tenant)``, its default plugin answering where the province does not.
"""

from __future__ import annotations

from typing import Literal

import msgspec

OTHER_CATEGORY = "其他"
"""Where credits of a category the province does not list are summed (seed 003: 其他学分)."""

DEFAULT_FORMS: tuple[str, ...] = (
    "学术会议",
    "培训班",
    "学习班",
    "讲座",
    "远程教育",
    "单位、科室组织的活动",
    "病例讨论会",
    "个人活动",
    "其他",
)
"""举办方式 offered by the free entry form when the province names none."""


class CreditCategory(msgspec.Struct, frozen=True, kw_only=True):
    """A credit category (学分类别, e.g. ``I类学分``) and its subcategories (学分子类别) in display order."""

    name: str
    subcategories: tuple[str, ...] = ()
    note: str = ""


class EntryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How personal credits are entered in a province.

    ``learner_entry``: ``never`` (only administrators enter credits), ``granted`` (a learner may enter
    his own once his institution or department opened the right, 需单位开通权限) or ``always``.
    ``guided`` and ``free`` switch the two entry forms (向导录入 through the standard table, 非向导录入 by
    hand); ``forms`` is the 举办方式 vocabulary of the free form.
    """

    learner_entry: Literal["never", "granted", "always"] = "never"
    guided: bool = True
    free: bool = True
    forms: tuple[str, ...] = DEFAULT_FORMS
    standard_grants: tuple[str, ...] = ()
    """Codes of the standards an institution (or its region, or the commission) grants to many people at
    once (按标准授分: the standard, the people, the activity); empty: no such grant in the province."""


class GrantBasis(msgspec.Struct, frozen=True, kw_only=True):
    """One record a grant may name as its basis: a filed plan, a notice… (``id`` in the plugin's table)."""

    id: int
    label: str


class GrantBases(msgspec.Struct, frozen=True, kw_only=True):
    """What a grant under a standard must name as its basis (按标准授分: 学分授予需与备案计划核对).

    ``kind`` names the plugin's records (``beijing.activity_plan``); ``label`` is what the form calls them
    (备案计划); ``choices`` are those the granting account may name (none: the grant is refused with
    ``missing``, which says what to do first).
    """

    kind: str
    label: str
    choices: list[GrantBasis]
    missing: str = ""
