"""Shared fixtures of the platform's own tests (the generic ones come from the cme_testkit plugin)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_kit import DemoServer, chromium_executable, start_demo_server, stop_demo_server
from cme_platform.testkit.world import OrgWorld, build_world


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
