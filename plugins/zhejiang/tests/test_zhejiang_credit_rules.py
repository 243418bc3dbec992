"""Zhejiang's credit hooks: categories, entry policy, approval chains, next-day effect, compliance."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
import pytest
from cme_platform.approvals import kinds
from cme_platform.approvals.chains import DEFAULT_CHAIN, ApprovalSubject
from cme_platform.compliance.standards import ComplianceStandard
from cme_platform.plugins.manager import get_plugin_manager, tenant_hooks
from cme_platform.projects.policy import DECLARATION_CHAIN
from cme_platform.tenancy.context import TenantContext
from cme_zhejiang.settings import ZhejiangSettings

YEAR = 2025


def _tenant(**settings: Any) -> TenantContext:
    stored = msgspec.to_builtins(msgspec.convert(settings, ZhejiangSettings))
    return TenantContext(id=1, slug="zj", name="浙江省继续医学教育委员会", plugin="zhejiang", settings=stored)


def _hooks() -> Any:
    return tenant_hooks(get_plugin_manager(), "zhejiang")


def _chain(tenant: TenantContext, entered_as: str, **attributes: Any) -> Any:
    subject = ApprovalSubject(kind=kinds.CREDIT_PERSONAL, entered_as=entered_as, attributes=attributes)
    return _hooks().cme_approval_chain(tenant=tenant, subject=subject)


def _roles(chain: Any) -> list[str]:
    return [step.role for step in chain.steps]


def _standard(standards: list[ComplianceStandard], level: str) -> ComplianceStandard:
    return next(s for s in standards if s.applies_to(level))


def test_categories_are_class_one_and_two_with_the_summarys_subcategories():
    categories = _hooks().cme_credit_categories(tenant=_tenant(), year=YEAR)
    assert [c.name for c in categories] == ["I类学分", "II类学分"]
    assert categories[0].subcategories[:4] == (
        "国家级继续医学教育项目",
        "省级继续医学教育项目",
        "省级推广项目",
        "省、市级学术年会",
    )
    assert "赴外省面授获得学分（国家级）" in categories[0].subcategories
    assert "6个月以下外出进修" in categories[1].subcategories
    assert "赴外省面授获得学分（省级）" not in categories[1].subcategories


@pytest.mark.parametrize("year", [2019, 2024, 2025])
def test_every_guided_standard_belongs_to_a_listed_category_and_subcategory(year):
    hooks, tenant = _hooks(), _tenant()
    listed = {
        (c.name, sub)
        for c in hooks.cme_credit_categories(tenant=tenant, year=year)
        for sub in c.subcategories
    }
    standards = hooks.cme_credit_standards(tenant=tenant, year=year)
    assert len(standards) == 13
    missing = [s.code for s in standards if (s.category, s.subcategory) not in listed]
    assert not missing
    assert {s.category for s in standards[:4]} == {"I类学分"} and {s.category for s in standards[4:]} == {
        "II类学分"
    }


def test_entry_policy_follows_the_grant_setting():
    policy = _hooks().cme_credit_entry_policy(tenant=_tenant())
    assert policy.learner_entry == "granted" and policy.guided and policy.free
    assert {"远程教育", "单位、科室组织的活动", "个人活动"} <= set(policy.forms)
    open_policy = _hooks().cme_credit_entry_policy(tenant=_tenant(learner_self_entry_requires_grant=False))
    assert open_policy.learner_entry == "always"


def test_a_learners_entry_goes_to_department_then_institution():
    chain = _chain(
        _tenant(), "learner", subcategory="发表论文、综述（发表当年）（前三）", standard_code="zj-12"
    )
    assert chain.code == "zj.personal"
    assert _roles(chain) == ["department_admin", "institution_admin"]
    assert [step.label for step in chain.steps] == ["科室审核", "单位审核"]
    assert chain.steps[0].when_missing == "skip" and chain.steps[1].when_missing == "escalate"


@pytest.mark.parametrize(
    ("entered_as", "roles"),
    [
        ("department_admin", ["institution_admin"]),
        ("institution_admin", ["institution_admin"]),
        ("commission_admin", ["institution_admin"]),
    ],
)
def test_an_administrators_entry_skips_the_department(entered_as, roles):
    assert _roles(_chain(_tenant(), entered_as, subcategory="科研立项")) == roles


@pytest.mark.parametrize(
    "attributes",
    [
        {"subcategory": "赴外省面授获得学分（国家级）"},
        {"subcategory": "赴外省面授获得学分（省级）"},
        {"standard_code": "zj-01"},
        {"standard_code": "zj-04"},
    ],
)
def test_out_of_province_credits_add_the_higher_administrations_review(attributes):
    chain = _chain(_tenant(), "learner", **attributes)
    assert chain.code == "zj.personal.out_of_province"
    assert _roles(chain) == ["department_admin", "institution_admin", "region_admin"]
    assert chain.steps[-1].label == "上级管理部门审核" and chain.steps[-1].when_missing == "escalate"
    by_department = _chain(_tenant(), "department_admin", **attributes)
    assert _roles(by_department) == ["institution_admin", "region_admin"]


def test_out_of_province_review_can_be_switched_off():
    tenant = _tenant(out_of_province_credits_need_review=False)
    chain = _chain(tenant, "learner", standard_code="zj-02", subcategory="赴外省面授获得学分（国家级）")
    assert chain.code == "zj.personal" and _roles(chain) == ["department_admin", "institution_admin"]


def test_other_subjects_use_the_core_chains():
    other = ApprovalSubject(kind="example.other", entered_as="learner")
    assert _hooks().cme_approval_chain(tenant=_tenant(), subject=other) == DEFAULT_CHAIN
    declared = ApprovalSubject(kind=kinds.PROJECT_DECLARATION, entered_as="department_admin")
    assert _hooks().cme_approval_chain(tenant=_tenant(), subject=declared) == DECLARATION_CHAIN


def test_approved_personal_credits_take_effect_the_next_day():
    subject = ApprovalSubject(kind=kinds.CREDIT_PERSONAL, entered_as="learner")
    hooks = _hooks()
    assert hooks.cme_credit_effective_on(
        tenant=_tenant(), subject=subject, approved_on=date(2025, 12, 31)
    ) == date(2026, 1, 1)
    same_day = hooks.cme_credit_effective_on(
        tenant=_tenant(credit_effective_delay_days=0), subject=subject, approved_on=date(2025, 3, 1)
    )
    assert same_day == date(2025, 3, 1)
    other = ApprovalSubject(kind="project.declaration")
    assert hooks.cme_credit_effective_on(
        tenant=_tenant(), subject=other, approved_on=date(2025, 3, 1)
    ) == date(2025, 3, 1)


def test_compliance_follows_the_national_rule_per_title_level():
    standards = _hooks().cme_compliance_standards(tenant=_tenant(), year=YEAR)
    assert [s.title_levels for s in standards] == [("初级",), ("中级",), ("副高",), ("正高",)]
    junior = _standard(standards, "中级")
    assert junior.total_min == 2500
    assert [(r.category, r.min, r.max) for r in junior.requirements] == [
        ("I类学分", 500, 1000),
        ("II类学分", 1500, 2000),
    ]
    assert sum(r.max or 0 for r in junior.requirements) >= junior.total_min
    senior = _standard(standards, "正高")
    five_years = senior.requirements[-1]
    assert (five_years.category, five_years.subcategory, five_years.min, five_years.years) == (
        "I类学分",
        "国家级继续医学教育项目",
        1000,
        5,
    )
    assert senior.text.endswith("5年内国家级继续医学教育项目不少于10分")


def test_the_tenant_file_overrides_the_compliance_numbers():
    tenant = _tenant(compliance_total_min=30, compliance_category_min={"I类学分": 12, "II类学分": 0})
    standard = _standard(_hooks().cme_compliance_standards(tenant=tenant, year=YEAR), "初级")
    assert standard.total_min == 3000
    assert [(r.category, r.min, r.max) for r in standard.requirements] == [
        ("I类学分", 1200, 1200),
        ("II类学分", 0, 2000),
    ]
    assert "I类学分不少于12分" in standard.text and "II类学分不少于" not in standard.text


def test_caps_are_dropped_when_they_could_not_reach_the_total():
    tenant = _tenant(compliance_total_min=40)
    standard = _standard(_hooks().cme_compliance_standards(tenant=tenant, year=YEAR), "初级")
    assert [(r.min, r.max) for r in standard.requirements] == [(500, None), (1500, None)]


@pytest.mark.parametrize(
    "settings",
    [
        {"compliance_category_min": {"I类": 5}},
        {"compliance_category_min": {"I类学分": -1}},
        {"compliance_category_min": {"I类学分": 5.5}},
        {"compliance_total_min": -1},
        {"compliance_total_min": 101},
    ],
)
def test_bad_compliance_settings_are_rejected(settings):
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(settings, ZhejiangSettings)
