"""``cme audit verify``: exit status 0 on intact chains, 1 naming tenant and seq on a broken one."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner, Result
from cme_platform.audit.append_only import install_triggers, remove_triggers
from cme_platform.audit.service import record, record_platform
from cme_platform.cli import main
from cme_platform.tenancy.scope import scope
from cme_platform.tenancy.tables import Tenant


async def _cme(*args: str) -> Result:
    """Run the command in a thread (it starts its own event loop)."""
    return await asyncio.to_thread(CliRunner().invoke, main, list(args))


async def _seed(*tenants) -> None:
    for tenant in tenants:
        with scope(tenant):
            for i in range(3):
                await record("orgs.region.update", object_type="region", object_id=i, summary="修改区域")
    await record_platform("operator.login")


async def test_intact_chains_exit_zero(tenant_factory):
    alpha = await tenant_factory(slug="alpha")
    beta = await tenant_factory(slug="beta", plugin="zhejiang")
    await _seed(alpha, beta)
    result = await _cme("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "alpha: ok, 3 records" in result.output and "beta: ok, 3 records" in result.output
    assert "platform: ok, 1 records" in result.output
    result = await _cme("audit", "verify", "--tenant", "beta")
    assert result.exit_code == 0 and "alpha" not in result.output and "platform" not in result.output


async def test_a_broken_chain_exits_one_naming_tenant_and_seq(tenant_factory):
    alpha = await tenant_factory(slug="alpha")
    beta = await tenant_factory(slug="beta", plugin="zhejiang")
    await _seed(alpha, beta)
    await remove_triggers()
    try:
        await Tenant.raw("DELETE FROM audit_event WHERE tenant = {} AND seq = 2", beta.id)
    finally:
        await install_triggers()
    result = await _cme("audit", "verify")
    assert result.exit_code == 1
    assert "beta: BROKEN at seq 2" in result.output and "alpha: ok" in result.output
    assert (await _cme("audit", "verify", "--tenant", "alpha")).exit_code == 0
    assert (await _cme("audit", "verify", "--tenant", "beta")).exit_code == 1


async def test_an_unknown_tenant_exits_two(tenant_factory):
    await tenant_factory(slug="alpha")
    result = await _cme("audit", "verify", "--tenant", "nope")
    assert result.exit_code == 2 and "nope does not exist" in result.output
