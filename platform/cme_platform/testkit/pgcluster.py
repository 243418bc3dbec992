"""A throwaway PostgreSQL cluster for tests.

``PostgresCluster`` runs ``initdb`` into a temporary directory, starts the server on a free loopback port
with durability switched off (tests never need it), creates the database ``cme_test`` and removes
everything again on ``stop()``::

    with PostgresCluster() as pg:
        run_tests_against(pg.url)   # postgresql://postgres@127.0.0.1:<port>/cme_test

The binaries are looked up on ``PATH`` first, then under ``/usr/lib/postgresql/<version>/bin`` (Debian and
Ubuntu; the newest version wins). PostgreSQL refuses to run as root, so when the tests run as root the
cluster is owned by the ``postgres`` OS user and the server commands run through ``runuser`` (or ``su``).
Anything that keeps a cluster from starting raises :class:`PostgresUnavailable` with the reason and the tail
of the server log.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = ["PostgresCluster", "PostgresUnavailable", "available", "find_binaries"]

DEBIAN_ROOT = Path("/usr/lib/postgresql")
OS_USER = "postgres"
SUPERUSER = "postgres"
DATABASE = "cme_test"
_LOG_TAIL_LINES = 40


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL cluster can be started here; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Binaries:
    """Where ``initdb`` and ``pg_ctl`` live, and the directory holding the other server tools."""

    initdb: Path
    pg_ctl: Path
    bindir: Path

    def tool(self, name: str) -> Path | None:
        """A client tool (``createdb``, ``psql``) from the same installation, else from ``PATH``."""
        candidate = self.bindir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
        found = shutil.which(name)
        return Path(found) if found else None


def _version_key(path: Path) -> tuple[int, ...]:
    """Sort key for ``/usr/lib/postgresql/<version>``: ``9.6`` < ``15`` < ``16``."""
    parts = re.findall(r"\d+", path.name)
    return tuple(int(p) for p in parts) if parts else (-1,)


def find_binaries() -> Binaries | None:
    """Find ``initdb`` and ``pg_ctl``: ``PATH`` first, then the newest ``/usr/lib/postgresql/*/bin``."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        # Follow symlinks (e.g. /usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl) so that
        # createdb and psql come from the same installation.
        real_pg_ctl = Path(pg_ctl).resolve()
        return Binaries(Path(initdb), Path(pg_ctl), real_pg_ctl.parent)
    if DEBIAN_ROOT.is_dir():
        for version_dir in sorted(DEBIAN_ROOT.iterdir(), key=_version_key, reverse=True):
            bindir = version_dir / "bin"
            initdb_path, pg_ctl_path = bindir / "initdb", bindir / "pg_ctl"
            if all(p.is_file() and os.access(p, os.X_OK) for p in (initdb_path, pg_ctl_path)):
                return Binaries(initdb_path, pg_ctl_path, bindir)
    return None


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _switch_user_prefix(user: str) -> list[str] | None:
    """How root runs a command as ``user``: ``runuser -u user --`` or ``None`` (then ``su`` is used)."""
    runuser = shutil.which("runuser") or next(
        (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)), None
    )
    return [runuser, "-u", user, "--"] if runuser else None


def _unavailable_reason() -> str | None:
    """Why no cluster can be started here (``None`` when it looks possible)."""
    if find_binaries() is None:
        return (
            "PostgreSQL server binaries not found (initdb and pg_ctl on PATH or under "
            f"{DEBIAN_ROOT}/*/bin); on Debian/Ubuntu: apt-get install postgresql"
        )
    if _is_root():
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"running as root and there is no {OS_USER!r} OS user to own the cluster"
        if _switch_user_prefix(OS_USER) is None and shutil.which("su") is None:
            return "running as root and neither runuser nor su is available"
    return None


def available() -> bool:
    """True when the binaries (and, as root, the ``postgres`` user) are there to start a cluster."""
    return _unavailable_reason() is None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _traversable_by_others(path: Path) -> bool:
    """True when every directory from ``/`` down to ``path`` can be entered by other users."""
    for directory in [path, *path.parents]:
        try:
            if not directory.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


