"""Pytest fixtures for the platform and for province plugin authors (pytest plugin ``cme_testkit``).

Fixtures:

- ``cme_plugins``: ``None`` (every installed plugin) or ``{name: plugin}``; override it in your tests.
- ``cme_app``: the application built with those plugins.
- ``cme_client``: an ``httpx``-style ``AsyncTestClient`` for ``cme_app`` (lifespan run).
- ``cme_parallel_client``: an ``httpx.AsyncClient`` running ``cme_app`` in the test's own event loop, so
  that requests sent together (``asyncio.gather``) really run concurrently; ``cme_client`` runs them one
  after the other.
- ``tenant_factory``: ``await tenant_factory(slug="a", plugin="beijing")`` → ``TenantContext``.
- ``account_factory``: ``await account_factory(tenant, "name", grants=[(Role.X, {"institution": 1})])``.
- ``login``: ``await login(client, tenant, username)`` signs the client in to the tenant through the
  sign-in form (captcha solved with the platform's secret) and sets ``client.headers["X-CSRF-Token"]``,
  so later JSON and form posts of the client pass the CSRF check.
- ``cme_scope``: the ``scope(tenant)`` context manager, for direct queries in tests.
- ``cme_db``: a clean database for the test (every tenant-owned and tenant row removed).

Tests that use the database are marked ``db`` automatically; async tests run on anyio's asyncio backend.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

TEST_PASSWORD = "Test@2026pw"
CSRF_HEADER = "X-CSRF-Token"
DB_FIXTURES = {"cme_db", "tenant_factory", "account_factory", "cme_client", "cme_parallel_client", "login"}


def pytest_configure(config: pytest.Config) -> None:
    """Point the platform at a private database before any platform module reads its settings."""
    config.addinivalue_line("markers", "db: touches the database (run on SQLite and on PostgreSQL)")
    if os.environ.get("CME_TESTKIT_ACTIVE"):
        return
    tmp_dir = Path(tempfile.mkdtemp(prefix="cme-test-"))
    backend = os.environ.get("CME_TEST_DB", "sqlite")
    from cme_platform.testkit.database import TestDatabase

    database = TestDatabase(backend, tmp_dir)
    try:
        url = database.start()
    except Exception as exc:
        banner = "!" * 78
        print(f"\n{banner}\nCME_TEST_DB={backend}: the test database could not be started: {exc}\n{banner}\n")
        raise pytest.UsageError(f"test database unavailable ({backend}): {exc}") from exc
    os.environ.update(
        CME_TESTKIT_ACTIVE="1",
        CME_DATA_DIR=str(tmp_dir / "data"),
        CME_DATABASE_URL=url,
        CME_SECRET_KEY="test-secret-key-not-for-production-use-0123456789",
        CME_TENANTS_DIR=str(tmp_dir / "tenants"),
        # The test client runs the app on its own event loop; a pool would be shared across loops.
        CME_DB_POOL="0",
    )
    config._cme_database = database  # type: ignore[attr-defined]
    _cheap_password_hashes()


def _cheap_password_hashes() -> None:
    """Hash passwords with argon2id's cheapest profile in the test process.

    The production parameters cost about 0.12 s per hash and per check, and the suite creates and signs
    in thousands of accounts. The hashes stay real argon2id (a check reads its parameters from the hash),
    so sign-in is tested as it runs; only the work factor differs, as argon2's own docs advise for tests.
    """
    from argon2 import PasswordHasher, profiles

    from cme_platform.identity import passwords

    passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Drop the session's database."""
    database = getattr(config, "_cme_database", None)
    if database is not None:
        database.stop()
        shutil.rmtree(database.tmp_dir, ignore_errors=True)


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database the session uses."""
    database = getattr(config, "_cme_database", None)
    return f"cme test database: {database.backend if database else 'external'}"


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: object) -> Any:
    """Run coroutine tests on anyio (marked before anyio's own collection hook looks)."""
    if collector.istestfunction(obj, name) and inspect.iscoroutinefunction(obj):
        pytest.mark.anyio(obj)
    yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that use the database ``db``."""
    for item in items:
        if set(getattr(item, "fixturenames", ())) & DB_FIXTURES:
            item.add_marker(pytest.mark.db)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (the platform's loop)."""
    return "asyncio"


@pytest.fixture(scope="session")
def _cme_migrated() -> None:
    from cme_platform.db.migrate import migrate

    asyncio.run(migrate())


async def _clean_database() -> None:
    from piccolo.conf.apps import Finder

    from cme_platform.audit.append_only import install_triggers, remove_triggers
    from cme_platform.tenancy.scope import scopes_disabled
    from cme_platform.tenancy.tables import Tenant

    tables = [t for t in Finder().get_table_classes()]
    with scopes_disabled():
        await remove_triggers()  # the audit logs are append-only; the tests alone may empty them
        if Tenant._meta.db.engine_type == "postgres":
            names = ", ".join(t._meta.tablename for t in tables)
            await Tenant.raw(f"TRUNCATE {names} CASCADE")
        else:
            for table in reversed(tables):
                await Tenant.raw(f"DELETE FROM {table._meta.tablename}")
        await install_triggers()
    from cme_platform.tenancy.registry import tenants_changed

    tenants_changed()


@pytest.fixture
async def cme_db(_cme_migrated: None) -> AsyncIterator[None]:
    """A database with the schema and no rows."""
    await _clean_database()
    yield


@pytest.fixture
def cme_plugins() -> dict[str, Any] | None:
    """The plugins the app gets: ``None`` for every installed plugin; override with ``{name: plugin}``."""
    return None


@pytest.fixture(scope="session")
def _cme_default_app() -> Any:
    """The application with every installed plugin, built once per session (about 0.7 s per build).

    Everything an app holds between requests lives in the database or is derived from its plugins, so the
    tests may share it; a test that needs other settings builds its own with ``create_app``.
    """
    from cme_platform.app import create_app

    return create_app()


@pytest.fixture
def cme_app(cme_plugins: dict[str, Any] | None, request: pytest.FixtureRequest) -> Any:
    """The application with ``cme_plugins`` (shared by the tests that keep the default plugins)."""
    from cme_platform.app import create_app
    from cme_platform.plugins.manager import build_plugin_manager

    if cme_plugins is None:
        return request.getfixturevalue("_cme_default_app")
    return create_app(plugin_manager=build_plugin_manager(cme_plugins))


@pytest.fixture
async def cme_client(cme_app: Any, cme_db: None) -> AsyncIterator[Any]:
    """An async test client for ``cme_app`` with a clean database."""
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=cme_app, base_url="http://testserver.local") as client:
        yield client


