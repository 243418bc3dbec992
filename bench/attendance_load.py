"""The phones of the check-in benchmark: concurrent clients that scan one code each, some of them twice.

A deliberately small HTTP/1.1 client on asyncio (uvloop), not httpx: the load generator shares the two
cores with the server and PostgreSQL, and every millisecond it spends is one the server does not get.
Each request is built once as bytes; a response is read by its ``Content-Length`` (or chunks).

:func:`run_clients` runs ``concurrency`` clients in this process. Each takes the next person from the
shared list and scans for him on its own keep-alive connection (``per_scan_connection``: a new
connection per person, as phones that open the code's address do). A person chosen for a retry scans
again ``retry_delay`` after his first request, on a new connection and without waiting for the first
answer: a phone whose request timed out, while the server may still be working on it. Every request is
recorded with its start, its end (``time.perf_counter``, one clock for every process of the machine),
the HTTP status and the outcome the API answered.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

SCAN_PATH = "/api/attendance/scans"
USER_AGENT = "Mozilla/5.0 (Linux; Android 14; cme-bench) AppleWebKit/537.36 Mobile Safari/537.36"


class ScanAnswer(msgspec.Struct):
    """The part of the API's answer the benchmark checks."""

    outcome: str = ""
    checked_in_at: str | None = None


@dataclass
class Record:
    """One request: whose, which attempt, when it started and ended, what came back."""

    person: int
    attempt: int
    started: float
    ended: float
    status: int
    outcome: str
    checked_in_at: str | None
    overlapped: bool = False
    """A retry sent before the first request of the same person had been answered."""
    error: str = ""


@dataclass
class Phone:
    """What one attendee's phone sends: its credentials as request headers."""

    person: int
    headers: bytes


@dataclass
class Plan:
    """The scans to send: the phones in the order they come in, and who retries after how long."""

    host: str
    port: int
    path: str
    code: str
    phones: list[Phone]
    retries: dict[int, float] = field(default_factory=dict)
    """Seconds after the first request that the retry of each retrying person is sent."""


def phone_headers(learner: dict, auth: str) -> bytes:
    """The authentication headers of a signed-in phone (``session``: cookie and CSRF token) or of an
    integration with an API token (``token``)."""
    if auth == "token":
        return f"Authorization: Bearer {learner['token']}\r\n".encode()
    return f"Cookie: cme_session={learner['cookie']}\r\nX-CSRF-Token: {learner['csrf']}\r\n".encode()


def make_plan(
    host: str,
    port: int,
    tenant: str,
    code: str,
    learners: Sequence[dict],
    *,
    auth: str,
    retry_share: float,
    retry_window: float,
    seed: int,
) -> Plan:
    """The phones in a seeded random order; ``retry_share`` of them (rounded) retry after a delay drawn
    uniformly from 0 to ``retry_window`` seconds."""
    rng = random.Random(seed)
    phones = [Phone(learner["person"], phone_headers(learner, auth)) for learner in learners]
    rng.shuffle(phones)
    retrying = rng.sample([p.person for p in phones], round(len(phones) * retry_share))
    retries = {person: rng.uniform(0.0, retry_window) for person in retrying}
    return Plan(host, port, f"/t/{tenant}{SCAN_PATH}", code, phones, retries)


class Connection:
    """One HTTP/1.1 keep-alive connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, data: bytes) -> tuple[int, bytes]:
        """Send ``data`` (a whole request) and read the response: its status and body."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunks()
        else:
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await self.reader.readexactly(size + 2)
            if size == 0:
                return b"".join(parts)
            parts.append(chunk[:-2])

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def scan_request(plan: Plan, phone: Phone) -> bytes:
    """The bytes of one scan: ``POST`` with the code as JSON and the phone's credentials."""
    body = json.dumps({"code": plan.code}).encode()
    return (
        (
            f"POST {plan.path} HTTP/1.1\r\nHost: {plan.host}:{plan.port}\r\nUser-Agent: {USER_AGENT}\r\n"
            f"Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        ).encode()
        + phone.headers
        + b"\r\n"
        + body
    )


async def send(connection: Connection, data: bytes, person: int, attempt: int) -> Record:
    """One request on ``connection``, timed; a failure is recorded (status 0), never raised."""
    started = time.perf_counter()
    try:
        status, body = await connection.request(data)
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        connection.close()
        return Record(person, attempt, started, time.perf_counter(), 0, "", None, error=repr(exc))
    ended = time.perf_counter()
    answer = ScanAnswer()
    if status == 200:
        try:
            answer = msgspec.json.decode(body, type=ScanAnswer)
        except msgspec.DecodeError:
            answer = ScanAnswer(outcome="unreadable")
    error = "" if status == 200 else body[:300].decode("utf-8", "replace")
    return Record(person, attempt, started, ended, status, answer.outcome, answer.checked_in_at, error=error)


async def retry(plan: Plan, data: bytes, person: int, first: asyncio.Task[Record]) -> Record:
    """The second scan of ``person``, ``plan.retries[person]`` after his first, on a new connection."""
    await asyncio.sleep(plan.retries[person])
    overlapped = not first.done()
    connection = Connection(plan.host, plan.port)
    try:
        record = await send(connection, data, person, 2)
    finally:
        connection.close()
    record.overlapped = overlapped
    return record


async def client(plan: Plan, queue: list[int], records: list[Record], per_scan_connection: bool) -> None:
    """One concurrent client: scans for the next person of ``queue`` until it is empty."""
    connection = Connection(plan.host, plan.port)
    try:
        while queue:
            phone = plan.phones[queue.pop()]
            data = scan_request(plan, phone)
            first = asyncio.ensure_future(send(connection, data, phone.person, 1))
            if phone.person in plan.retries:
                records.append(await retry(plan, data, phone.person, first))
            records.append(await first)
            if per_scan_connection:
                connection.close()
    finally:
        connection.close()


async def run_clients(plan: Plan, concurrency: int, *, per_scan_connection: bool = False) -> list[Record]:
    """Every phone of ``plan`` scanned by ``concurrency`` concurrent clients; the records."""
    queue = list(reversed(range(len(plan.phones))))
    records: list[Record] = []
    await asyncio.gather(*(client(plan, queue, records, per_scan_connection) for _ in range(concurrency)))
    return records


def run_in_process(
    plan: Plan, concurrency: int, per_scan_connection: bool, start_at: float
) -> tuple[list[Record], float]:
    """:func:`run_clients` in a process of its own (on uvloop), started at ``start_at`` (perf_counter);
    the records and this process's CPU seconds."""
    import uvloop

    while time.perf_counter() < start_at:
        time.sleep(min(0.01, max(0.0, start_at - time.perf_counter())))
    cpu = time.process_time()
    records = uvloop.run(run_clients(plan, concurrency, per_scan_connection=per_scan_connection))
    return records, time.process_time() - cpu
