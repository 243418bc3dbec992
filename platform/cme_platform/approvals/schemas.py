"""What the approvals API and pages exchange: the inbox of every kind of subject, decisions, history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from cme_platform.api.params import Count, RowId


class SummaryField(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One fact an approver needs to see in the list (``学分``: ``2.5``)."""

    label: str
    value: str
    planned: bool = False
    """The value is a planned time (a session's start), which may lie in the future."""


class Attachment(msgspec.Struct, frozen=True, kw_only=True):
    """A file that comes with the subject (evidence, a plan file), opened through the file service."""

    name: str
    file_id: int
    content_type: str = ""
    """The stored file's type: images and PDFs are shown in the page (empty: a download link only)."""


class SubjectSummary(msgspec.Struct, frozen=True, kw_only=True):
    """How a subject handler describes one subject to its approvers."""

    title: str
    link: str
    """Tenant-relative path of the subject's own page (``/credits/12``)."""
    fields: list[SummaryField] = msgspec.field(default_factory=list)
    attachments: list[Attachment] = msgspec.field(default_factory=list)


class InboxItem(msgspec.Struct, frozen=True, kw_only=True):
    """A step waiting for the caller, with the subject it is about."""

    request_id: int
    version: int
    subject_type: str
    kind_label: str
    subject_id: int
    step_label: str
    submitted_at: datetime
    title: str
    link: str
    fields: list[SummaryField]
    attachments: list[Attachment]


class KindCount(msgspec.Struct, frozen=True, kw_only=True):
    """How many items of one subject type wait for the caller."""

    subject_type: str
    label: str
    count: int


class InboxPage(msgspec.Struct, frozen=True, kw_only=True):
    """The approver's inbox, oldest first, with the waiting count of every kind (for the filter)."""

    items: list[InboxItem]
    total: int
    page: int
    page_size: int
    kind: str | None
    kinds: list[KindCount]


class DecisionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An approver's decision on one waiting item (``version`` as seen, to refuse a stale decision)."""

    action: Literal["approve", "reject", "return"]
    comment: Annotated[str, msgspec.Meta(max_length=500)] = ""
    version: Count | None = None


class BatchDecisionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The same decision on several waiting items (批量审核)."""

    action: Literal["approve", "reject", "return"]
    ids: Annotated[list[RowId], msgspec.Meta(min_length=1, max_length=500)]
    comment: Annotated[str, msgspec.Meta(max_length=500)] = ""


class Skipped(msgspec.Struct, frozen=True, kw_only=True):
    """A request a batch left alone, with its title and why (decided meanwhile, not yours, not found)."""

    id: int
    title: str
    reason: str


class BatchDone(msgspec.Struct, frozen=True, kw_only=True):
    """What a batch did: the requests it moved and those it skipped."""

    done: list[int]
    skipped: list[Skipped]


class ActionOut(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of a request's history."""

    step: int
    role: str
    action: str
    action_label: str
    comment: str
    account_name: str
    at: datetime


class RequestOut(msgspec.Struct, frozen=True, kw_only=True):
    """A request as its approvers and its submitter see it, with its history."""

    id: int
    version: int
    subject_type: str
    kind_label: str
    subject_id: int
    title: str
    link: str
    chain: str
    steps: list[str]
    step_label: str
    status: str
    status_label: str
    submitted_at: datetime
    decided_at: datetime | None
    can_decide: bool
    history: list[ActionOut]
