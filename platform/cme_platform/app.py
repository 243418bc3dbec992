"""The application factory: the Litestar app with tenancy, sessions, the API, the UI and the plugins."""

from __future__ import annotations

import asyncio
import os
import weakref
from pathlib import Path
from typing import Any

import pluggy
from litestar import Litestar, Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig
from litestar.types import Receive, Scope, Send

from cme_platform.api.blank_query import without_blank_values
from cme_platform.api.openapi import openapi_config
from cme_platform.api.text_guard import TextGuardMiddleware
from cme_platform.audit.actions import audit_labels
from cme_platform.audit.context import Actor, acting_as
from cme_platform.audit.refusals import record_forbidden
from cme_platform.clock import china_time, chinese_date
from cme_platform.files.service import preview_kind
from cme_platform.identity.cookies import SecureCookieMiddleware
from cme_platform.identity.csrf import CSRFMiddleware, install_template_helpers
from cme_platform.identity.password_gate import PasswordChangeGate
from cme_platform.identity.sessions import SESSION_STORE, DatabaseSessionStore, session_config
from cme_platform.plugins.manager import (
    get_plugin_manager,
    province_names,
    startup_hooks,
    tenant_hooks,
    using_plugin_manager,
)
from cme_platform.settings import Settings, get_settings
from cme_platform.standards.amounts import format_credits
from cme_platform.tenancy.middleware import TenantRequiredMiddleware, resolve_tenant
from cme_platform.tenancy.registry import TenantDirectory
from cme_platform.tenancy.scope import current_tenant, scope
from cme_platform.web_headers import add_security_headers


