"""An SAQ queue stored in a SQLite file, for the embedded default (SAQ ships Redis and PostgreSQL ones).

It keeps SAQ's job and worker-stats tables with the PostgreSQL queue's columns and semantics, in a file of
its own next to the database (``cme.sqlite3`` → ``cme.jobs.sqlite3``), so that queue writes never wait
on the application's. One connection per queue, used under a lock; a job is claimed in a ``BEGIN
IMMEDIATE`` transaction, so workers in several processes on one machine never take the same job.
Workers poll (there is no LISTEN); the poll interval is the queue's, and an idle poll is one read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite
from saq.job import Job, Status
from saq.queue.base import Queue, logger
from saq.utils import now, now_seconds

if TYPE_CHECKING:
    from saq.types import CountKind, QueueInfo, WorkerInfo

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS saq_jobs (
        key TEXT PRIMARY KEY,
        job TEXT NOT NULL,
        queue TEXT NOT NULL,
        status TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        group_key TEXT,
        scheduled INTEGER NOT NULL,
        expire_at INTEGER
    )""",
    "CREATE INDEX IF NOT EXISTS saq_jobs_dequeue ON saq_jobs (status, queue, priority, scheduled)",
    """CREATE TABLE IF NOT EXISTS saq_stats (
        worker_id TEXT PRIMARY KEY,
        stats TEXT,
        queue_key TEXT,
        metadata TEXT,
        expire_at INTEGER
    )""",
    "CREATE TABLE IF NOT EXISTS saq_locks (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expire_at INTEGER)",
)
UNFINISHED = ("new", "deferred", "queued", "active")


