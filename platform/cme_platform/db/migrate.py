"""Apply every Piccolo app's migrations (the core's first, then the plugins') to the configured database."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards


class MigrationFailed(RuntimeError):
    """A migration failed; it was rolled back and the message says why."""


async def migrate(*, quiet: bool = True) -> str:
    """Run all pending migrations; returns Piccolo's report. Raises :class:`MigrationFailed` on failure."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise MigrationFailed(f"{result.message}\n{output.getvalue()}")
    return output.getvalue()
