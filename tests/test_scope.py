"""The tenant scope: tenant-owned queries filter on the active tenant or raise without one."""

from __future__ import annotations

import pytest
from cme_platform.orgs.tables import Institution, Region
from cme_platform.tenancy.scope import TenantScopeError, current_tenant, scope, scopes_disabled
from cme_platform.tenancy.tables import TENANT_OWNED_TABLES, Tenant


async def _two_tenants(tenant_factory):
    a = await tenant_factory(slug="alpha")
    b = await tenant_factory(slug="beta")
    for tenant, code in ((a, "A1"), (b, "B1")):
        with scope(tenant):
            await Region(name=f"区域{code}", code=code).save()
    return a, b


async def test_every_query_kind_raises_without_scope(tenant_factory):
    await _two_tenants(tenant_factory)
    for build in (
        lambda: Region.select(),
        lambda: Region.objects(),
        lambda: Region.count(),
        lambda: Region.exists(),
        lambda: Region.update({Region.name: "x"}, force=True),
        lambda: Region.delete(force=True),
        lambda: Region.insert(Region(name="n", code="c")),
        lambda: Region.raw("select 1"),
    ):
        with pytest.raises(TenantScopeError):
            await build()
    with pytest.raises(TenantScopeError):
        current_tenant()


async def test_scope_filters_reads_and_writes(tenant_factory):
    a, b = await _two_tenants(tenant_factory)
    with scope(a):
        assert [r["code"] for r in await Region.select(Region.code)] == ["A1"]
        assert await Region.count() == 1
        b_row = await Region.raw("select id from org_region where code = 'B1'")
        b_id = b_row[0]["id"]
        assert await Region.objects().where(Region.id == b_id).first() is None
        await Region.update({Region.name: "改名"}).where(Region.id == b_id)
        await Region.delete().where(Region.id == b_id)
    with scope(b):
        row = await Region.select().first()
        assert row["name"] == "区域B1", "tenant A changed tenant B's row"


async def test_insert_stamps_tenant_and_refuses_foreign_rows(tenant_factory):
    a, b = await _two_tenants(tenant_factory)
    with scope(a):
        region = Region(name="新区", code="A2")
        await region.save()
        assert region.tenant == a.id
        with pytest.raises(TenantScopeError):
            await Region.insert(Region(name="x", code="X", tenant=b.id))
        with pytest.raises(TenantScopeError):
            await Region.update({Region.tenant: b.id}).where(Region.id == region.id)
    with scopes_disabled():
        assert await Region.count() == 3
        with pytest.raises(TenantScopeError):
            await Region.insert(Region(name="无主", code="N"))


async def test_instance_methods_are_scoped(tenant_factory):
    a, b = await _two_tenants(tenant_factory)
    with scope(a):
        region = await Region.objects().first()
    with scope(b):
        region.name = "跨租户修改"
        with pytest.raises(TenantScopeError):
            await region.save()
        await region.remove()  # a DELETE filtered on tenant B: touches nothing
    with scope(a):
        row = await Region.select(Region.name).first()
        assert row == {"name": "区域A1"}


async def test_nested_scopes_restore_the_outer_one(tenant_factory):
    a, b = await _two_tenants(tenant_factory)
    with scope(a):
        with scope(b):
            assert current_tenant().slug == "beta"
        assert current_tenant().slug == "alpha"
        with scopes_disabled():
            assert await Institution.count() == 0
        assert await Region.count() == 1


def test_every_tenant_owned_table_has_a_tenant_column():
    assert TENANT_OWNED_TABLES, "no tenant-owned tables registered"
    for table in TENANT_OWNED_TABLES:
        column = table._meta.get_column_by_name("tenant")
        assert column._foreign_key_meta.references is Tenant
        assert column._meta.null is False