class PostgresCluster:
    """A private PostgreSQL server in a temporary directory, for the length of a test session.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. Attributes once started:
    ``url`` (``postgresql://postgres@127.0.0.1:<port>/cme_test``), ``host``, ``port``, ``user``,
    ``database``, ``base_dir``, ``data_dir``, ``log_path`` and ``binaries``.
    """

    host = "127.0.0.1"
    user = SUPERUSER
    database = DATABASE

    def __init__(self, *, start_attempts: int = 3, timeout: float = 60.0) -> None:
        self.start_attempts = start_attempts
        self.timeout = timeout
        self.binaries: Binaries | None = None
        self.base_dir: Path | None = None
        self.port: int | None = None
        self._run_as: str | None = None
        self._running = False

    # -- public API -------------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self._base / "data"

    @property
    def log_path(self) -> Path:
        return self._base / "postgres.log"

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the cluster is not started")
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"

    def start(self) -> PostgresCluster:
        """Create and start the cluster and its database; raise :class:`PostgresUnavailable` on failure."""
        if self._running:
            return self
        reason = _unavailable_reason()
        if reason:
            raise PostgresUnavailable(reason)
        self.binaries = find_binaries()
        assert self.binaries is not None
        self._run_as = OS_USER if _is_root() else None
        self._make_base_dir()
        try:
            self._initdb()
            self._start_server()
            atexit.register(self.stop)
            self._create_database()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server at once (no checkpoint) and delete its directory. Safe to call twice."""
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        if self._running and self.binaries is not None:
            with contextlib.suppress(Exception):
                self._run(
                    [str(self.binaries.pg_ctl), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"],
                    as_owner=True,
                    timeout=self.timeout,
                )
        self._running = False
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.url if self._running else "stopped"
        return f"<PostgresCluster {state}>"

    # -- steps ------------------------------------------------------------------------------------

    @property
    def _base(self) -> Path:
        if self.base_dir is None:
            raise RuntimeError("the cluster is not started")
        return self.base_dir

    def _make_base_dir(self) -> None:
        parent: str | None = None
        if self._run_as and not _traversable_by_others(Path(tempfile.gettempdir())):
            parent = "/tmp"  # the postgres user must be able to reach the directory
        self.base_dir = Path(tempfile.mkdtemp(prefix="cme-pg-", dir=parent))
        if self._run_as:
            entry = pwd.getpwnam(self._run_as)
            os.chown(self.base_dir, entry.pw_uid, entry.pw_gid)
        self.base_dir.chmod(0o700)

    def _initdb(self) -> None:
        assert self.binaries is not None
        base = [
            str(self.binaries.initdb),
            "-D",
            str(self.data_dir),
            "-A",
            "trust",
            "-U",
            SUPERUSER,
            "--no-sync",
            "-E",
            "UTF8",
        ]
        outputs = []
        for locale in ("C.UTF-8", "C"):
            shutil.rmtree(self.data_dir, ignore_errors=True)
            result = self._run([*base, f"--locale={locale}"], as_owner=True, timeout=180)
            if result.returncode == 0:
                return
            outputs.append(f"--locale={locale}: exit {result.returncode}\n{result.stdout.strip()}")
        raise PostgresUnavailable("initdb failed\n" + "\n".join(outputs))

    def _start_server(self) -> None:
        assert self.binaries is not None
        failures = []
        for _attempt in range(max(1, self.start_attempts)):
            port = _free_port()
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-p {port}",
                    f"-c unix_socket_directories={shlex.quote(str(self._base))}",
                    "-c fsync=off",
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                ]
            )
            result = self._run(
                [
                    str(self.binaries.pg_ctl),
                    "-w",
                    "-t",
                    str(int(self.timeout)),
                    "-D",
                    str(self.data_dir),
                    "-o",
                    options,
                    "-l",
                    str(self.log_path),
                    "start",
                ],
                as_owner=True,
                timeout=self.timeout + 30,
            )
            if result.returncode == 0:
                self.port = port
                self._running = True
                return
            log = self._log_tail()
            failures.append(f"pg_ctl start on port {port}: exit {result.returncode}\n{result.stdout.strip()}")
            # Stop a half-started server before trying again on another port.
            self._run(
                [str(self.binaries.pg_ctl), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"],
                as_owner=True,
                timeout=self.timeout,
            )
            if "already in use" not in log and "could not bind" not in log:
                break  # not a port race: trying another port will not help
        raise PostgresUnavailable(
            "PostgreSQL did not start\n" + "\n".join(failures) + "\n--- server log ---\n" + self._log_tail()
        )

    def _create_database(self) -> None:
        assert self.binaries is not None and self.port is not None
        common = ["-h", self.host, "-p", str(self.port), "-U", SUPERUSER]
        createdb = self.binaries.tool("createdb")
        psql = self.binaries.tool("psql")
        if createdb is not None:
            command = [str(createdb), *common, DATABASE]
        elif psql is not None:
            command = [str(psql), *common, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c",
                       f"CREATE DATABASE {DATABASE}"]  # fmt: skip
        else:
            raise PostgresUnavailable(f"neither createdb nor psql found next to {self.binaries.pg_ctl}")
        result = self._run(command, as_owner=False, timeout=self.timeout)
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"could not create database {DATABASE}: exit {result.returncode}\n{result.stdout.strip()}"
                "\n--- server log ---\n" + self._log_tail()
            )

    # -- helpers ----------------------------------------------------------------------------------

    def _run(self, command: list[str], *, as_owner: bool, timeout: float) -> subprocess.CompletedProcess[str]:
        """Run a command (as the cluster's owner when ``as_owner``), capturing output, never raising."""
        if as_owner and self._run_as:
            prefix = _switch_user_prefix(self._run_as)
            if prefix is not None:
                command = [*prefix, *command]
            else:
                command = ["su", self._run_as, "-s", "/bin/sh", "-c", shlex.join(command)]
        env = dict(os.environ)
        env.pop("PGDATA", None)
        try:
            return subprocess.run(
                command,
                cwd=self.base_dir or tempfile.gettempdir(),  # the postgres user cannot enter e.g. /root
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return subprocess.CompletedProcess(command, 255, stdout=f"{type(exc).__name__}: {exc}")

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n".join(lines[-_LOG_TAIL_LINES:])
