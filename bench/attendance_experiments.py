"""What-if changes to the check-in path, applied inside the benchmark's own processes only.

The platform's code is not changed: each experiment patches, at import, what a proposed change would
change, so that ``bench/attendance.py --experiment NAME`` (the server) and
``bench/attendance_profile.py --experiment NAME`` (in-process) measure its effect on the same data.

- ``facts-cache``: a session's facts (one statement joining session, run and project) kept for 5 seconds
  per worker. A run's approval or code period changed at the venue would reach scans up to 5 seconds
  late.
- ``no-access-log``: uvicorn without its access log (``cme serve`` logs every request at INFO).

    .venv/bin/python bench/attendance_experiments.py serve --port 8000 --workers 4 --experiment facts-cache

serves the platform as ``cme serve --no-jobs`` does (uvicorn, same options), with the experiments on.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from typing import Any

EXPERIMENTS = ("facts-cache", "no-access-log")
IN_PROCESS = ("facts-cache",)
"""The experiments ``attendance_profile.py`` can apply (the others are options of the HTTP server)."""
ENV = "CME_BENCH_EXPERIMENTS"
"""The experiments a server worker applies when it imports this module (comma-separated)."""
FACTS_SECONDS = 5.0


def _facts_cache() -> None:
    from cme_platform.projects.attendance import ProjectSessions
    from cme_platform.tenancy.scope import current_tenant

    original = ProjectSessions.facts
    cache: dict[tuple[int, tuple[int, ...]], tuple[float, Any]] = {}

    async def facts(self: ProjectSessions, session_ids: Sequence[int]) -> Any:
        key = (current_tenant().id, tuple(session_ids))
        hit = cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < FACTS_SECONDS:
            return hit[1]
        value = await original(self, session_ids)
        cache[key] = (time.monotonic(), value)
        return value

    ProjectSessions.facts = facts  # type: ignore[method-assign]


def apply(names: Sequence[str]) -> None:
    """Patch this process for each experiment of ``names`` (``no-access-log`` is a server option)."""
    unknown = set(names) - set(EXPERIMENTS)
    if unknown:
        raise SystemExit(f"unknown experiments {sorted(unknown)}: choose from {EXPERIMENTS}")
    if "facts-cache" in names:
        _facts_cache()


def __getattr__(name: str) -> Any:
    """``app``: the platform's ASGI app with the experiments of :data:`ENV` applied (what a server worker
    imports)."""
    if name != "app":
        raise AttributeError(name)
    apply([n for n in os.environ.get(ENV, "").split(",") if n])
    from cme_platform.asgi import app

    globals()["app"] = app
    return app


def serve(args: argparse.Namespace) -> None:
    """Run uvicorn as ``cme serve --no-jobs`` does, on this module's ``app``."""
    import uvicorn
    from cme_platform.cli import server_log_config

    os.environ["CME_JOBS_IN_PROCESS"] = "0"
    os.environ[ENV] = ",".join(args.experiment)
    uvicorn.run(
        "attendance_experiments:app",
        app_dir=os.path.dirname(os.path.abspath(__file__)),
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_level="info",
        log_config=server_log_config(),
        access_log="no-access-log" not in args.experiment,
    )


def main() -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("serve", help="serve the platform with experiments on")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8000)
    server.add_argument("--workers", type=int, default=4)
    server.add_argument("--experiment", action="append", default=[], choices=EXPERIMENTS)
    serve(parser.parse_args())


if __name__ == "__main__":
    main()
