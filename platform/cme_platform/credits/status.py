"""The lifecycle of a credit record and the one definition of "effective".

``draft`` (saved, not sent) → ``submitted`` (waiting for the first step) → ``in_review`` (a step
approved, the next one waits) → ``approved``; or ``returned`` (sent back for changes, editable and
re-submittable) or ``rejected`` (final). An approved record is **effective** (生效, counts toward
compliance) from its ``effective_on`` date: Zhejiang approves today and counts tomorrow. Effectiveness
is a fact of the date, not a stored status, so no job has to run at midnight for it to happen.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cme_platform.credits.tables import CreditRecord
from cme_platform.labels import LabelledEnum


class CreditStatus(LabelledEnum):
    """Where a credit record stands (effectiveness is a date, not a status: see :func:`is_effective`)."""

    DRAFT = "draft", "未上报"
    SUBMITTED = "submitted", "待审核"
    IN_REVIEW = "in_review", "审核中"
    APPROVED = "approved", "审核通过"
    RETURNED = "returned", "已退回"
    REJECTED = "rejected", "审核不通过"


DRAFT = CreditStatus.DRAFT
SUBMITTED = CreditStatus.SUBMITTED
IN_REVIEW = CreditStatus.IN_REVIEW
APPROVED = CreditStatus.APPROVED
RETURNED = CreditStatus.RETURNED
REJECTED = CreditStatus.REJECTED
EFFECTIVE_LABEL = "已生效"
PENDING_EFFECT_LABEL = "审核通过（{day}生效）"

EDITABLE = frozenset({DRAFT, RETURNED})
"""Statuses in which the person who entered a record may still change or delete it."""
UNDER_REVIEW = frozenset({SUBMITTED, IN_REVIEW})
NOT_EFFECTIVE_EDITABLE_BY_ADMIN = frozenset({DRAFT, SUBMITTED, IN_REVIEW, RETURNED, REJECTED})
"""Statuses in which an administrator of the person's unit may edit or delete (002 §5.1: 未生效的学分)."""


def is_effective(status: str, effective_on: date | None, today: date) -> bool:
    """True when a record with ``status`` and ``effective_on`` counts on ``today``."""
    return status == APPROVED and effective_on is not None and effective_on <= today


def effective_clause(today: date) -> Any:
    """A Piccolo where-clause selecting the records effective on ``today``."""
    return (CreditRecord.status == APPROVED) & (CreditRecord.effective_on <= today)


def status_label(status: str, effective_on: date | None, today: date) -> str:
    """How pages name a record's state: ``已生效``, ``审核通过（2026-11-28生效）``, ``待审核``…"""
    if status == APPROVED and effective_on is not None:
        if effective_on <= today:
            return EFFECTIVE_LABEL
        return PENDING_EFFECT_LABEL.format(day=effective_on.isoformat())
    return CreditStatus.label_of(status)