class SqliteQueue(Queue):
    """SAQ's queue on a SQLite file at ``path``; ``poll_interval`` is how often an idle worker looks."""

    def __init__(self, path: Path, *, name: str = "default", poll_interval: float = 0.2) -> None:
        super().__init__(name=name, dump=None, load=None)
        self.path = path
        self.poll_interval = poll_interval
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._owner = uuid.uuid4().hex

    async def connect(self) -> None:
        """Open the file (created with its tables on first use)."""
        if self._db is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, timeout=30, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        for statement in SCHEMA:
            await self._db.execute(statement)
        await super().connect()

    async def disconnect(self) -> None:
        """Give up the sweep lock and close the file."""
        if self._db is not None:
            async with self._transaction() as db:
                await db.execute("DELETE FROM saq_locks WHERE owner = ?", (self._owner,))
            await self._db.close()
            self._db = None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        if self._db is None:
            raise RuntimeError("the job queue is not connected")
        async with self._lock:
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                yield self._db
            except BaseException:
                # also when cancelled while BEGIN was under way: aiosqlite's thread still runs it
                await asyncio.shield(self._rollback())
                raise
            await asyncio.shield(self._db.execute("COMMIT"))

    async def _rollback(self) -> None:
        assert self._db is not None
        with contextlib.suppress(sqlite3.OperationalError):  # no transaction is active
            await self._db.execute("ROLLBACK")

    async def _fetch(self, sql: str, *params: Any) -> list[Any]:
        """Rows of one read (a statement of its own: no write lock, no sync to disk)."""
        if self._db is None:
            raise RuntimeError("the job queue is not connected")
        async with self._lock, self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def info(self, jobs: bool = False, offset: int = 0, limit: int = 10) -> QueueInfo:
        """The live workers, the counts, and (``jobs``) the unfinished jobs."""
        rows = await self._fetch(
            "SELECT worker_id, stats, queue_key, metadata FROM saq_stats"
            " WHERE expire_at >= ? AND queue_key = ?",
            now_seconds(),
            self.name,
        )
        workers: dict[str, Any] = {
            worker_id: {"stats": json.loads(stats), "queue_key": key, "metadata": json.loads(metadata)}
            for worker_id, stats, key, metadata in rows
        }
        queued = await self.count("queued")
        active = await self.count("active")
        incomplete = await self.count("incomplete")
        jobs_info: list[dict[str, Any]] = []
        if jobs:
            placeholders = ",".join("?" * len(UNFINISHED))
            found = await self._fetch(
                f"SELECT job, status FROM saq_jobs WHERE queue = ? AND status IN ({placeholders})"
                " ORDER BY scheduled LIMIT ? OFFSET ?",
                self.name,
                *UNFINISHED,
                limit,
                offset,
            )
            jobs_info = [
                job.to_dict() for payload, status in found if (job := self.deserialize(payload, status))
            ]
        return {
            "workers": workers,
            "name": self.name,
            "queued": queued,
            "active": active,
            "scheduled": incomplete - queued - active,
            "jobs": jobs_info,
        }

    async def count(self, kind: CountKind) -> int:
        """How many jobs are queued (due now), active, or not finished."""
        params: tuple[Any, ...] = ()
        if kind == "queued":
            sql, params = "status = 'queued' AND scheduled <= ?", (now_seconds(),)
        elif kind == "active":
            sql = "status = 'active'"
        elif kind == "incomplete":
            sql = "status IN ('new', 'deferred', 'queued', 'active')"
        else:
            raise ValueError(f"Can't count unknown type {kind}")
        rows = await self._fetch(
            f"SELECT count(*) FROM saq_jobs WHERE queue = ? AND {sql}", self.name, *params
        )
        return int(rows[0][0])

    async def sweep(self, lock: int = 60, abort: float = 5.0) -> list[str]:
        """Delete expired jobs and stats; abort stuck jobs (past their timeout or heartbeat), then retry
        them if attempts are left or give them up. One queue of the file sweeps at a time: it holds the
        sweep lock for twice the ``lock`` interval and renews it on every sweep."""
        async with self._transaction() as db:
            async with db.execute(
                """INSERT INTO saq_locks (name, owner, expire_at) VALUES (?, ?, ?)
                   ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expire_at = excluded.expire_at
                   WHERE saq_locks.owner = excluded.owner OR saq_locks.expire_at < ?
                   RETURNING owner""",
                (f"sweep:{self.name}", self._owner, now_seconds() + 2 * lock, now_seconds()),
            ) as cursor:
                if await cursor.fetchone() is None:
                    return []
            await db.execute(
                "DELETE FROM saq_jobs WHERE queue = ? AND status IN ('aborted', 'complete', 'failed')"
                " AND expire_at <= ?",
                (self.name, now_seconds()),
            )
            await db.execute("DELETE FROM saq_stats WHERE expire_at <= ?", (now_seconds(),))
            async with db.execute(
                "SELECT key, job, status FROM saq_jobs WHERE queue = ? AND status IN ('active', 'aborting')",
                (self.name,),
            ) as cursor:
                rows = list(await cursor.fetchall())
        swept = []
        for key, payload, status in rows:
            job = self.deserialize(payload, status)
            if job is None or not job.stuck:
                continue
            swept.append(key)
            logger.info("Sweeping %s", job.info(False))
            await self.abort(job, error=self.swept_error_message)
            try:
                await job.refresh(abort)
            except TimeoutError:
                logger.info("Could not abort job %s", key)
            if job.retryable:
                await self.retry(job, error=self.swept_error_message)
            else:
                await self.finish(job, Status.ABORTED, error=self.swept_error_message)
        return swept

    async def _status(self, key: str) -> Status | None:
        rows = await self._fetch("SELECT status FROM saq_jobs WHERE key = ?", key)
        return Status(rows[0][0]) if rows else None

    async def _update(self, job: Job, status: Status | None = None, **kwargs: Any) -> None:
        expire_at = kwargs.pop("expire_at", -1)
        async with self._transaction() as db:
            if not status:
                async with db.execute("SELECT status FROM saq_jobs WHERE key = ?", (job.key,)) as cursor:
                    row = await cursor.fetchone()
                status = Status(row[0]) if row else None
            job.status = status or job.status
            extra = ", expire_at = ?" if expire_at != -1 else ""
            params: tuple[Any, ...] = (self.serialize(job), job.status, job.scheduled)
            params += (expire_at,) if expire_at != -1 else ()
            await db.execute(
                f"UPDATE saq_jobs SET job = ?, status = ?, scheduled = ?{extra} WHERE key = ?",
                (*params, job.key),
            )

    async def job(self, job_key: str) -> Job | None:
        """The job with this key, or ``None``."""
        rows = await self._fetch(
            "SELECT job, status FROM saq_jobs WHERE key = ? AND queue = ?", job_key, self.name
        )
        return self.deserialize(*rows[0]) if rows else None

    async def jobs(self, job_keys: Iterable[str]) -> list[Job | None]:
        """The jobs with these keys, ``None`` for each that does not exist."""
        keys = list(job_keys)
        if not keys:
            return []
        rows = await self._fetch(
            f"SELECT key, job, status FROM saq_jobs WHERE key IN ({','.join('?' * len(keys))})", *keys
        )
        found = {key: (payload, status) for key, payload, status in rows}
        return [self.deserialize(*found[key]) if key in found else None for key in keys]

    async def iter_jobs(
        self, statuses: list[Status] | None = None, batch_size: int = 100
    ) -> AsyncIterator[Job]:
        """Every job with one of ``statuses`` (all), in key order, read ``batch_size`` at a time."""
        last_key = ""
        wanted = [str(s) for s in statuses or list(Status)]
        while True:
            rows = await self._fetch(
                f"SELECT key, job, status FROM saq_jobs WHERE queue = ? AND key > ?"
                f" AND status IN ({','.join('?' * len(wanted))}) ORDER BY key LIMIT ?",
                self.name,
                last_key,
                *wanted,
                batch_size,
            )
            if not rows:
                return
            for key, payload, status in rows:
                last_key = key
                if job := self.deserialize(payload, status):
                    yield job

    async def abort(self, job: Job, error: str, ttl: float = 5) -> None:
        """Give a queued job up at once; ask the worker of an active one to stop it."""
        status = await self._status(job.key)
        if not status or status == Status.QUEUED:
            await self.finish(job, Status.ABORTED, error=error)
        else:
            await self.update(job, status=Status.ABORTING, error=error)

    async def _claim(self) -> Job | None:
        due = "SELECT 1 FROM saq_jobs WHERE status = 'queued' AND queue = ? AND scheduled <= ? LIMIT 1"
        if not await self._fetch(due, self.name, now_seconds()):
            return None  # the idle poll: a read only
        async with self._transaction() as db:
            async with db.execute(
                """SELECT key, job FROM saq_jobs
                   WHERE status = 'queued' AND queue = ? AND scheduled <= ?
                     AND (group_key IS NULL OR group_key NOT IN (
                       SELECT group_key FROM saq_jobs
                       WHERE status = 'active' AND queue = ? AND group_key IS NOT NULL))
                   ORDER BY priority, scheduled LIMIT 1""",
                (self.name, now_seconds(), self.name),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            job = self.deserialize(row[1], Status.ACTIVE)
            assert job is not None
            job.started = job.touched = now()
            await db.execute(
                "UPDATE saq_jobs SET status = 'active', job = ? WHERE key = ?", (self.serialize(job), job.key)
            )
            return job

    async def dequeue(self, timeout: float = 0.0, poll_interval: float = 0.0) -> Job | None:
        """Claim the next due job, polling until one is due (or ``timeout`` seconds, 0: no limit)."""
        deadline = time.monotonic() + timeout if timeout > 0 else None
        try:
            while True:
                job = await self._claim()
                if job is not None or (deadline is not None and time.monotonic() >= deadline):
                    return job
                await asyncio.sleep(poll_interval or self.poll_interval)
        except asyncio.CancelledError:
            return None

    async def write_worker_info(self, worker_id: str, info: WorkerInfo, ttl: int) -> None:
        """Store a worker's stats until ``ttl`` seconds from now."""
        async with self._transaction() as db:
            await db.execute(
                """INSERT INTO saq_stats (worker_id, stats, queue_key, metadata, expire_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (worker_id) DO UPDATE SET stats = excluded.stats,
                     queue_key = excluded.queue_key, metadata = excluded.metadata,
                     expire_at = excluded.expire_at""",
                (
                    worker_id,
                    json.dumps(info["stats"]),
                    info["queue_key"],
                    json.dumps(info["metadata"]),
                    now_seconds() + ttl,
                ),
            )

    async def _retry(self, job: Job, error: str | None) -> None:
        delay = job.next_retry_delay()
        scheduled = time.time() + delay if delay else job.scheduled or now_seconds()
        await self.update(job, status=Status.QUEUED, scheduled=int(scheduled), expire_at=None)

    async def _finish(
        self, job: Job, status: Status, *, result: Any = None, error: str | None = None
    ) -> None:
        if job.ttl >= 0:
            expire_at = now_seconds() + job.ttl if job.ttl > 0 else None
            await self.update(job, status=status, expire_at=expire_at)
        else:
            async with self._transaction() as db:
                await db.execute("DELETE FROM saq_jobs WHERE key = ?", (job.key,))

    async def _enqueue(self, job: Job) -> Job | None:
        scheduled = job.scheduled or int(now_seconds())
        async with (
            self._transaction() as db,
            db.execute(
                """INSERT INTO saq_jobs (key, job, queue, status, priority, group_key, scheduled)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET job = excluded.job, queue = excluded.queue,
                     status = excluded.status, priority = excluded.priority, group_key = excluded.group_key,
                     scheduled = excluded.scheduled, expire_at = NULL
                   WHERE saq_jobs.status IN ('aborted', 'complete', 'failed')
                     AND excluded.scheduled > saq_jobs.scheduled
                   RETURNING 1""",
                (job.key, self.serialize(job), self.name, job.status, job.priority, job.group_key, scheduled),
            ) as cursor,
        ):
            inserted = await cursor.fetchone()
        if inserted is None:
            return None
        logger.info("Enqueuing %s", job.info(False))
        return job