@pytest.fixture
async def cme_parallel_client(cme_app: Any, cme_client: Any) -> AsyncIterator[Any]:
    """An ``httpx.AsyncClient`` for ``cme_app`` (started by ``cme_client``) in the test's event loop.

    Its requests run concurrently when awaited together; the client address is ``testclient``, as for
    ``cme_client``.
    """
    import httpx

    transport = httpx.ASGITransport(app=cme_app, client=("testclient", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        yield client


@pytest.fixture
def tenant_factory(cme_db: None) -> Callable[..., Awaitable[Any]]:
    """Create tenants: ``await tenant_factory(slug="a", plugin="beijing", name=None, hosts=())``."""
    from cme_platform.tenancy.registry import tenant_from_row, tenants_changed
    from cme_platform.tenancy.tables import Tenant

    async def create(
        slug: str = "tenant-a", plugin: str = "beijing", name: str | None = None, **extra: Any
    ) -> Any:
        row = Tenant(slug=slug, name=name or f"测试租户 {slug}", plugin=plugin, **extra)
        await row.save()
        tenants_changed()
        return tenant_from_row((await Tenant.select().where(Tenant.id == row.id))[0])

    return create


@pytest.fixture
def account_factory(cme_db: None) -> Callable[..., Awaitable[int]]:
    """Create an account in a tenant with grants ``[(Role, {"institution": id, …}), …]``; returns its id.

    The password is ``TEST_PASSWORD``.
    """
    from cme_platform.identity.passwords import hash_password
    from cme_platform.identity.tables import Account, RoleGrant
    from cme_platform.tenancy.scope import scope

    async def create(tenant: Any, username: str, grants: list[tuple[Any, dict[str, int]]] = ()) -> int:  # type: ignore[assignment]
        with scope(tenant):
            account = Account(
                username=username, display_name=f"{username} 测试", password_hash=hash_password(TEST_PASSWORD)
            )
            await account.save()
            for role, units in grants:
                await RoleGrant(account=account.id, role=str(role), **units).save()  # type: ignore[arg-type]
            return int(account.id)

    return create


@pytest.fixture
def login(cme_db: None) -> Callable[..., Awaitable[None]]:
    """Sign a client in: ``await login(client, tenant, username)`` (uses the path prefix ``/t/<slug>``)."""

    async def sign_in(client: Any, tenant: Any, username: str, password: str = TEST_PASSWORD) -> None:
        response = await submit_login(client, tenant, username, password)
        assert response.status_code == 303, (
            f"login as {username} failed: {response.status_code} {response.text[:200]}"
        )
        landing = await client.get(response.headers["location"])
        match = re.search(r'<meta name="csrf-token" content="([^"]+)"', landing.text)
        assert match, f"no CSRF token on the page after signing in as {username}"
        client.headers[CSRF_HEADER] = match.group(1)

    return sign_in


async def submit_login(
    client: Any, tenant: Any, username: str, password: str = TEST_PASSWORD, *, captcha: str | None = None
) -> Any:
    """Open the tenant's sign-in form and submit it (captcha solved unless ``captcha`` is given).

    Returns the response without following redirects (303 on success).
    """
    client.headers.pop(CSRF_HEADER, None)
    form = await client.get(f"/t/{tenant.slug}/login")
    token = form_value(form.text, "captcha_token")
    return await client.post(
        f"/t/{tenant.slug}/login",
        data={
            "username": username,
            "password": password,
            "_csrf": form_value(form.text, "_csrf"),
            "captcha_token": token,
            "captcha": await captcha_answer(token) if captcha is None else captcha,
        },
        follow_redirects=False,
    )


def form_value(html: str, name: str) -> str:
    """The value of the (hidden) input ``name`` in a rendered form (fails the test when absent)."""
    match = re.search(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"the page has no hidden input {name!r}"
    return match.group(1)


async def captcha_answer(token: str) -> str:
    """The answer of a captcha challenge, derived with the platform's secret as only a test may."""
    from cme_platform.identity.captcha import captcha_answer_for

    return captcha_answer_for(token)


@pytest.fixture
def cme_scope() -> Callable[[Any], AbstractContextManager[Any]]:
    """``with cme_scope(tenant): …`` runs queries in that tenant's scope."""
    from cme_platform.tenancy.scope import scope

    return scope
