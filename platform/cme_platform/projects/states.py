"""Where a project and a run's hosting application stand, with the labels users read."""

from __future__ import annotations

from cme_platform.labels import LabelledEnum


class ProjectStatus(LabelledEnum):
    """A project's declaration status."""

    DRAFT = "draft", "未提交"
    SUBMITTED = "submitted", "评审中"
    PUBLISHED = "published", "已公布"
    RETURNED = "returned", "已退回"
    REJECTED = "rejected", "未通过"


class ProjectSource(LabelledEnum):
    """How a project came into the platform."""

    ENTERED = "entered", "项目录入"
    DECLARED = "declared", "本系统申报"
    IMPORTED = "imported", "导入"


class RunStatus(LabelledEnum):
    """Where a run's hosting application (举办申请) stands."""

    DRAFT = "draft", "未上报"
    SUBMITTED = "submitted", "审核中"
    APPROVED = "approved", "已批准举办"
    RETURNED = "returned", "退回修改"
    REJECTED = "rejected", "审核不通过"


EDITABLE_RUN = (RunStatus.DRAFT.value, RunStatus.RETURNED.value)
"""A run in these states may be changed by its owner and submitted."""

OUTCOME_STATUS = {
    "advanced": RunStatus.SUBMITTED,
    "approved": RunStatus.APPROVED,
    "rejected": RunStatus.REJECTED,
    "returned": RunStatus.RETURNED,
}
"""The run's status after each outcome of a decision on its application."""


class ReviewOpinion(LabelledEnum):
    """An expert's recommendation on a declaration (专家评审意见)."""

    APPROVE = "approve", "建议通过"
    REVISE = "revise", "修改后通过"
    REJECT = "reject", "不建议通过"


class ListStatus(LabelledEnum):
    """Where a run's attendee list (学员名单) stands."""

    SUBMITTED = "submitted", "审核中"
    GRANTED = "granted", "已授予学分"
    RETURNED = "returned", "退回修改"
    REJECTED = "rejected", "不予授分"


LIST_OUTCOME_STATUS = {
    "advanced": ListStatus.SUBMITTED,
    "approved": ListStatus.GRANTED,
    "rejected": ListStatus.REJECTED,
    "returned": ListStatus.RETURNED,
}
"""The list's status after each outcome of a decision on it."""
