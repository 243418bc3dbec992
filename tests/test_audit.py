"""The audit log itself: a valid hash chain, tampering detected, append-only on both engines."""

from __future__ import annotations

import asyncio

import pytest
from cme_platform.audit.append_only import install_triggers, remove_triggers
from cme_platform.audit.context import Actor, acting_as
from cme_platform.audit.service import record, record_platform
from cme_platform.audit.tables import AppendOnlyError, AuditEvent, PlatformAuditEvent
from cme_platform.audit.verify import ChainReport, verify_chain
from cme_platform.tenancy.scope import scope, scopes_disabled
from cme_platform.tenancy.tables import Tenant


async def _records(tenant, count: int) -> None:
    with scope(tenant), acting_as(Actor(kind="account", account_id=7, name="张三", ip="10.0.0.1")):
        for i in range(count):
            await record(
                "orgs.region.update",
                object_type="region",
                object_id=i,
                summary=f"修改区域 {i}",
                before={"name": f"旧{i}"},
                after={"name": f"新{i}"},
            )


async def test_chain_is_valid_after_several_records(tenant_factory):
    tenant = await tenant_factory(slug="alpha")
    await _records(tenant, 5)
    report = await verify_chain(tenant.id)
    assert report == ChainReport(ok=True, records=5, message="日志完整，共 5 条记录")
    with scope(tenant):
        rows = await AuditEvent.select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash).order_by(
            AuditEvent.seq
        )
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]
    assert all(rows[i]["prev_hash"] == rows[i - 1]["hash"] for i in range(1, 5))


async def test_empty_logs_and_the_platform_log_verify(tenant_factory):
    tenant = await tenant_factory(slug="alpha")
    assert (await verify_chain(tenant.id)).ok
    await record_platform("operator.login", summary="运维人员登录")
    await record_platform(
        "operator.view_tenant", tenant_id=tenant.id, object_type="tenant", object_id=tenant.id
    )
    report = await verify_chain(None)
    assert report.ok and report.records == 2


async def test_chains_are_per_tenant(tenant_factory):
    alpha = await tenant_factory(slug="alpha")
    beta = await tenant_factory(slug="beta", plugin="zhejiang")
    await _records(alpha, 3)
    await _records(beta, 2)
    assert (await verify_chain(alpha.id)).records == 3
    assert (await verify_chain(beta.id)).records == 2


async def _behind_the_triggers_back(statement: str, *args: object) -> None:
    await remove_triggers()
    try:
        with scopes_disabled():
            await Tenant.raw(statement, *args)
    finally:
        await install_triggers()


async def test_a_changed_row_is_named(tenant_factory):
    tenant = await tenant_factory(slug="alpha")
    await _records(tenant, 5)
    await _behind_the_triggers_back(
        "UPDATE audit_event SET summary = {} WHERE tenant = {} AND seq = 3", "篡改", tenant.id
    )
    report = await verify_chain(tenant.id)
    assert not report.ok and report.first_broken_seq == 3 and report.records == 2
    assert "第 3 条" in report.message


async def test_a_changed_hash_breaks_the_next_link(tenant_factory):
    tenant = await tenant_factory(slug="alpha")
    await _records(tenant, 4)
    await _behind_the_triggers_back(
        "UPDATE audit_event SET hash = {} WHERE tenant = {} AND seq = 2", "f" * 64, tenant.id
    )
    report = await verify_chain(tenant.id)
    assert report.first_broken_seq == 2


async def test_a_deleted_row_is_named(tenant_factory):
    tenant = await tenant_factory(slug="alpha")
    await _records(tenant, 5)
    await _behind_the_triggers_back("DELETE FROM audit_event WHERE tenant = {} AND seq = 2", tenant.id)
    report = await verify_chain(tenant.id)
    assert not report.ok and report.first_broken_seq == 2 and "缺失" in report.message


async def test_verification_walks_in_batches(tenant_factory, monkeypatch):
    from cme_platform.audit import verify

    monkeypatch.setattr(verify, "BATCH_SIZE", 2)
    tenant = await tenant_factory(slug="alpha")
    await _records(tenant, 5)
    assert (await verify_chain(tenant.id)).records == 5
    await _behind_the_triggers_back(
        "UPDATE audit_event SET ip = {} WHERE tenant = {} AND seq = 5", "1.2.3.4", tenant.id
    )
    assert (await verify_chain(tenant.id)).first_broken_seq == 5


async def test_the_orm_refuses_updates_and_deletes(tenant_factory):
    tenant = await tenant_factory(slug="alpha")
    await _records(tenant, 1)
    with scope(tenant):
        with pytest.raises(AppendOnlyError):
            AuditEvent.update({AuditEvent.summary: "x"})
        with pytest.raises(AppendOnlyError):
            AuditEvent.delete(force=True)
        row = await AuditEvent.objects().first()
        with pytest.raises(AppendOnlyError):
            await row.remove()
    with pytest.raises(AppendOnlyError):
        PlatformAuditEvent.update({PlatformAuditEvent.summary: "x"}, force=True)
    with pytest.raises(AppendOnlyError):
        PlatformAuditEvent.delete(force=True)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET summary = 'x'",
        "DELETE FROM audit_event",
        "UPDATE audit_platform_event SET summary = 'x'",
        "DELETE FROM audit_platform_event",
    ],
)
async def test_the_database_refuses_updates_and_deletes(tenant_factory, statement):
    tenant = await tenant_factory(slug="alpha")
    await _records(tenant, 2)
    await record_platform("operator.login")
    with scopes_disabled(), pytest.raises(Exception, match="append-only"):
        await Tenant.raw(statement)
    assert (await verify_chain(tenant.id)).records == 2
    assert (await verify_chain(None)).records == 1


async def test_postgres_refuses_truncate(tenant_factory):
    if Tenant._meta.db.engine_type != "postgres":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    tenant = await tenant_factory(slug="alpha")
    await _records(tenant, 1)
    for table in ("audit_event", "audit_platform_event"):
        with pytest.raises(Exception, match="append-only"):
            await Tenant.raw(f"TRUNCATE {table}")
    assert (await verify_chain(tenant.id)).records == 1


async def test_concurrent_appends_keep_one_chain(tenant_factory):
    tenant = await tenant_factory(slug="alpha")

    async def append(i: int) -> int:
        with scope(tenant):
            return await record("auth.login", object_type="account", object_id=i)

    seqs = await asyncio.gather(*(append(i) for i in range(20)))
    assert sorted(seqs) == list(range(1, 21))
    assert await verify_chain(tenant.id) == ChainReport(ok=True, records=20, message="日志完整，共 20 条记录")
