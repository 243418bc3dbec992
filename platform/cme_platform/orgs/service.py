"""Organisation tree services: list, read, create, edit and (de)activate regions, institutions, departments.

Every function works inside the active tenant scope and takes the caller's :class:`OrgAccess`; objects
outside the caller's reach are reported as not found, never as forbidden, so IDs reveal nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec
import pluggy
from piccolo.query.functions.aggregate import Count

from cme_platform.audit.service import record
from cme_platform.db.errors import is_unique_violation
from cme_platform.db.paging import and_all, contains
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.orgs import schemas as s
from cme_platform.orgs.access import OrgAccess
from cme_platform.orgs.tables import Department, Institution, Region
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.tenancy.context import TenantContext

CATEGORIES = ["综合", "中医"]
REGION_KINDS = ["区", "市", "县"]

T = TypeVar("T")


def vocabulary(pm: pluggy.PluginManager, tenant: TenantContext) -> s.OrgVocabulary:
    """The choices the organisation forms offer in ``tenant``."""
    return s.OrgVocabulary(
        institution_levels=list(tenant_hooks(pm, tenant).cme_institution_levels()),
        categories=CATEGORIES,
        region_kinds=REGION_KINDS,
    )


def _changes(patch: msgspec.Struct) -> dict[str, Any]:
    return {f: v for f in patch.__struct_fields__ if (v := getattr(patch, f)) is not msgspec.UNSET}


async def _write(action: Callable[[], Awaitable[T]], conflict: FieldError) -> T:
    """Run a write in a transaction; a unique violation becomes a 409 naming ``conflict.field``."""
    try:
        async with Region._meta.db.transaction():
            return await action()
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(conflict.message, [conflict]) from exc
        raise


async def _record_create(kind: str, label: str, row: Any, fields: dict[str, Any]) -> int:
    """Record ``orgs.<kind>.create`` for a saved ``row`` (inside the write's transaction)."""
    await record(
        f"orgs.{kind}.create",
        object_type=kind,
        object_id=row.id,
        summary=f"新建{label}：{row.name}",
        after=fields,
    )
    return int(row.id)


async def _update_recorded(
    table: Any, kind: str, label: str, object_id: int, changes: dict[str, Any]
) -> None:
    """Apply ``changes`` to one row and record ``orgs.<kind>.update`` with the changed fields only."""
    fields = [name for name in changes if name != "updated_at"]
    columns = (table.name, *(getattr(table, f) for f in fields))
    old = await table.select(*columns).where(table.id == object_id).first()
    await table.update(changes).where(table.id == object_id)
    before = {f: old[f] for f in fields if old[f] != changes[f]}
    if before:
        await record(
            f"orgs.{kind}.update",
            object_type=kind,
            object_id=object_id,
            summary=f"修改{label}：{old['name']}",
            before=before,
            after={f: changes[f] for f in before},
        )


# -- regions -----------------------------------------------------------------------------------------


async def list_regions(
    access: OrgAccess, *, q: str | None = None, active: bool | None = None, page: int = 1, page_size: int = 50
) -> s.RegionPage:
    """Regions the caller can see, by code, with their institution counts."""
    where = and_all(
        access.region_filter(),
        (contains(Region.name, q) | contains(Region.code, q)) if q else None,
        (Region.active == active) if active is not None else None,
    )
    query = Region.select().order_by(Region.code).limit(page_size).offset((page - 1) * page_size)
    count = Region.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    rows = await query
    counts = {
        r["region"]: r["count"]
        for r in await Institution.select(Institution.region, Count())
        .where(Institution.region.is_in([r["id"] for r in rows] or [0]))
        .group_by(Institution.region)
    }
    items = [_region_out(r, counts.get(r["id"], 0)) for r in rows]
    return s.RegionPage(items=items, total=await count, page=page, page_size=page_size)


def _region_out(row: dict[str, Any], institution_count: int = 0) -> s.RegionOut:
    return s.RegionOut(
        id=row["id"],
        name=row["name"],
        code=row["code"],
        kind=row["kind"],
        active=bool(row["active"]),
        institution_count=institution_count,
    )


async def get_region(access: OrgAccess, region_id: int) -> s.RegionOut:
    """One region the caller can see."""
    where = and_all(Region.id == region_id, access.region_filter())
    row = await Region.select().where(where).first()
    if row is None:
        raise NotFound("区域不存在")
    return _region_out(row, await Institution.count().where(Institution.region == region_id))


_REGION_CODE_TAKEN = FieldError("code", "该区域编码已被使用")


async def create_region(access: OrgAccess, data: s.RegionIn) -> s.RegionOut:
    """Create a region (commission admins only)."""
    if not access.can_manage_regions():
        raise Forbidden("只有管理用户可以维护区域")

    async def insert() -> int:
        fields = {"name": data.name.strip(), "code": data.code, "kind": data.kind}
        row = Region(None, **fields)
        await row.save()
        return await _record_create("region", "区域", row, fields)

    return await get_region(access, await _write(insert, _REGION_CODE_TAKEN))


async def update_region(access: OrgAccess, region_id: int, patch: s.RegionPatch) -> s.RegionOut:
    """Edit or (de)activate a region (commission admins only)."""
    await get_region(access, region_id)
    if not access.can_manage_regions():
        raise Forbidden("只有管理用户可以维护区域")
    changes = _changes(patch)
    if changes:
        changes["updated_at"] = datetime.now(UTC)

        async def update() -> None:
            await _update_recorded(Region, "region", "区域", region_id, changes)

        await _write(update, _REGION_CODE_TAKEN)
    return await get_region(access, region_id)


# -- institutions ------------------------------------------------------------------------------------


async def list_institutions(
    access: OrgAccess,
    *,
    q: str | None = None,
    region_id: int | None = None,
    level: str | None = None,
    category: str | None = None,
    active: bool | None = None,
    page: int = 1,
    page_size: int = 50,
) -> s.InstitutionPage:
    """Institutions the caller can see, filtered, by code, with department counts."""
    where = and_all(
        access.institution_filter(),
        (contains(Institution.name, q) | contains(Institution.code, q)) if q else None,
        (Institution.region == region_id) if region_id else None,
        (Institution.level == level) if level else None,
        (Institution.category == category) if category else None,
        (Institution.active == active) if active is not None else None,
    )
    query = (
        Institution.select(*_INSTITUTION_COLUMNS)
        .order_by(Institution.code)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    count = Institution.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    rows = await query
    counts = {
        r["institution"]: r["count"]
        for r in await Department.select(Department.institution, Count())
        .where(Department.institution.is_in([r["id"] for r in rows] or [0]))
        .group_by(Department.institution)
    }
    items = [_institution_out(r, counts.get(r["id"], 0)) for r in rows]
    return s.InstitutionPage(items=items, total=await count, page=page, page_size=page_size)


_INSTITUTION_COLUMNS = [
    *Institution.all_columns(exclude=[Institution.tenant]),
    Institution.region.name.as_alias("region_name"),
]


def _institution_out(row: dict[str, Any], department_count: int = 0) -> s.InstitutionOut:
    return s.InstitutionOut(
        id=row["id"],
        name=row["name"],
        code=row["code"],
        region_id=row["region"],
        region_name=row["region_name"],
        level=row["level"],
        category=row["category"],
        staff_count=row["staff_count"],
        active=bool(row["active"]),
        department_count=department_count,
    )


async def get_institution(access: OrgAccess, institution_id: int) -> s.InstitutionOut:
    """One institution the caller can see."""
    where = and_all(Institution.id == institution_id, access.institution_filter())
    row = await Institution.select(*_INSTITUTION_COLUMNS).where(where).first()
    if row is None:
        raise NotFound("单位不存在")
    return _institution_out(row, await Department.count().where(Department.institution == institution_id))


async def _check_region(region_id: int | None) -> None:
    if region_id is not None and not await Region.exists().where(Region.id == region_id):
        raise InvalidInput("所属区域不存在", [FieldError("region_id", "所属区域不存在")])


def _check_level(level: str, levels: list[str]) -> None:
    if level not in levels:
        raise InvalidInput(
            "单位级别不在本地区的级别列表中", [FieldError("level", "请选择：" + "、".join(levels))]
        )


_INSTITUTION_CODE_TAKEN = FieldError("code", "该单位编码已被使用")


async def create_institution(access: OrgAccess, data: s.InstitutionIn, levels: list[str]) -> s.InstitutionOut:
    """Create an institution in a region the caller manages (commission: anywhere)."""
    await _check_region(data.region_id)
    _check_level(data.level, levels)
    if not access.can_manage_institution(data.region_id):
        raise Forbidden("没有权限在该区域添加单位")

    async def insert() -> int:
        fields = {
            "name": data.name.strip(),
            "code": data.code,
            "region": data.region_id,
            "level": data.level,
            "category": data.category,
            "staff_count": data.staff_count,
        }
        row = Institution(None, **fields)
        await row.save()
        return await _record_create("institution", "单位", row, fields)

    return await get_institution(access, await _write(insert, _INSTITUTION_CODE_TAKEN))


async def update_institution(
    access: OrgAccess, institution_id: int, patch: s.InstitutionPatch, levels: list[str]
) -> s.InstitutionOut:
    """Edit or (de)activate an institution the caller manages."""
    current = await get_institution(access, institution_id)
    changes = _changes(patch)
    if "region_id" in changes:
        await _check_region(changes["region_id"])
        if not access.can_manage_institution(changes["region_id"]):
            raise Forbidden("没有权限把单位划入该区域")
        changes["region"] = changes.pop("region_id")
    if "level" in changes:
        _check_level(changes["level"], levels)
    if not access.can_manage_institution(current.region_id):
        raise Forbidden("没有权限修改该单位")
    if changes:
        changes["updated_at"] = datetime.now(UTC)

        async def update() -> None:
            await _update_recorded(Institution, "institution", "单位", institution_id, changes)

        await _write(update, _INSTITUTION_CODE_TAKEN)
    return await get_institution(access, institution_id)


# -- departments -------------------------------------------------------------------------------------

_DEPARTMENT_COLUMNS = (
    Department.id,
    Department.institution,
    Department.institution.name.as_alias("institution_name"),
    Department.institution.region.as_alias("region_id"),
    Department.name,
    Department.code,
    Department.active,
)


def _department_out(row: dict[str, Any]) -> s.DepartmentOut:
    return s.DepartmentOut(
        id=row["id"],
        institution_id=row["institution"],
        institution_name=row["institution_name"],
        name=row["name"],
        code=row["code"],
        active=bool(row["active"]),
    )


async def list_departments(
    access: OrgAccess,
    *,
    institution_id: int | None = None,
    q: str | None = None,
    active: bool | None = None,
    page: int = 1,
    page_size: int = 50,
) -> s.DepartmentPage:
    """Departments the caller can see, by institution and name."""
    where = and_all(
        access.department_filter(),
        (Department.institution == institution_id) if institution_id else None,
        (contains(Department.name, q) | contains(Department.code, q)) if q else None,
        (Department.active == active) if active is not None else None,
    )
    query = (
        Department.select(*_DEPARTMENT_COLUMNS)
        .order_by(Department.institution)
        .order_by(Department.name)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    count = Department.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    items = [_department_out(r) for r in await query]
    return s.DepartmentPage(items=items, total=await count, page=page, page_size=page_size)


async def _department_row(access: OrgAccess, department_id: int) -> dict[str, Any]:
    where = and_all(Department.id == department_id, access.department_filter())
    row = await Department.select(*_DEPARTMENT_COLUMNS).where(where).first()
    if row is None:
        raise NotFound("科室不存在")
    return row


async def get_department(access: OrgAccess, department_id: int) -> s.DepartmentOut:
    """One department the caller can see."""
    return _department_out(await _department_row(access, department_id))


_DEPARTMENT_NAME_TAKEN = FieldError("name", "该单位已有同名科室")


async def create_department(access: OrgAccess, data: s.DepartmentIn) -> s.DepartmentOut:
    """Create a department in an institution the caller manages."""
    institution = (
        await Institution.select(Institution.id, Institution.region)
        .where(and_all(Institution.id == data.institution_id, access.institution_filter()))
        .first()
    )
    if institution is None:
        raise InvalidInput("所属单位不存在", [FieldError("institution_id", "所属单位不存在")])
    if not access.can_manage_departments_of(institution["id"], institution["region"]):
        raise Forbidden("没有权限在该单位添加科室")

    async def insert() -> int:
        fields = {"institution": data.institution_id, "name": data.name.strip(), "code": data.code}
        row = Department(None, **fields)
        await row.save()
        return await _record_create("department", "科室", row, fields)

    return await get_department(access, await _write(insert, _DEPARTMENT_NAME_TAKEN))


async def update_department(
    access: OrgAccess, department_id: int, patch: s.DepartmentPatch
) -> s.DepartmentOut:
    """Edit or (de)activate a department the caller manages."""
    row = await _department_row(access, department_id)
    if not access.can_manage_departments_of(row["institution"], row["region_id"]):
        raise Forbidden("没有权限修改该科室")
    changes = _changes(patch)
    if changes:
        changes["updated_at"] = datetime.now(UTC)

        async def update() -> None:
            await _update_recorded(Department, "department", "科室", department_id, changes)

        await _write(update, _DEPARTMENT_NAME_TAKEN)
    return await get_department(access, department_id)