class CMEApp(Litestar):
    """Litestar with tenant resolution in front of the router, so every request runs in its scope."""

    async def __call__(self, scope_: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        if scope_["type"] not in ("http", "websocket"):
            await super().__call__(scope_, receive, send)
            return
        scope_["query_string"] = without_blank_values(scope_.get("query_string", b""))
        with acting_as(request_actor(scope_)), using_plugin_manager(self.state.plugin_manager):
            tenant = await resolve_tenant(scope_, self.state.tenant_directory)
            if tenant is None:
                await super().__call__(scope_, receive, send)
                return
            scope_["state"]["cme_tenant"] = tenant
            with scope(tenant):
                await super().__call__(scope_, receive, send)


def request_actor(scope_: Scope) -> Actor:
    """An anonymous actor with the client's address and user agent (the principal completes it)."""
    client = scope_.get("client")
    user_agent = next((v for k, v in scope_.get("headers", []) if k == b"user-agent"), b"")
    return Actor(
        kind="anonymous", ip=client[0] if client else "", user_agent=user_agent.decode("latin-1")[:300]
    )


def _plugin_guard(plugin_name: str) -> Any:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if current_tenant().plugin != plugin_name:
            raise NotFoundException("页面不存在")

    return guard


def plugin_routers(pm: pluggy.PluginManager) -> list[Router]:
    """One router per plugin under ``/p/<name>``, reachable only by that plugin's tenants."""
    routers = []
    for name in province_names(pm):
        handlers = [h for contributed in tenant_hooks(pm, name).cme_routes() for h in contributed]
        if handlers:
            routers.append(Router(path=f"/p/{name}", route_handlers=handlers, guards=[_plugin_guard(name)]))
    return routers


def template_dirs(pm: pluggy.PluginManager) -> list[Path | str | os.PathLike[Any]]:
    """The shell's template directory followed by every plugin's."""
    from cme_admin_ui import TEMPLATE_DIR

    dirs: list[Path | str | os.PathLike[Any]] = [TEMPLATE_DIR]
    for contributed in startup_hooks(pm, "cme_template_dirs")():
        dirs.extend(Path(d) for d in contributed)
    return dirs


def page_templates(pm: pluggy.PluginManager) -> JinjaTemplateEngine:
    """The shell's template engine: the core's and the plugins' templates, each tenant's overrides, the
    filters; the application renders its pages with it and workers their documents."""
    from cme_admin_ui.overrides import TenantTemplateEngine

    return TemplateConfig(
        directory=template_dirs(pm), engine=TenantTemplateEngine, engine_callback=_template_filters
    ).to_engine()


def _template_filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["zip"] = lambda first, second: list(zip(first, second, strict=False))
    engine.engine.filters["china_time"] = china_time
    engine.engine.filters["chinese_date"] = chinese_date
    engine.engine.filters["credits"] = format_credits
    engine.engine.globals["preview_kind"] = preview_kind
    install_template_helpers(engine.engine)


async def _keep_session(connection: object) -> None:
    """Reset nothing when a pooled connection goes back: asyncpg has already rolled back a transaction
    left open, and the platform keeps no other session state (only transaction-scoped advisory locks, no
    ``SET``, no ``LISTEN`` on these connections). The default reset (``pg_advisory_unlock_all(); CLOSE
    ALL; UNLISTEN *; RESET ALL``) would be a round trip after every query outside a transaction: half
    of the statements of a check-in scan (bench/README.md)."""


async def _start_database(app: Litestar) -> None:
    from cme_platform.tenancy.tables import Tenant

    start = getattr(Tenant._meta.db, "start_connection_pool", None)
    if app.state.settings.is_postgres and app.state.settings.db_pool and start is not None:
        await start(max_size=10, reset=_keep_session)


async def _start_jobs(app: Litestar) -> None:
    """Open the job queue (and, unless ``CME_JOBS_IN_PROCESS=0``, a worker inside this process), one per
    event loop the app's lifespan runs on (tests run one app on several)."""
    from cme_platform.jobs.worker import InProcessJobs

    templates = app.template_engine
    assert isinstance(templates, JinjaTemplateEngine)  # create_app gives it page_templates()
    jobs = InProcessJobs(app.state.plugin_manager, app.state.settings, templates)
    app.state.jobs[asyncio.get_running_loop()] = jobs
    await jobs.start()


async def _stop_jobs(app: Litestar) -> None:
    jobs = app.state.jobs.pop(asyncio.get_running_loop(), None)
    if jobs is not None:
        await jobs.stop()


async def _stop_database(app: Litestar) -> None:
    from cme_platform.tenancy.tables import Tenant

    close = getattr(Tenant._meta.db, "close_connection_pool", None)
    if app.state.settings.is_postgres and app.state.settings.db_pool and close is not None:
        await close()


def create_app(
    *, plugin_manager: pluggy.PluginManager | None = None, settings: Settings | None = None
) -> CMEApp:
    """Build the application. Without arguments it uses every installed plugin and the env settings."""
    from cme_admin_ui import STATIC_DIR, ui_routes
    from cme_admin_ui.error_pages import handle_exception
    from cme_admin_ui.shell import shell_state

    from cme_platform.approvals.api import approval_api_routes
    from cme_platform.attendance.api import attendance_api_routes
    from cme_platform.audit.api import audit_api_routes
    from cme_platform.certificates.api import certificate_api_routes
    from cme_platform.compliance.api import compliance_api_routes
    from cme_platform.credits.api import credit_api_routes
    from cme_platform.documents.api import document_api_routes
    from cme_platform.files.api import file_api_routes
    from cme_platform.identity.account_api import account_api_routes
    from cme_platform.identity.profile_api import profile_api_routes
    from cme_platform.identity.token_api import token_api_routes
    from cme_platform.notifications.api import notification_api_routes
    from cme_platform.orgs.api import org_api_routes
    from cme_platform.personnel.api import personnel_api_routes
    from cme_platform.personnel.import_api import person_import_api_routes
    from cme_platform.projects.api import project_api_routes
    from cme_platform.projects.attendee_api import attendee_api_routes
    from cme_platform.projects.import_api import project_import_api_routes
    from cme_platform.projects.review_api import review_api_routes
    from cme_platform.standards.api import standard_api_routes
    from cme_platform.todos.api import todo_api_routes

    settings = settings or get_settings()
    pm = plugin_manager or get_plugin_manager()
    audit_labels(pm)  # two plugins labelling one audit action is a configuration error: fail at start
    app = CMEApp(
        route_handlers=[
            *org_api_routes(),
            *personnel_api_routes(),
            *person_import_api_routes(),
            *profile_api_routes(),
            *standard_api_routes(),
            *compliance_api_routes(),
            *credit_api_routes(),
            *approval_api_routes(),
            *token_api_routes(),
            *account_api_routes(),
            *file_api_routes(),
            *audit_api_routes(),
            *todo_api_routes(),
            *notification_api_routes(),
            *project_api_routes(),
            *project_import_api_routes(),
            *review_api_routes(),
            *attendance_api_routes(),
            *attendee_api_routes(),
            *certificate_api_routes(),
            *document_api_routes(),
            *ui_routes(),
            *plugin_routers(pm),
            create_static_files_router(path="/static", directories=[STATIC_DIR], opt={"platform": True}),
        ],
        middleware=[
            SecureCookieMiddleware(),
            session_config().middleware,
            TenantRequiredMiddleware(),
            TextGuardMiddleware(),
            CSRFMiddleware(),
            PasswordChangeGate(),
        ],
        stores={SESSION_STORE: DatabaseSessionStore(settings.secret_key)},
        template_config=TemplateConfig(instance=page_templates(pm)),
        openapi_config=openapi_config(),
        exception_handlers={Exception: handle_exception},
        before_send=[add_security_headers],
        before_request=shell_state,
        after_exception=[record_forbidden],
        request_max_body_size=settings.max_body_bytes,
        on_startup=[_start_database, _start_jobs],
        on_shutdown=[_stop_jobs, _stop_database],
        debug=settings.debug,
    )
    app.state.settings = settings
    app.state.plugin_manager = pm
    app.state.jobs = weakref.WeakKeyDictionary()
    app.state.tenant_directory = TenantDirectory(settings.base_domain)
    return app
