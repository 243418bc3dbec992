"""The ``cme`` command: serve the platform, migrate the database, sync tenants, run the demo."""

from __future__ import annotations

import asyncio
import copy
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cme_platform.pii import mask_pii_text
from cme_platform.settings import get_settings


def _run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """CME continuing-medical-education credit platform.

    Settings come from CME_* environment variables (see README): CME_DATABASE_URL picks SQLite (default,
    under CME_DATA_DIR) or PostgreSQL; CME_TENANTS_DIR holds the tenant files.
    """


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default CME_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default CME_PORT, 8000).")
@click.option("--workers", type=int, default=None, help="Worker processes (default CME_WORKERS, 1).")
@click.option("--reload", is_flag=True, help="Restart on code changes (development only, one worker).")
@click.option(
    "--jobs/--no-jobs",
    default=None,
    help="Run background jobs inside each server process (default CME_JOBS_IN_PROCESS, yes); "
    "say --no-jobs where `cme worker` runs them.",
)
def serve(host: str | None, port: int | None, workers: int | None, reload: bool, jobs: bool | None) -> None:
    """Serve the web UI and the JSON API with uvicorn.

    Run `cme migrate` first. Sessions live in the database, so several workers and instances share them.
    Behind a TLS proxy, set FORWARDED_ALLOW_IPS to the proxy's address so that X-Forwarded-Proto marks
    requests as HTTPS (cookies then get the Secure attribute).
    """
    import os

    import uvicorn

    if jobs is not None:
        os.environ["CME_JOBS_IN_PROCESS"] = "1" if jobs else "0"
        get_settings.cache_clear()
    settings = get_settings()
    uvicorn.run(
        "cme_platform.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=None if reload else (workers or settings.workers),
        reload=reload,
        proxy_headers=True,
        log_level="info",
        log_config=server_log_config(),
    )


@main.command()
@click.option(
    "--concurrency", type=click.IntRange(1, 64), default=4, help="Jobs run at the same time (default 4)."
)
def worker(concurrency: int) -> None:
    """Run background jobs (imports, recomputations, scheduled jobs) until SIGINT or SIGTERM.

    Start any number, on any machines that reach the database; then serve with `cme serve --no-jobs`.
    A worker that stops puts its running jobs back in the queue; one that dies has them retried by
    another after CME_JOB_HEARTBEAT_SECONDS (60).
    """
    from cme_platform.app import page_templates
    from cme_platform.jobs.worker import run_worker
    from cme_platform.plugins.manager import get_plugin_manager

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    pm = get_plugin_manager()
    _run(run_worker(pm, get_settings(), page_templates(pm), concurrency=concurrency))


