"""Shapes of the credit ledger's JSON API and services (msgspec structs).

Amounts travel as decimals in requests (``"2.5"`` or ``2.5`` credits, ``"7.5"`` hours) and as integer
hundredths plus a display text in responses (``credits: 250, credits_text: "2.5"``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from cme_platform.api.params import Quantity, RowId
from cme_platform.approvals.schemas import ActionOut

Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Text64 = Annotated[str, msgspec.Meta(max_length=64)]
KeywordField = Literal["name", "id_number", "person_number", "phone"]
StatusFilter = Literal["draft", "submitted", "in_review", "approved", "effective", "returned", "rejected"]


class GuidedInputs(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The figures a guided standard asks for (see ``GET /api/standards``: each standard's ``inputs``)."""

    hours: Decimal | None = None
    days: Quantity | None = None
    occurrences: Quantity | None = None
    author_rank: Quantity | None = None
    project_credits: Decimal | None = None


class CreditIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A personal credit to enter or change.

    Guided entry (向导录入) names ``standard_code`` and gives ``inputs``: the credits, category,
    subcategory and role come from the standard. Free entry (非向导录入) gives ``category``
    (``subcategory``), ``credits`` and ``hours`` by hand. ``person_id`` is for administrators entering a
    person's credit; a learner always enters his own. ``evidence_ids`` are stored files (purpose
    ``evidence``) the caller uploaded; submitting needs at least one.
    """

    activity_name: Text200
    activity_date: date
    activity_number: Text64 = ""
    person_id: RowId | None = None
    standard_code: str | None = None
    inputs: GuidedInputs | None = None
    category: Text64 = ""
    subcategory: Annotated[str, msgspec.Meta(max_length=100)] = ""
    credits: Decimal | None = None
    hours: Decimal | None = None
    discipline: Text64 = ""
    subdiscipline: Text64 = ""
    form: Annotated[str, msgspec.Meta(max_length=32)] = ""
    issuer: Text200 = ""
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    evidence_ids: list[RowId] = msgspec.field(default_factory=list)
    submit: bool = False


class Correction(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A commission-level correction of an effective record: the new values and the reason (required)."""

    reason: Annotated[str, msgspec.Meta(max_length=500)]
    credits: Decimal | None = None
    hours: Decimal | None = None
    category: Text64 | None = None
    subcategory: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    activity_name: Text200 | None = None
    activity_date: date | None = None


class CreditFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Filters of the credit lists (003 §4.1: 起止日期, 审核状态; 002 §5: 姓名, 证件号, 人员编号, 手机号)."""

    person_id: int | None = None
    q: str | None = None
    q_field: KeywordField = "name"
    date_from: date | None = None
    date_to: date | None = None
    year: int | None = None
    status: StatusFilter | None = None
    source: str | None = None
    category: str | None = None
    institution_id: int | None = None
    department_id: int | None = None


class EvidenceOut(msgspec.Struct, frozen=True, kw_only=True):
    """A file attached to a record."""

    file_id: int
    name: str
    content_type: str
    size: int


class ApprovalOut(msgspec.Struct, frozen=True, kw_only=True):
    """Where a record's review stands and what happened so far."""

    request_id: int
    chain: str
    status: str
    status_label: str
    step: int
    step_label: str
    steps: list[str]
    version: int
    history: list[ActionOut] = msgspec.field(default_factory=list)


class CreditOut(msgspec.Struct, frozen=True, kw_only=True):
    """A credit record as lists and detail pages show it."""

    id: int
    person_id: int
    person_name: str
    person_number: str
    institution_id: int
    institution_name: str
    department_id: int | None
    department_name: str
    year: int
    activity_date: date
    activity_name: str
    activity_number: str
    source: str
    source_label: str
    entry_mode: str
    category: str
    subcategory: str
    discipline: str
    subdiscipline: str
    form: str
    role: str
    hours: int
    hours_text: str
    credits: int
    credits_text: str
    issuer: str
    standard_code: str
    inputs: dict[str, object]
    explanation: list[str]
    note: str
    status: str
    status_label: str
    effective: bool
    effective_on: date | None
    review_comment: str
    correction_reason: str
    entered_by_name: str
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    can_edit: bool = False
    can_submit: bool = False
    can_correct: bool = False
    evidence: list[EvidenceOut] = msgspec.field(default_factory=list)
    approval: ApprovalOut | None = None


class CategoryTotal(msgspec.Struct, frozen=True, kw_only=True):
    """Credits and hours of one category in a list's totals (I类学分, II类学分, 其他)."""

    category: str
    credits: int
    credits_text: str
    hours: int
    hours_text: str


class StateTotal(msgspec.Struct, frozen=True, kw_only=True):
    """Records and credits of a list in one state (已生效, 待生效, 审核中, 未上报, 审核不通过)."""

    state: str
    label: str
    records: int
    credits: int
    credits_text: str


class Totals(msgspec.Struct, frozen=True, kw_only=True):
    """The totals under a credit list (图-7: 总学分, 总学时, I类学分, II类学分, 其他学分).

    ``credits``, ``hours`` and ``by_category`` count the records in effect today, as compliance does;
    ``records`` is the number of records listed and ``by_state`` splits them (and their credits) by state.
    """

    records: int
    credits: int
    credits_text: str
    hours: int
    hours_text: str
    by_category: list[CategoryTotal]
    by_state: list[StateTotal]


class CreditPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a credit list with the totals over the whole filtered list."""

    items: list[CreditOut]
    total: int
    page: int
    page_size: int
    totals: Totals


class IdList(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Records to act on together (批量上报)."""

    ids: Annotated[list[RowId], msgspec.Meta(min_length=1, max_length=500)]


class SelfEntryGrantIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Open the right to enter personal credits for an institution (or one of its departments)."""

    institution_id: RowId
    department_id: RowId | None = None


class SelfEntryGrantOut(msgspec.Struct, frozen=True, kw_only=True):
    """An opened right (需单位开通权限)."""

    id: int
    institution_id: int
    institution_name: str
    department_id: int | None
    department_name: str
    granted_by_name: str
    created_at: datetime


class EntryOptions(msgspec.Struct, frozen=True, kw_only=True):
    """What the entry forms offer the caller: may he enter, which forms, categories, 举办方式, disciplines."""

    may_enter: bool
    reason: str
    guided: bool
    free: bool
    categories: list[dict[str, object]]
    forms: list[str]
    disciplines: dict[str, list[str]]
