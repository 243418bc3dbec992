"""Test worlds: a tenant's small organisation and one account per administrative role, for any test.

``build_world(tenant, account_factory, prefix)`` creates two regions, an institution in each, a 内科 in
each institution and the accounts ``commission``, ``region``, ``institution``, ``department`` and
``learner`` (password ``TEST_PASSWORD``); the core's tests and plugins' tests build on it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from cme_platform.identity.roles import Role
from cme_platform.orgs.tables import Department, Institution, Region
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.scope import scope


class OrgWorld(msgspec.Struct, kw_only=True):
    """One tenant's small organisation and one account per administrative role."""

    tenant: TenantContext
    region_id: int
    other_region_id: int
    institution_id: int
    other_institution_id: int
    department_id: int
    other_department_id: int
    accounts: dict[str, int]


async def build_world(tenant: TenantContext, account_factory: Any, prefix: str) -> OrgWorld:
    """Two regions, an institution in each, a department in each institution, and the role accounts."""
    with scope(tenant):
        regions = [Region(name=f"{prefix}区{i}", code=f"{prefix}R{i}") for i in (1, 2)]
        for region in regions:
            await region.save()
        institutions = [
            Institution(name=f"{prefix}医院{i}", code=f"{prefix}I{i}", region=r.id, level="三级医院")
            for i, r in zip((1, 2), regions, strict=True)
        ]
        for institution in institutions:
            await institution.save()
        departments = [Department(name="内科", institution=i.id) for i in institutions]
        for department in departments:
            await department.save()
    r1, i1, d1 = regions[0].id, institutions[0].id, departments[0].id
    accounts = {
        "commission": await account_factory(tenant, "commission", [(Role.COMMISSION_ADMIN, {})]),
        "region": await account_factory(tenant, "region", [(Role.REGION_ADMIN, {"region": r1})]),
        "institution": await account_factory(
            tenant, "institution", [(Role.INSTITUTION_ADMIN, {"institution": i1})]
        ),
        "department": await account_factory(
            tenant, "department", [(Role.DEPARTMENT_ADMIN, {"institution": i1, "department": d1})]
        ),
        "learner": await account_factory(tenant, "learner", [(Role.LEARNER, {"institution": i1})]),
    }
    return OrgWorld(
        tenant=tenant,
        region_id=r1,
        other_region_id=regions[1].id,
        institution_id=i1,
        other_institution_id=institutions[1].id,
        department_id=d1,
        other_department_id=departments[1].id,
        accounts=accounts,
    )


async def stored_file(world: OrgWorld, account: str, purpose: str, name: str = "证书.pdf") -> int:
    """A stored file row uploaded by ``account`` of the world, for ``purpose`` (no bytes: services that
    attach files only read the row); returns its id."""
    from uuid import uuid4

    from cme_platform.files.tables import StoredFile

    with scope(world.tenant):
        row = StoredFile(
            key=f"test/{uuid4().hex}",
            purpose=purpose,
            original_name=name,
            content_type="application/pdf",
            extension="pdf",
            size=1024,
            sha256="0" * 64,
            uploaded_by=world.accounts[account],
        )
        await row.save()
        return int(row.id)
