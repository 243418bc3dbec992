"""The ``cme`` command: serve the platform, migrate the database, sync tenants, run the demo."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

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
def serve(host: str | None, port: int | None, workers: int | None, reload: bool) -> None:
    """Serve the web UI and the JSON API with uvicorn.

    Run `cme migrate` first. Behind a proxy, several workers share sessions (encrypted cookies keyed by
    CME_SECRET_KEY, which must then be set explicitly and be the same for every instance).
    """
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "cme_platform.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=None if reload else (workers or settings.workers),
        reload=reload,
        proxy_headers=True,
        log_level="info",
    )


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


@main.command()
@click.option("--serve/--no-serve", default=True, help="Start the server afterwards (default: yes).")
def demo(serve: bool) -> None:
    """Set up the demo: migrate, sync tenants, load demo organisations and accounts, then serve.

    Idempotent: a second run reuses the database and keeps every change made in between.
    """
    from cme_platform.db.migrate import migrate as run_migrate
    from cme_platform.demo import DemoLogin, load_demo
    from cme_platform.plugins.manager import get_plugin_manager
    from cme_platform.tenancy.context import TenantContext
    from cme_platform.tenancy.registry import load_tenants

    settings = get_settings()
    _run(run_migrate())
    click.echo(f"database is up to date ({_describe_db()})")
    _sync_tenants(None)
    pm = get_plugin_manager()

    async def load_all() -> list[tuple[TenantContext, list[DemoLogin]]]:
        return [(t, await load_demo(pm, t)) for t in await load_tenants() if t.active]

    port = settings.port
    click.echo("\nTenants and demo logins:")
    for tenant, logins in _run(load_all()):  # type: ignore[attr-defined]
        click.echo(f"\n  {tenant.name} ({tenant.plugin})")
        click.echo(f"    http://127.0.0.1:{port}/t/{tenant.slug}/")
        click.echo(f"    http://{tenant.slug}.{settings.base_domain}:{port}/")
        for login in logins:
            click.echo(f"    {login.username:<14} {login.password:<12} {login.role.label}  {login.scope}")
    click.echo("")
    if serve:
        serve_cmd = main.get_command(click.Context(main), "serve")
        assert serve_cmd is not None
        click.Context(serve_cmd).invoke(serve_cmd, host=None, port=None, workers=None, reload=False)


def _describe_db() -> str:
    settings = get_settings()
    if settings.is_postgres:
        return "PostgreSQL"
    return f"SQLite {settings.database_url.removeprefix('sqlite:///')}"


if __name__ == "__main__":
    main()
