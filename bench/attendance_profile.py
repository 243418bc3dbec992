"""Where the time of one QR check-in goes: the application in this process, one scan after another.

    CME_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cme_bench_attendance CME_DATA_DIR=bench/data \\
        .venv/bin/python bench/attendance_profile.py --requests 300

Run after ``bench/attendance.py`` (its database and ``bench/data/attendance_clients.json`` stay): the
attendees scan a new session made like the ``profile`` session, which the benchmark leaves alone. The
application built by ``create_app()`` runs with its lifespan (the connection pool of a server worker, no
background jobs) and is called directly as an ASGI app, so no HTTP server or client is in the figures;
one request at a time, so every figure belongs to one scan:

1. ``--requests`` scans timed: wall and CPU milliseconds per request and per step of the request path
   (:data:`TIMED_STEPS`, wrapped where their callers look them up), and every SQL statement sent to
   PostgreSQL (asyncpg's ``fetch`` and ``execute`` wrapped: ``BEGIN``, ``COMMIT`` and the pool's reset
   included) with the time spent waiting for it;
2. ``--requests`` further scans under cProfile: the CPU time (cumulative, per request) of the steps of the
   request path, and the functions that cost most themselves.

``--auth token`` profiles the API-token path instead of the phone's session cookie; ``--experiment``
applies a what-if change of ``bench/attendance_experiments.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import os
import pstats
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import uvloop
from attendance_experiments import IN_PROCESS, apply

CURRENT, SCAN = "cme_platform.identity.current", "cme_platform.attendance.scan"
TIMED_STEPS = {
    "session load (identity_session by the cookie)": (
        "cme_platform.identity.sessions",
        "DatabaseSessionStore",
        "get",
    ),
    "API token check (JWT, identity_api_token)": (
        "cme_platform.identity.current",
        "",
        "principal_from_token",
    ),
    "account, person and grants (load_principal_by_id)": (
        "cme_platform.identity.current",
        "",
        "load_principal_by_id",
    ),
    "scan service (attendance.scan.scan)": ("cme_platform.attendance.scan", "", "scan"),
    "  session facts (projects: session, run, project)": (
        "cme_platform.attendance.scan",
        "",
        "session_facts",
    ),
    "  redeem (attendance and scan log: one statement)": ("cme_platform.attendance.scan", "", "redeem"),
}
"""Functions timed around each call: (module, class or ``""``, attribute) where their callers find them."""
PROFILED_STEPS = {
    "request (the whole ASGI call)": "cme_platform/app.py:*(__call__)",
    "tenant resolution": "cme_platform/tenancy/middleware.py:*(resolve_tenant)",
    "session load (cookie -> identity_session)": "cme_platform/identity/sessions.py:*(load_from_connection)",
    "session on the response": "cme_platform/identity/sessions.py:*(store_in_message)",
    "principal (session or token -> account, grants)": "cme_platform/identity/current.py:*(principal_of)",
    "  token check (JWT, identity_api_token)": "cme_platform/identity/tokens.py:*(principal_from_token)",
    "  account, person and grants": "cme_platform/identity/principal.py:*(load_principal_by_id)",
    "CSRF check": "cme_platform/identity/csrf.py:*(check_token)",
    "scan service (attendance.scan.scan)": "cme_platform/attendance/scan.py:*(scan)",
    "  session facts (projects.attendance)": "cme_platform/projects/attendance.py:*(facts)",
    "  redeem (attendance + scan log)": "cme_platform/attendance/scan.py:*(redeem)",
    "piccolo: compiling SQL (QueryString.compile_string)": "piccolo/querystring.py:*(compile_string)",
    "piccolo: running queries (Query.run)": "piccolo/query/base.py:*(run)",
    "asyncpg: fetch and execute": "*attendance_profile.py:*(timed)",
    "response: msgspec encode": "litestar/serialization/msgspec_hooks.py:*(encode_json)",
}
"""Steps of the request path and the profiler entry (``file:line(function)`` glob) that measures each."""


class Steps:
    """Wall and CPU seconds of chosen functions of the request path, while :attr:`active` (one request at
    a time, so the CPU time between a call and its return is the function's, its awaits included)."""

    def __init__(self) -> None:
        self.active = False
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def install(self) -> None:
        """Wrap the functions of :data:`TIMED_STEPS` where their callers look them up."""
        for label, (module_name, owner, name) in TIMED_STEPS.items():
            target = importlib.import_module(module_name)
            if owner:
                target = getattr(target, owner)
            if not hasattr(target, name):  # the code moved: say so rather than fail
                print(f"  (not timed: {module_name}.{owner + '.' if owner else ''}{name} does not exist)")
                continue
            setattr(target, name, self._wrap(label, getattr(target, name)))

    def _wrap(self, label: str, original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        steps = self

        async def step(*args: Any, **kwargs: Any) -> Any:
            if not steps.active:
                return await original(*args, **kwargs)
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return await original(*args, **kwargs)
            finally:
                steps.wall[label] += time.perf_counter() - wall
                steps.cpu[label] += time.process_time() - cpu

        return step


class Queries:
    """Every statement sent through asyncpg while :attr:`active`, with the seconds spent awaiting it."""

    def __init__(self) -> None:
        self.active = False
        self.log: list[tuple[str, float]] = []

    def install(self) -> None:
        """Wrap ``Connection.fetch`` and ``Connection.execute`` (piccolo and asyncpg's transactions use
        them; pooled connections forward to them)."""
        for name in ("fetch", "execute"):
            original = getattr(asyncpg.connection.Connection, name)
            setattr(asyncpg.connection.Connection, name, self._wrap(original))

    def _wrap(self, original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        queries = self

        async def timed(conn: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            if not queries.active:
                return await original(conn, query, *args, **kwargs)
            started = time.perf_counter()
            try:
                return await original(conn, query, *args, **kwargs)
            finally:
                queries.log.append((query, time.perf_counter() - started))

        return timed


def statement_kind(sql: str) -> str:
    """A short name of a statement: its verb and table (``SELECT identity_session``, ``COMMIT``)."""
    text = " ".join(sql.split())
    if text.startswith("SELECT pg_advisory_unlock_all()"):
        return "pool reset (advisory unlock, CLOSE, UNLISTEN, RESET)"
    verb = text.split(" ", 1)[0].upper().rstrip(";")
    if verb == "WITH":  # name the tables it writes
        written = re.findall(r'(INSERT INTO|UPDATE)\s+"?([a-z_]+)"?', text, re.IGNORECASE)
        return "WITH " + ", ".join(f"{op.split()[0].upper()} {table}" for op, table in written)
    outer = re.sub(r"\([^()]*\)", "", re.sub(r"\([^()]*\)", "", text))  # two levels of subqueries out
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_]+)"?', outer, re.IGNORECASE)
    return f"{verb} {table.group(1)}" if table and verb in ("SELECT", "INSERT", "UPDATE", "DELETE") else verb


def scan_scope(path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> dict[str, Any]:
    """The ASGI scope of ``POST path`` as uvicorn builds it."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(app: Any, scope: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    """One request through the ASGI app: status and body."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def learner_headers(learner: dict[str, Any], auth: str) -> list[tuple[bytes, bytes]]:
    """A phone's credentials (``session``) or an API token's (``token``)."""
    if auth == "token":
        return [(b"authorization", f"Bearer {learner['token']}".encode())]
    return [
        (b"cookie", f"cme_session={learner['cookie']}".encode()),
        (b"x-csrf-token", learner["csrf"].encode()),
    ]


async def code_of(app: Any, clients: dict[str, Any], session_id: int) -> str:
    """The check-in code of ``session_id`` from the owner's display."""
    path = f"/t/{clients['tenant']}/api/attendance/sessions/project/{session_id}/display"
    scope = {
        **scan_scope(path, [(b"cookie", f"cme_session={clients['owner']['cookie']}".encode())], b""),
        "method": "GET",
    }
    status, body = await call(app, scope, b"")
    if status != 200:
        raise SystemExit(f"the display answered {status}: {body[:300]!r}")
    url = next(c["url"] for c in json.loads(body)["codes"] if c["action"] == "check_in")
    return str(url.rsplit("/", 1)[1])


async def fresh_session(template: int, expires_in_s: float) -> int:
    """A new session like ``template`` (same run, same times), so that every profiled scan is a first
    check-in however often this runs; the phones' sessions and tokens as set up (the first request of
    each renews its session or touches its token, as in the benchmark)."""
    from attendance_setup import phones_as_set_up
    from cme_platform.settings import get_settings

    await phones_as_set_up(get_settings().database_url, expires_in_s)
    conn = await asyncpg.connect(get_settings().database_url)
    try:
        return int(
            await conn.fetchval(
                "INSERT INTO projects_session (tenant, run, title, speakers, starts_at, ends_at, hours) "
                "SELECT tenant, run, title || '（剖析）', speakers, starts_at, ends_at, hours "
                "FROM projects_session WHERE id = $1 RETURNING id",
                template,
            )
        )
    finally:
        await conn.close()


async def profile(args: argparse.Namespace) -> None:
    """Time, count and profile the scans."""
    clients = json.loads(args.clients.read_text())
    learners = clients["learners"]
    needed = args.warmup + 2 * args.requests
    if needed > len(learners):
        raise SystemExit(f"{needed} scans need as many attendees; there are {len(learners)}")
    apply(args.experiment)
    from cme_platform.app import create_app

    queries, steps = Queries(), Steps()
    queries.install()
    steps.install()
    app = create_app()
    path = f"/t/{clients['tenant']}/api/attendance/scans"
    async with app.lifespan():
        code = await code_of(
            app, clients, await fresh_session(clients["sessions"]["profile"], clients["session_expires_in_s"])
        )
        body = json.dumps({"code": code}).encode()

        async def scan(learner: dict[str, Any]) -> None:
            status, answer = await call(
                app, scan_scope(path, learner_headers(learner, args.auth), body), body
            )
            if status != 200 or b'"accepted"' not in answer:
                raise SystemExit(f"a scan answered {status}: {answer[:300]!r}")

        for learner in learners[: args.warmup]:
            await scan(learner)
        timed = learners[args.warmup : args.warmup + args.requests]
        walls, cpus, per_request = [], [], []
        for learner in timed:
            queries.log.clear()
            queries.active = steps.active = True
            wall, cpu = time.perf_counter(), time.process_time()
            await scan(learner)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            queries.active = steps.active = False
            per_request.append(list(queries.log))
        profiler = cProfile.Profile()
        profiler.enable()
        for learner in learners[args.warmup + args.requests : needed]:
            await scan(learner)
        profiler.disable()
    report(args, walls, cpus, per_request, steps, profiler)


def report(
    args: argparse.Namespace,
    walls: list[float],
    cpus: list[float],
    per_request: list[list[tuple[str, float]]],
    steps: Steps,
    profiler: cProfile.Profile,
) -> None:
    """Print the timings, the statements and the profile."""
    n = len(walls)
    db_ms = [sum(t for _, t in log) * 1000 for log in per_request]
    label = f"{args.auth}{', ' + ', '.join(args.experiment) if args.experiment else ''}"
    print(f"\n{n} scans ({label}), one at a time, in-process (no HTTP server or client):")
    for name, values in (("wall", walls), ("CPU", cpus)):
        middle, mean = statistics.median(values), statistics.fmean(values)
        print(f"  {name + ' per request':<19}median {middle:.2f} ms, mean {mean:.2f} ms")
    print(f"  awaiting SQL       median {statistics.median(db_ms):.2f} ms (round trips, PostgreSQL's work)")
    print(f"  statements         {statistics.fmean(len(log) for log in per_request):.1f} per request")
    print("\n  step of the request path                              wall ms    CPU ms  (mean per request)")
    for label in TIMED_STEPS:
        if steps.wall[label]:
            print(f"  {label:<52}{steps.wall[label] * 1000 / n:>8.2f}{steps.cpu[label] * 1000 / n:>10.2f}")
    print(f"  {'the whole request':<52}{statistics.fmean(walls):>8.2f}{statistics.fmean(cpus):>10.2f}")
    kinds: dict[str, list[float]] = defaultdict(list)
    for log in per_request:
        for sql, seconds in log:
            kinds[statement_kind(sql)].append(seconds * 1000)
    print("\n  statement                                   per request   mean ms")
    for kind, times in sorted(kinds.items(), key=lambda item: -len(item[1])):
        print(f"  {kind:<44}{len(times) / n:>10.1f}{statistics.fmean(times):>10.3f}")
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    print(f"\n  the same under cProfile (cumulative CPU per request, inflated by the profiler), {n} scans:")
    for label, pattern in PROFILED_STEPS.items():
        total = sum(
            ct
            for (file, line, func), (_, _, _, ct, _) in entries.items()
            if _matches(pattern, f"{_short(file)}:{line}({func})")
        )
        print(f"  {label:<52}{total * 1000 / n:>8.2f} ms")
    print("\n  functions with the most own time (tottime per request):")
    waiting = ("poll' of 'select.epoll", "select.py")  # blocked in the event loop: waiting, not work
    ranked = [e for e in entries.items() if not any(w in f"{e[0][0]}{e[0][2]}" for w in waiting)]
    top = sorted(ranked, key=lambda item: -item[1][2])[: args.top]
    for (file, line, func), (_, calls, tottime, _, _) in top:
        where = f"{_short(file)}:{line}({func})"
        print(f"  {tottime * 1000 / n:>7.3f} ms {calls / n:>6.1f}x  {where}")


def _matches(pattern: str, text: str) -> bool:
    from fnmatch import fnmatchcase

    return fnmatchcase(text, pattern)


def _short(file: str) -> str:
    for marker in ("site-packages/", "platform/", "lib/python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def main() -> None:
    """Parse the command line and profile."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=Path, default=Path("bench/data/attendance_clients.json"))
    parser.add_argument("--requests", type=int, default=300, help="scans timed, and as many profiled")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--auth", choices=("session", "token"), default="session")
    parser.add_argument("--experiment", action="append", default=[], choices=IN_PROCESS)
    parser.add_argument("--top", type=int, default=30, help="functions listed by own time")
    args = parser.parse_args()
    os.environ.setdefault("CME_JOBS_IN_PROCESS", "0")  # as the production server: jobs in their own service
    uvloop.run(profile(args))  # the event loop of uvicorn's workers


if __name__ == "__main__":
    main()