def mask_access_log(record: logging.LogRecord) -> bool:
    """A logging filter: ID-number-like and phone-like runs in the record's text and arguments masked.

    Installed on uvicorn's handlers, so that an access-log request line never holds a clear ID number
    or phone (searches carry them as tokens; this is the defence in depth for any other URL).
    """
    if isinstance(record.msg, str):
        record.msg = mask_pii_text(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(mask_pii_text(a) if isinstance(a, str) else a for a in record.args)
    return True


def server_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with :func:`mask_access_log` on its handlers (every worker)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["mask_pii"] = {"()": f"{__name__}.access_log_mask"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("mask_pii")
    return config


def access_log_mask() -> Callable[[logging.LogRecord], bool]:
    """The factory that ``logging.config`` calls for the ``mask_pii`` filter."""
    return mask_access_log


@main.command()
def migrate() -> None:
    """Apply all pending database migrations (core first, then plugins) on SQLite or PostgreSQL.

    Safe to run repeatedly: applied migrations are recorded and skipped. A failing migration is rolled
    back and the command exits with status 1.
    """
    from cme_platform.db.migrate import MigrationFailed
    from cme_platform.db.migrate import migrate as run_migrate

    try:
        _run(run_migrate())
    except MigrationFailed as exc:
        click.echo(f"migration failed: {exc}", err=True)
        sys.exit(1)
    click.echo(f"database is up to date ({_describe_db()})")


@main.group()
def tenants() -> None:
    """Manage tenants (provincial CME commissions)."""


@tenants.command("sync")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of <slug>.toml files (default CME_TENANTS_DIR, ./tenants).",
)
def tenants_sync(directory: Path | None) -> None:
    """Create or update tenants from tenants/<slug>.toml files.

    Every file is validated first (name, plugin, hosts, branding, and [settings] against the plugin's
    schema); if any file is invalid nothing is written and the errors are listed. Tenants whose file was
    removed are kept (set `active = false` to switch one off).
    """
    _sync_tenants(directory)


def _sync_tenants(directory: Path | None) -> None:
    from cme_platform.plugins.manager import get_plugin_manager
    from cme_platform.tenancy.sync import TenantFileError, read_tenant_dir, sync_tenants

    directory = directory or get_settings().tenants_dir
    if not directory.is_dir():
        click.echo(f"tenant directory {directory} does not exist", err=True)
        sys.exit(1)
    try:
        specs = read_tenant_dir(directory, get_plugin_manager())
    except TenantFileError as exc:
        click.echo(f"tenant files are invalid, nothing was written:\n{exc}", err=True)
        sys.exit(1)
    result = _run(sync_tenants(specs))
    for slug, outcome in result.items():  # type: ignore[attr-defined]
        click.echo(f"  {slug}: {outcome}")


@main.group()
def operators() -> None:
    """Manage platform operators (they look after every tenant; each of their views is audited)."""


@operators.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The operator's name as shown in the audit log.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def operators_add(username: str, display_name: str, password_stdin: bool) -> None:
    """Add a platform operator who signs in at /platform/login on the bare host.

    The password is asked for twice on the terminal (or read from stdin with --password-stdin) and
    must pass the strength rule. The creation is recorded in the platform audit log.
    """
    from cme_platform.db.migrate import migrate as run_migrate
    from cme_platform.errors import DomainError
    from cme_platform.identity.operators import add_operator

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _run(run_migrate())
    try:
        _run(add_operator(username, display_name, password))
    except DomainError as exc:
        click.echo(f"operator not added: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"operator {username} added; sign in at /platform/login")


@main.group()
def audit() -> None:
    """Check the audit logs (append-only, hash-chained)."""


@audit.command("verify")
@click.option(
    "--tenant", "slug", default=None, help="One tenant's log (default: every tenant and the platform log)."
)
def audit_verify(slug: str | None) -> None:
    """Verify the hash chains; exits with status 1 naming the tenant and seq of the first broken record."""
    from cme_platform.audit.verify import verify_chain
    from cme_platform.tenancy.tables import Tenant

    async def check() -> list[tuple[str, object]]:
        query = Tenant.select(Tenant.id, Tenant.slug).order_by(Tenant.slug)
        tenants = await (query.where(Tenant.slug == slug) if slug else query)
        if slug and not tenants:
            return []
        logs: list[tuple[str, int | None]] = [(t["slug"], t["id"]) for t in tenants]
        if not slug:
            logs.append(("platform", None))
        return [(name, await verify_chain(tenant_id)) for name, tenant_id in logs]

    reports = _run(check())
    if not reports:
        click.echo(f"tenant {slug} does not exist", err=True)
        sys.exit(2)
    broken = False
    for name, report in reports:  # type: ignore[attr-defined]
        if report.ok:
            click.echo(f"  {name}: ok, {report.records} records")
        else:
            broken = True
            click.echo(f"  {name}: BROKEN at seq {report.first_broken_seq} ({report.message})", err=True)
    sys.exit(1 if broken else 0)


@main.group()
def personnel() -> None:
    """Import people from Excel; write the import template."""


@personnel.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def personnel_template(out: Path) -> None:
    """Write the import template (xlsx) to OUT."""
    from cme_platform.personnel.excel_template import template_workbook

    out.write_bytes(template_workbook())
    click.echo(f"template written to {out}")


@personnel.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option(
    "--mode",
    type=click.Choice(["all", "valid"]),
    default="all",
    show_default=True,
    help="all: write nothing when any row has an error; valid: write the valid rows.",
)
@click.option("--institution", "code", default=None, help="Institution code for rows without 单位编码.")
def personnel_import(file: Path, slug: str, mode: str, code: str | None) -> None:
    """Import the people of FILE (the template's sheet) in the foreground, with a progress line.

    Exits with status 1 when nothing was written because of errors, 2 for an unknown tenant or institution.
    """
    from cme_platform.personnel.jobs import run_cli_import

    sys.exit(int(_run(run_cli_import(file, slug, mode, code, click.echo))))  # type: ignore[call-overload]


@main.group()
def compliance() -> None:
    """Recompute stored compliance results."""


@compliance.command("recompute")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="The year to recompute.")
def compliance_recompute(slug: str, year: int) -> None:
    """Recompute a tenant-year's compliance results in the foreground (exit 1 when it failed, 2 no tenant)."""
    from cme_platform.compliance.jobs import run_cli
    from cme_platform.plugins.manager import get_plugin_manager

    sys.exit(int(_run(run_cli(get_plugin_manager(), slug, year, click.echo))))  # type: ignore[call-overload]


@main.command("new-province")
@click.argument("slug")
@click.option("--name", required=True, help="The province in Chinese, e.g. 安徽省.")
@click.option(
    "--code", default=None, help="2–4 lowercase letters for its codes (default: the slug's first two)."
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The platform's checkout (where pyproject.toml is).",
)
def new_province(slug: str, name: str, code: str | None, root: Path) -> None:
    """Write a new province plugin (plugins/SLUG/), its tenant file and contract test, and register it.

    The next `make demo` or `make test` installs it through its entry point; its rules start as empty
    tables to fill from the province's manuals (docs/plugins.md, "Adding a province").
    """
    from cme_platform.plugins.scaffold import Province, ScaffoldError, write_province

    province = Province(slug=slug, name=name.strip(), code=code or slug[:2])
    try:
        written = write_province(province, root)
    except (ScaffoldError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    for path in written:
        click.echo(f"  wrote {path}")
    click.echo(f'  registered {slug} = "cme_{slug}.plugin" in pyproject.toml')
    click.echo("Next: make test (installs the plugin and runs its contract test), then fill its rules.")


@main.command()
@click.option("--serve/--no-serve", default=True, help="Start the server afterwards (default: yes).")
def demo(serve: bool) -> None:
    """Set up the demo: migrate, sync tenants, load demo organisations and accounts, then serve.

    Idempotent: a second run reuses the database and keeps every change made in between.
    """
    from cme_platform.certificates.demo import load_demo_recognitions
    from cme_platform.db.migrate import migrate as run_migrate
    from cme_platform.demo import DEMO_LEARNER_ID, DemoLogin, load_demo
    from cme_platform.plugins.manager import get_plugin_manager
    from cme_platform.tenancy.context import TenantContext
    from cme_platform.tenancy.registry import load_tenants

    settings = get_settings()
    _run(run_migrate())
    click.echo(f"database is up to date ({_describe_db()})")
    _sync_tenants(None)
    pm = get_plugin_manager()

    async def load_all() -> list[tuple[TenantContext, list[DemoLogin]]]:
        tenants = [t for t in await load_tenants() if t.active]
        loaded = [(t, await load_demo(pm, t)) for t in tenants]
        await load_demo_recognitions(pm, settings.secret_key, tenants, DEMO_LEARNER_ID)
        return loaded

    port = settings.port
    click.echo("\nTenants and demo logins:")
    for tenant, logins in _run(load_all()):  # type: ignore[attr-defined]
        click.echo(f"\n  {tenant.name} ({tenant.plugin})")
        click.echo(f"    http://127.0.0.1:{port}/t/{tenant.slug}/")
        click.echo(f"    http://{tenant.slug}.{settings.base_domain}:{port}/")
        login_url = f"http://127.0.0.1:{port}/t/{tenant.slug}/login"
        header = _pad("角色", 24) + _pad("用户名", 20) + _pad("密码", 12) + _pad("手机号", 13)
        click.echo(f"    {header}登录地址")
        for login in logins:
            columns = (
                _pad(login.role.label, 24)
                + _pad(login.username, 20)
                + _pad(login.password, 12)
                + _pad(login.phone, 13)
            )
            click.echo(f"    {columns}{login_url}")
        click.echo("    （学员使用默认密码：身份证号后六位，首次登录须修改密码）")
        click.echo("    （短信验证码登录：验证码由控制台短信网关写入服务日志）")
    click.echo("")
    if serve:
        serve_cmd = main.get_command(click.Context(main), "serve")
        assert serve_cmd is not None
        click.Context(serve_cmd).invoke(
            serve_cmd, host=None, port=None, workers=None, reload=False, jobs=None
        )


def _pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (CJK characters take two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


def _describe_db() -> str:
    settings = get_settings()
    if settings.is_postgres:
        return "PostgreSQL"
    return f"SQLite {settings.database_url.removeprefix('sqlite:///')}"


if __name__ == "__main__":
    main()
