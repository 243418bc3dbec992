"""Zhejiang's approval chains for personal credits and when approved credits become effective.

Seed 002 §5.2: "被授权的科室和个人也可以录入，需要最终单位审核才相当于单位录入，审核通过的个人学分次日生效",
and "赴外省获得学分经上级管理部门审核通过后生效"; §5.3: the department reviews what its learners entered.
"""

from __future__ import annotations

from datetime import date, timedelta

from cme_platform.approvals import kinds
from cme_platform.approvals.chains import ApprovalSubject, Chain, ChainStep

from cme_zhejiang.credits import OUT_OF_PROVINCE_SUBCATEGORIES
from cme_zhejiang.settings import ZhejiangSettings
from cme_zhejiang.standards import guided_standards

OUT_OF_PROVINCE_CODES: frozenset[str] = frozenset(
    s.code for s in guided_standards(2025) if s.subcategory in OUT_OF_PROVINCE_SUBCATEGORIES
)
"""Guided standards for credits gained in another province (``zj-01`` … ``zj-04``; codes are the same
every year)."""

DEPARTMENT_STEP = ChainStep(role="department_admin", label="科室审核")
"""The learner's department reviews first (seed 002 §5.3); skipped when he belongs to none."""

INSTITUTION_STEP = ChainStep(role="institution_admin", label="单位审核", when_missing="escalate")
"""The institution's review, which makes the record count as the institution's own entry."""

HIGHER_STEP = ChainStep(role="region_admin", label="上级管理部门审核", when_missing="escalate")
"""The higher administration's review of out-of-province credits (the commission where no region)."""


def is_out_of_province(subject: ApprovalSubject) -> bool:
    """True when the record's subcategory or guided standard is one of the 赴外省 rows."""
    facts = subject.attributes
    return (
        facts.get("subcategory") in OUT_OF_PROVINCE_SUBCATEGORIES
        or facts.get("standard_code") in OUT_OF_PROVINCE_CODES
    )


def personal_credit_chain(subject: ApprovalSubject, settings: ZhejiangSettings) -> Chain | None:
    """The chain of a personal credit record; ``None`` (the core's default) for any other subject.

    A learner's entry goes to his department, then his institution; an administrator's entry has the
    institution review only, and the engine skips it where the submitter is the institution (or a level
    above): every personal credit passes 单位审核, which is what makes it count as the institution's own
    entry. Out-of-province credits add the higher administration's review when
    ``out_of_province_credits_need_review`` is on.
    """
    if subject.kind != kinds.CREDIT_PERSONAL:
        return None
    steps = [DEPARTMENT_STEP, INSTITUTION_STEP] if subject.entered_as == "learner" else [INSTITUTION_STEP]
    if settings.out_of_province_credits_need_review and is_out_of_province(subject):
        steps.append(HIGHER_STEP)
        return Chain(code="zj.personal.out_of_province", name="赴外省学分审核", steps=tuple(steps))
    return Chain(code="zj.personal", name="个人学分审核", steps=tuple(steps))


def effective_on(subject: ApprovalSubject, approved_on: date, settings: ZhejiangSettings) -> date | None:
    """Personal credits count ``credit_effective_delay_days`` after approval (次日生效); others at once."""
    if subject.kind != kinds.CREDIT_PERSONAL:
        return None
    return approved_on + timedelta(days=settings.credit_effective_delay_days)
