"""Shapes of the personnel registry's JSON API and services (msgspec structs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from cme_platform.api.params import RowId, YearNumber
from cme_platform.files.sheet_table import ImportRowError

SortKey = Literal["person_number", "name", "title", "department", "status", "updated_at"]
KeywordField = Literal["name", "id_number", "person_number", "phone", "number"]


class PersonFilter(msgspec.Struct, frozen=True, kw_only=True):
    """The list filters of seed 002 §2 (状态, 查询项 + 关键字, 科室, 当前职称, 专业) and a few more.

    ``q`` is matched against ``q_field``: a name by its beginning (``张`` finds 张三 and 张伟; an index
    serves it at province scale); an ID number, person number or
    phone matches exactly (an ID number through its keyed hash, as it is never stored in clear); ``number``
    matches a person number or an IC card number (卡号), as a card reader or the person picker gives either.
    """

    status: str | None = None
    q: str | None = None
    q_field: KeywordField = "name"
    institution_id: int | None = None
    department_id: int | None = None
    title: str | None = None
    title_level: str | None = None
    specialty: str | None = None
    establishment: str | None = None


PageSize = Annotated[int, msgspec.Meta(ge=1, le=200)]


OptionalText = str | msgspec.UnsetType
OptionalDate = str | None | msgspec.UnsetType


class PersonIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A person's fields to create (``*`` fields required) or change (only the fields sent).

    Values are checked by :func:`cme_platform.personnel.validation.clean_person`; a resident ID number
    (GB 11643) gives the birth date and gender.
    """

    institution_id: RowId | msgspec.UnsetType = msgspec.UNSET
    department_id: RowId | msgspec.UnsetType | None = msgspec.UNSET
    id_type: OptionalText = msgspec.UNSET
    id_number: OptionalText = msgspec.UNSET
    name: OptionalText = msgspec.UNSET
    gender: OptionalText = msgspec.UNSET
    birth_date: OptionalDate = msgspec.UNSET
    ethnicity: OptionalText = msgspec.UNSET
    political_status: OptionalText = msgspec.UNSET
    phone: OptionalText = msgspec.UNSET
    office_phone: OptionalText = msgspec.UNSET
    email: OptionalText = msgspec.UNSET
    ic_card: OptionalText = msgspec.UNSET
    title: OptionalText = msgspec.UNSET
    specialty: OptionalText = msgspec.UNSET
    title_evaluated_on: OptionalDate = msgspec.UNSET
    title_appointed_year: YearNumber | str | msgspec.UnsetType | None = msgspec.UNSET
    establishment: OptionalText = msgspec.UNSET
    status: OptionalText = msgspec.UNSET
    transfer_status: OptionalText = msgspec.UNSET
    position: OptionalText = msgspec.UNSET
    education: OptionalText = msgspec.UNSET
    degree: OptionalText = msgspec.UNSET


class PersonListItem(msgspec.Struct, kw_only=True):
    """One row of the people list: document number and phone masked."""

    id: int
    person_number: str
    name: str
    gender: str
    id_type: str
    id_masked: str
    phone_masked: str
    institution_id: int
    institution_name: str
    department_id: int | None
    department_name: str
    title: str
    title_level: str
    specialty: str
    establishment: str
    status: str


class PersonPage(msgspec.Struct, kw_only=True):
    """A page of the people list."""

    items: list[PersonListItem]
    total: int
    page: int
    page_size: int


class PersonOut(PersonListItem, kw_only=True):
    """A person in full; ``id_number`` and ``phone`` only when the caller may see them in clear."""

    id_number: str | None = None
    phone: str | None = None
    birth_date: date | None = None
    ethnicity: str = ""
    political_status: str = ""
    office_phone: str = ""
    email: str = ""
    ic_card: str = ""
    title_evaluated_on: date | None = None
    title_appointed_year: int | None = None
    transfer_status: str = ""
    position: str = ""
    education: str = ""
    degree: str = ""
    institution_code: str = ""
    account_id: int | None = None
    can_reveal: bool = False


class PersonYearIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A year's entry (状态/职称变动情况); on an edit only the fields sent change."""

    year: YearNumber | msgspec.UnsetType = msgspec.UNSET
    title: OptionalText = msgspec.UNSET
    title_evaluated_on: OptionalDate = msgspec.UNSET
    status: OptionalText = msgspec.UNSET
    institution_id: RowId | msgspec.UnsetType = msgspec.UNSET
    note: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType = msgspec.UNSET


class PersonYearOut(msgspec.Struct, kw_only=True):
    """One row of a person's history: 年度 职称 评定时间 状态 单位编号 单位名称 单位级别 备注."""

    id: int
    year: int
    title: str
    title_level: str
    title_evaluated_on: date | None
    status: str
    institution_id: int
    institution_code: str
    institution_name: str
    institution_level: str
    note: str


class BatchChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Change the title and/or status of the selected people (all or none)."""

    ids: Annotated[list[RowId], msgspec.Meta(min_length=1, max_length=500)]
    title: str | None = None
    status: str | None = None


class BatchResult(msgspec.Struct, kw_only=True):
    """How many people a batch change touched."""

    changed: int


class Vocabulary(msgspec.Struct, kw_only=True):
    """The choices of the person forms and filters."""

    titles: dict[str, str]
    title_levels: list[str]
    statuses: list[str]
    establishments: list[str]
    genders: list[str]
    document_types: list[str]
    transfer_statuses: list[str]
    educations: list[str]
    degrees: list[str]


class ProfileOut(msgspec.Struct, kw_only=True):
    """The learner's own record (个人资料) with the history by year."""

    person: PersonOut
    years: list[PersonYearOut]


class ProfilePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What learners change themselves: phone and e-mail only."""

    phone: str | msgspec.UnsetType = msgspec.UNSET
    email: str | msgspec.UnsetType = msgspec.UNSET


class PersonImportOut(msgspec.Struct, kw_only=True):
    """An Excel import of people (人员导入) with its progress and, once checked, its row errors."""

    id: int
    file_name: str
    mode: Literal["all", "valid"]
    institution_id: int | None
    status: Literal["queued", "running", "done", "failed"]
    status_label: str
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    error_count: int
    errors: list[ImportRowError]
    message: str
    created_by: int | None
    created_at: datetime
    finished_at: datetime | None


class PersonImportPage(msgspec.Struct, kw_only=True):
    """A page of imports (newest first; without their row errors)."""

    items: list[PersonImportOut]
    total: int
    page: int
    page_size: int
