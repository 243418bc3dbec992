"""Jiangsu's credit hooks: project-level categories, entry policy, core defaults, compliance."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
import pytest
from cme_jiangsu.settings import JiangsuSettings
from cme_platform.approvals import kinds
from cme_platform.approvals.chains import DEFAULT_CHAIN, ApprovalSubject
from cme_platform.plugins.manager import get_plugin_manager, tenant_hooks
from cme_platform.tenancy.context import TenantContext


def _tenant(**settings: Any) -> TenantContext:
    stored = msgspec.to_builtins(msgspec.convert(settings, JiangsuSettings))
    return TenantContext(id=1, slug="js", name="江苏省继续医学教育委员会", plugin="jiangsu", settings=stored)


def _hooks() -> Any:
    return tenant_hooks(get_plugin_manager(), "jiangsu")


def test_categories_are_the_two_project_levels():
    categories = _hooks().cme_credit_categories(tenant=_tenant(), year=2025)
    assert [c.name for c in categories] == ["国家级继续医学教育项目", "省级继续医学教育项目"]
    assert _hooks().cme_credit_standards(tenant=_tenant(), year=2025) == []


def test_only_administrators_enter_credits_by_hand():
    policy = _hooks().cme_credit_entry_policy(tenant=_tenant())
    assert policy.learner_entry == "never" and policy.free and not policy.guided


def test_the_core_default_chain_and_same_day_effect_apply():
    hooks, tenant = _hooks(), _tenant()
    subject = ApprovalSubject(kind=kinds.CREDIT_PERSONAL, entered_as="institution_admin")
    assert hooks.cme_approval_chain(tenant=tenant, subject=subject) == DEFAULT_CHAIN
    assert hooks.cme_credit_effective_on(
        tenant=tenant, subject=subject, approved_on=date(2025, 5, 1)
    ) == date(2025, 5, 1)


@pytest.mark.parametrize(("year", "senior_requirements"), [(2023, 1), (2024, 0)])
def test_compliance_changes_with_the_2024_national_rules(year, senior_requirements):
    standards = _hooks().cme_compliance_standards(tenant=_tenant(), year=year)
    assert [s.title_levels for s in standards] == [("初级",), ("中级",), ("副高",), ("正高",)]
    assert all(s.total_min == 2500 for s in standards) and not standards[0].requirements
    assert len(standards[2].requirements) == senior_requirements
    if senior_requirements:
        assert standards[2].requirements[0].text == "5年内国家级继续医学教育项目不少于10分"


def test_the_tenant_file_overrides_the_compliance_numbers():
    tenant = _tenant(compliance_total_min=20, compliance_category_min={"省级继续医学教育项目": 10})
    standard = _hooks().cme_compliance_standards(tenant=tenant, year=2025)[1]
    assert standard.text == "年度学分不少于20分；省级继续医学教育项目不少于10分"


@pytest.mark.parametrize(
    "settings",
    [{"compliance_category_min": {"市级继续医学教育项目": 5}}, {"compliance_total_min": 101}],
)
def test_bad_compliance_settings_are_rejected(settings):
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(settings, JiangsuSettings)
