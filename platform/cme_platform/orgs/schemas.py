"""Request and response schemas of the organisation API (msgspec, validated on the way in)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from cme_platform.api.params import RowId

Name = Annotated[str, Meta(min_length=1, max_length=100, description="名称")]
LongName = Annotated[str, Meta(min_length=1, max_length=200, description="名称")]
Code = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$", description="编码")]
OptionalCode = Annotated[str, Meta(max_length=32, pattern=r"^[A-Za-z0-9_-]*$", description="编码（可空）")]
RegionKind = Literal["区", "市", "县"]
Category = Literal["综合", "中医"]
StaffCount = Annotated[int, Meta(ge=0, le=1_000_000, description="卫生技术人员数")]


class RegionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new region."""

    name: Name
    code: Code
    kind: RegionKind = "区"


class RegionPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to a region; omitted fields stay as they are. ``active=false`` deactivates."""

    name: Name | UnsetType = UNSET
    code: Code | UnsetType = UNSET
    kind: RegionKind | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class RegionOut(msgspec.Struct, kw_only=True):
    """A region as the API returns it."""

    id: int
    name: str
    code: str
    kind: str
    active: bool
    institution_count: int = 0


class InstitutionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new institution. ``level`` must be one of the tenant's institution levels."""

    name: LongName
    code: Code
    region_id: RowId | None = None
    level: Annotated[str, Meta(min_length=1, max_length=32)]
    category: Category = "综合"
    staff_count: StaffCount = 0


class InstitutionPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to an institution; omitted fields stay. ``active=false`` deactivates."""

    name: LongName | UnsetType = UNSET
    code: Code | UnsetType = UNSET
    region_id: RowId | UnsetType | None = UNSET
    level: Annotated[str, Meta(min_length=1, max_length=32)] | UnsetType = UNSET
    category: Category | UnsetType = UNSET
    staff_count: StaffCount | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class InstitutionOut(msgspec.Struct, kw_only=True):
    """An institution as the API returns it."""

    id: int
    name: str
    code: str
    region_id: int | None
    region_name: str | None
    level: str
    category: str
    staff_count: int
    active: bool
    department_count: int = 0


class DepartmentIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new department of an institution."""

    institution_id: RowId
    name: Name
    code: OptionalCode = ""


class DepartmentPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to a department; omitted fields stay. ``active=false`` deactivates."""

    name: Name | UnsetType = UNSET
    code: OptionalCode | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class DepartmentOut(msgspec.Struct, kw_only=True):
    """A department as the API returns it."""

    id: int
    institution_id: int
    institution_name: str
    name: str
    code: str
    active: bool


class Page(msgspec.Struct, kw_only=True):
    """One page of a list."""

    total: int
    page: int
    page_size: int


class RegionPage(Page, kw_only=True):
    """A page of regions."""

    items: list[RegionOut]


class InstitutionPage(Page, kw_only=True):
    """A page of institutions."""

    items: list[InstitutionOut]


class DepartmentPage(Page, kw_only=True):
    """A page of departments."""

    items: list[DepartmentOut]


class OrgVocabulary(msgspec.Struct, kw_only=True):
    """The choices the forms offer: the tenant's institution levels and the fixed lists."""

    institution_levels: list[str]
    categories: list[str]
    region_kinds: list[str]
