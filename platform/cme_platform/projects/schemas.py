"""What the projects API reads and answers.

Credits and hours travel as decimals in requests and as integer hundredths plus a display text in
answers (``credits: 1000, credits_text: "10"``), as in the credit ledger. Times are ISO 8601; a session's
time without an offset is China time.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from cme_platform.api.params import YearNumber
from cme_platform.files.sheet_table import ImportRowError

Text200 = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text64 = Annotated[str, msgspec.Meta(max_length=64)]
Text32 = Annotated[str, msgspec.Meta(max_length=32)]


class ProjectIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A project's basic information (项目基本信息), as its owner enters or corrects it."""

    year: YearNumber
    number: Annotated[str, msgspec.Meta(max_length=40)] = ""
    """The number of the project's approval (required when entering one; a declaration gets its number
    when it is published)."""
    name: Text200
    level: Text32
    nature: Text32 = ""
    discipline: Text64 = ""
    subdiscipline: Text64 = ""
    leader: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    credits: Decimal
    hours: Decimal = Decimal(0)
    hosting_form: Text32 = ""
    assessment: Text32 = ""
    description: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class RunIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A run (期数): where and when the project is held."""

    venue: Text200
    starts_on: date
    ends_on: date
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""
    codes_from: datetime | None = None
    """二维码有效时间 (from): the run's codes work from then until ``codes_until`` instead of the province's
    windows around each session; both or neither, within a day of the run's dates."""
    codes_until: datetime | None = None


class SessionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A session of a run (课题/课程)."""

    title: Text200
    speakers: Annotated[str, msgspec.Meta(max_length=200)] = ""
    starts_at: datetime
    ends_at: datetime
    hours: Decimal = Decimal(0)


class MaterialIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A file uploaded as ``project_material`` attached to a run as one of the province's materials."""

    kind: Text32
    file_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class SessionOut(msgspec.Struct, frozen=True, kw_only=True):
    """A session as the run's schedule shows it."""

    id: int
    title: str
    speakers: str
    starts_at: datetime
    ends_at: datetime
    hours: int
    hours_text: str


class MaterialOut(msgspec.Struct, frozen=True, kw_only=True):
    """A material the province asks for, and the file uploaded for it (if any)."""

    kind: str
    label: str
    hint: str
    required: bool
    file_id: int | None = None
    file_name: str = ""
    content_type: str = ""
    uploaded_at: datetime | None = None


class RunOut(msgspec.Struct, frozen=True, kw_only=True):
    """A run and its hosting application."""

    id: int
    project_id: int
    seq: int
    venue: str
    starts_on: date
    ends_on: date
    note: str
    status: str
    status_label: str
    step_label: str
    """Who the application waits for (``单位确认``), empty unless it is under review."""
    review_comment: str
    approval_id: int | None
    submitted_at: datetime | None
    decided_at: datetime | None
    editable: bool
    """The owner may still change the run, its sessions and materials (未上报 or 退回修改)."""
    codes_from: datetime | None = None
    codes_until: datetime | None = None
    sessions: list[SessionOut] = msgspec.field(default_factory=list)
    materials: list[MaterialOut] = msgspec.field(default_factory=list)


class ProjectOut(msgspec.Struct, frozen=True, kw_only=True):
    """A project as lists and its page show it (``number`` is empty until a declaration is published)."""

    id: int
    year: int
    number: str
    name: str
    level: str
    nature: str
    discipline: str
    subdiscipline: str
    institution_id: int
    institution_name: str
    department_id: int | None
    department_name: str
    owner_id: int | None
    delegate_id: int | None
    """The department that manages the project's runs for its institution (代办), if any."""
    delegate_name: str
    leader: str
    credits: int
    credits_text: str
    hours: int
    hours_text: str
    hosting_form: str
    assessment: str
    description: str
    source: str
    source_label: str
    status: str
    status_label: str
    review_comment: str
    """The reviewer's reason when a declaration was returned or refused."""
    approval_id: int | None
    created_at: datetime
    runs: list[RunOut] = msgspec.field(default_factory=list)
    mine: bool = False
    """The caller owns it (he may add runs and apply to hold them)."""
    holds: bool = False
    """The caller manages its runs and hosting applications (its owner, or the delegated department)."""
    full: bool = False
    """The caller owns it or administers its units: he sees every run, its materials and review."""


class DelegationIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The department of the project's institution that manages its runs (``null``: nobody, 取消代办)."""

    department_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)] | None


class ProjectPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of projects."""

    items: list[ProjectOut]
    total: int
    page: int
    page_size: int


class ProjectFilter(msgspec.Struct, frozen=True, kw_only=True):
    """The query's conditions (项目查询): all optional."""

    year: int | None = None
    level: str = ""
    discipline: str = ""
    institution_id: int | None = None
    keyword: str = ""
    run_status: str = ""


class ProjectImportOut(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of importing a project list: what was written and each row's problems."""

    code: str
    """The import list's code (``external``)."""
    label: str
    mode: str
    """``all``: nothing written when a row has an error; ``valid``: the valid rows written."""
    rows: int
    """Non-empty data rows read."""
    written: bool
    created: int
    updated: int
    unchanged: int
    error_count: int
    errors: list[ImportRowError]
    """The first 500 problems, by row."""


class ExpertOut(msgspec.Struct, frozen=True, kw_only=True):
    """An expert (审验专家) the commission may assign to a declaration."""

    id: int
    name: str


class AssignIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """安排专家: the experts' account ids."""

    account_ids: Annotated[
        list[Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]], msgspec.Meta(max_length=20)
    ]


class ReviewIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An expert's review: score 0–100, opinion (``approve``/``revise``/``reject``) and comment."""

    score: Annotated[int, msgspec.Meta(ge=0, le=100)]
    opinion: Text32
    comment: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class ReviewOut(msgspec.Struct, frozen=True, kw_only=True):
    """An expert's review of one submission of a declaration (score and opinion empty until given)."""

    id: int
    project_id: int
    project_name: str
    project_year: int
    project_level: str
    expert_id: int
    expert_name: str
    assigned_at: datetime
    score: int | None
    opinion: str
    opinion_label: str
    comment: str
    submitted_at: datetime | None
    open: bool
    """The commission has not decided yet: the expert may still give or change it."""


class ReviewPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of an expert's reviews."""

    items: list[ReviewOut]
    total: int
    page: int
    page_size: int
