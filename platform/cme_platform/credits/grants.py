"""The right of learners to enter their own credits (需单位开通权限), opened per institution or department.

An institution's administrator opens it for his institution (or one of its departments), a region's
administrator for the institutions of his region, the commission for any; each opening and closing is
audited. Opening the same right twice returns the existing grant.
"""

from __future__ import annotations

from typing import Any

from cme_platform.audit.service import record
from cme_platform.credits.schemas import SelfEntryGrantIn, SelfEntryGrantOut
from cme_platform.credits.tables import SelfEntryGrant
from cme_platform.db.paging import and_all
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.orgs.access import OrgAccess
from cme_platform.orgs.tables import Department, Institution

NOT_FOUND = "开通记录不存在"


def _reach(principal: Principal) -> Any:
    """Grants of the institutions the account manages (``None``: the whole tenant)."""
    org = OrgAccess.of(principal)
    if org.tenant_wide:
        return None
    clauses: list[Any] = [SelfEntryGrant.institution.is_in(sorted(org.institution_ids) or [0])]
    if org.region_ids:
        clauses.append(SelfEntryGrant.institution.region.is_in(sorted(org.region_ids)))
    clause = clauses[0]
    for other in clauses[1:]:
        clause = clause | other
    return clause


def _may_manage(principal: Principal, institution_id: int, region_id: int | None) -> bool:
    org = OrgAccess.of(principal)
    return (
        org.tenant_wide
        or institution_id in org.institution_ids
        or (region_id is not None and region_id in org.region_ids)
    )


def _columns() -> list[Any]:
    return [
        *SelfEntryGrant.all_columns(),
        SelfEntryGrant.institution.name.as_alias("institution_name"),
        SelfEntryGrant.department.name.as_alias("department_name"),
        SelfEntryGrant.granted_by.display_name.as_alias("granted_by_name"),
    ]


def _out(row: dict[str, Any]) -> SelfEntryGrantOut:
    return SelfEntryGrantOut(
        id=row["id"],
        institution_id=row["institution"],
        institution_name=row["institution_name"] or "",
        department_id=row["department"],
        department_name=row["department_name"] or "",
        granted_by_name=row["granted_by_name"] or "",
        created_at=row["created_at"],
    )


async def list_grants(principal: Principal) -> list[SelfEntryGrantOut]:
    """The open rights of the institutions the caller manages, by institution then department."""
    query = (
        SelfEntryGrant.select(*_columns()).order_by(SelfEntryGrant.institution).order_by(SelfEntryGrant.id)
    )
    where = _reach(principal)
    rows = await (query.where(where) if where is not None else query)
    return [_out(r) for r in rows]


async def _grant_row(grant_id: int) -> dict[str, Any] | None:
    return await SelfEntryGrant.select(*_columns()).where(SelfEntryGrant.id == grant_id).first()


async def open_grant(principal: Principal, data: SelfEntryGrantIn) -> SelfEntryGrantOut:
    """Open the right for an institution (or one of its departments); an existing one is returned."""
    institution = (
        await Institution.select(Institution.id, Institution.name, Institution.region)
        .where(Institution.id == data.institution_id)
        .first()
    )
    if institution is None:
        raise NotFound("单位不存在")
    if not _may_manage(principal, institution["id"], institution["region"]):
        raise Forbidden("只能为本单位（本区域的单位）开通个人学分录入")
    department_name = ""
    if data.department_id is not None:
        department = (
            await Department.select(Department.name)
            .where((Department.id == data.department_id) & (Department.institution == data.institution_id))
            .first()
        )
        if department is None:
            raise InvalidInput("科室不属于该单位", [FieldError("department_id", "科室不属于该单位")])
        department_name = department["name"]
    same = and_all(
        SelfEntryGrant.institution == data.institution_id,
        SelfEntryGrant.department.is_null()
        if data.department_id is None
        else SelfEntryGrant.department == data.department_id,
    )
    async with write_transaction(SelfEntryGrant):
        existing = await SelfEntryGrant.select(SelfEntryGrant.id).where(same).first()
        if existing is not None:
            grant_id = existing["id"]
        else:
            grant = SelfEntryGrant(
                institution=data.institution_id,
                department=data.department_id,
                granted_by=principal.account_id,
            )
            await grant.save()
            grant_id = int(grant.id)
            where = f"{institution['name']}{department_name}"
            await record(
                "credits.grant.open",
                object_type="self_entry_grant",
                object_id=grant_id,
                summary=f"开通个人学分录入：{where}",
                after={"institution_id": data.institution_id, "department_id": data.department_id},
            )
    row = await _grant_row(grant_id)
    assert row is not None
    return _out(row)


async def close_grant(principal: Principal, grant_id: int) -> None:
    """Close a right the caller manages (404 when not found or out of reach); audited."""
    where = and_all(SelfEntryGrant.id == grant_id, _reach(principal))
    row = await SelfEntryGrant.select(*_columns()).where(where).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    async with write_transaction(SelfEntryGrant):
        await SelfEntryGrant.delete().where(SelfEntryGrant.id == grant_id)
        await record(
            "credits.grant.close",
            object_type="self_entry_grant",
            object_id=grant_id,
            summary=f"关闭个人学分录入：{row['institution_name'] or ''}{row['department_name'] or ''}",
            before={"institution_id": row["institution"], "department_id": row["department"]},
        )
