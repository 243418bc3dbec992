"""Shared fixtures of the platform's own tests (the generic ones come from the cme_testkit plugin)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from browser_kit import DemoServer, chromium_executable, start_demo_server, stop_demo_server
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


@pytest.fixture
async def world(tenant_factory: Any, account_factory: Any) -> OrgWorld:
    """Tenant ``alpha`` (Beijing plugin) with its organisation and role accounts."""
    tenant = await tenant_factory(slug="alpha", plugin="beijing", name="甲省继教委")
    return await build_world(tenant, account_factory, "A")


@pytest.fixture
async def other_world(tenant_factory: Any, account_factory: Any) -> OrgWorld:
    """Tenant ``beta`` (Zhejiang plugin) with the same shape, for isolation tests."""
    tenant = await tenant_factory(slug="beta", plugin="zhejiang", name="乙省继教委")
    return await build_world(tenant, account_factory, "B")


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One demo server for every browser test of the session (see ``browser_kit``)."""
    server = start_demo_server(tmp_path_factory.mktemp("browser-data"))
    yield server
    stop_demo_server(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one per test module.

    Not session-wide: Playwright's sync API keeps an event loop running until it stops, and the async
    tests of later modules cannot start their own while it runs.
    """
    executable = chromium_executable()
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run `make test` (bootstrap.sh --test installs it)")
    from browser_kit import CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
