"""Beijing's credit hooks: categories, entry policy, the core's chain and same-day effect, compliance."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
import pytest
from cme_beijing.settings import BeijingSettings
from cme_platform.approvals import kinds
from cme_platform.approvals.chains import DEFAULT_CHAIN, ApprovalSubject
from cme_platform.plugins.manager import get_plugin_manager, tenant_hooks
from cme_platform.tenancy.context import TenantContext


def _tenant(**settings: Any) -> TenantContext:
    stored = msgspec.to_builtins(msgspec.convert(settings, BeijingSettings))
    return TenantContext(id=1, slug="bj", name="北京市继续医学教育委员会", plugin="beijing", settings=stored)


def _hooks() -> Any:
    return tenant_hooks(get_plugin_manager(), "beijing")


def test_categories_cover_every_standards_category():
    hooks, tenant = _hooks(), _tenant()
    categories = hooks.cme_credit_categories(tenant=tenant, year=2025)
    names = [c.name for c in categories]
    assert names[0] == "国家级继续医学教育项目" and "有计划的自学" in names
    assert "I类学分" not in names and all(not c.subcategories for c in categories)
    standards = hooks.cme_credit_standards(tenant=tenant, year=2025)
    assert len(standards) == 20
    assert {s.category for s in standards} <= set(names)
    assert [s.subcategory for s in standards] == [""] * 20


def test_only_administrators_enter_credits_through_the_standard_table():
    policy = _hooks().cme_credit_entry_policy(tenant=_tenant())
    assert policy.learner_entry == "never" and policy.guided and not policy.free
    assert len(policy.forms) == 7 and policy.forms[5] == "有计划的自学"


def test_the_core_default_chain_and_same_day_effect_apply():
    hooks, tenant = _hooks(), _tenant()
    subject = ApprovalSubject(kind=kinds.CREDIT_PERSONAL, entered_as="institution_admin")
    assert hooks.cme_approval_chain(tenant=tenant, subject=subject) == DEFAULT_CHAIN
    assert hooks.cme_credit_effective_on(
        tenant=tenant, subject=subject, approved_on=date(2025, 5, 1)
    ) == date(2025, 5, 1)


def test_before_2024_seniors_also_need_national_projects_over_five_years():
    standards = _hooks().cme_compliance_standards(tenant=_tenant(), year=2023)
    assert [s.title_levels for s in standards] == [("初级",), ("中级",), ("副高",), ("正高",)]
    assert all(s.total_min == 2500 for s in standards)
    assert [len(s.requirements) for s in standards] == [0, 0, 1, 1]
    national = standards[3].requirements[0]
    assert (national.category, national.min, national.years) == ("国家级继续医学教育项目", 1000, 5)


def test_from_2024_a_yearly_total_only():
    standards = _hooks().cme_compliance_standards(tenant=_tenant(), year=2025)
    assert [(s.total_min, s.requirements) for s in standards] == [(2500, ())] * 4
    assert standards[0].text == "年度学分不少于25分"


def test_the_tenant_file_overrides_the_compliance_numbers():
    tenant = _tenant(
        compliance_total_min=30, compliance_category_min={"国家级继续医学教育项目": 5, "进修学习": 0}
    )
    standard = _hooks().cme_compliance_standards(tenant=tenant, year=2025)[0]
    assert standard.total_min == 3000
    assert [(r.category, r.min, r.max) for r in standard.requirements] == [
        ("国家级继续医学教育项目", 500, None)
    ]


@pytest.mark.parametrize(
    "settings",
    [
        {"compliance_category_min": {"I类学分": 5}},
        {"compliance_category_min": {"进修学习": 101}},
        {"compliance_total_min": "25"},
    ],
)
def test_bad_compliance_settings_are_rejected(settings):
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(settings, BeijingSettings)
