"""The job queue: kinds from the hook, tenant scope and actor, cancellation, failure, a dead worker's job,
the daily announcement of credits that start to count, and the app's start-up leaving jobs alone.

Runs on the session's database: SAQ's PostgreSQL queue on PostgreSQL, the SQLite queue on SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from cme_platform import clock
from cme_platform.app import create_app
from cme_platform.audit.context import Actor, acting_as, current_actor
from cme_platform.compliance.tables import ComplianceRun
from cme_platform.credits.daily import announce_tenant
from cme_platform.jobs import queue as jobs
from cme_platform.jobs.kinds import GiveUp, JobKind, RunningJob
from cme_platform.jobs.worker import build_worker
from cme_platform.plugins import hookimpl
from cme_platform.plugins.manager import build_plugin_manager
from cme_platform.plugins.types import PluginInfo
from cme_platform.settings import Settings, get_settings
from cme_platform.tenancy.scope import current_tenant, scope
from litestar.testing import AsyncTestClient
from saq.job import Status
from test_compliance_api import ComplianceProvince, people, record
from test_compliance_api import cworld as cworld

PROVINCE = "jobprov"
RAN: list[tuple[str, str, str]] = []
GIVEN_UP: list[tuple[dict[str, Any], GiveUp]] = []
EFFECTIVE: list[tuple[str, tuple[int, ...]]] = []


async def echo(job: RunningJob, word: str) -> dict[str, str]:
    RAN.append((current_tenant().slug, current_actor().name, word))
    await job.progress(1, 1)
    return {"echo": word}


async def broken(job: RunningJob) -> None:
    raise RuntimeError("this job always breaks")


async def remember(args: Mapping[str, Any], why: GiveUp) -> None:
    GIVEN_UP.append((dict(args), why))


ECHO = JobKind(name="test.echo", label="回声", run=echo, given_up=remember, retries=2)
ONCE = JobKind(name="test.once", label="一次", run=echo, given_up=remember, retries=1)
BROKEN = JobKind(name="test.broken", label="出错", run=broken, given_up=remember)


class JobsProvince:
    """A province that contributes three job kinds."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name=PROVINCE, title="任务测试省", province="测试省", version="1")

    @hookimpl
    def cme_job_kinds(self) -> list[JobKind]:
        return [ECHO, ONCE, BROKEN]


class ListeningProvince(ComplianceProvince):
    """The compliance tests' province, listening for credits that start to count."""

    @hookimpl
    def cme_credit_effective(self, tenant: Any, change: Any) -> None:
        EFFECTIVE.append((change.action, change.record_ids))


@pytest.fixture(autouse=True)
def _forget() -> None:
    RAN.clear()
    GIVEN_UP.clear()
    EFFECTIVE.clear()


@pytest.fixture
def pm() -> Any:
    return build_plugin_manager({PROVINCE: JobsProvince()})


def fast(**changes: Any) -> Settings:
    """The session's settings with a short heartbeat and sweep."""
    return msgspec.structs.replace(get_settings(), job_heartbeat_seconds=2, job_sweep_seconds=1, **changes)


@asynccontextmanager
async def opened(pm: Any, settings: Settings, *, work: bool) -> AsyncIterator[Any]:
    """The process's queue for ``pm`` (and a worker when ``work``), closed afterwards."""
    queue = jobs.build_queue(settings, pm, concurrency=2)
    await queue.connect()
    jobs.open_queue(queue)
    worker = build_worker(queue, pm, settings, concurrency=2, own_signals=False) if work else None
    task = asyncio.get_running_loop().create_task(worker.start()) if worker else None
    try:
        yield queue
    finally:
        if worker is not None and task is not None:
            await worker.stop()
            await asyncio.gather(task, return_exceptions=True)
        jobs.close_queue(queue)
        await queue.disconnect()


async def ended(queue: Any, key: str, timeout: float = 30) -> Any:
    """Wait until job ``key`` has ended; returns it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        job = await queue.job(key)
        if job is not None and job.status in (Status.COMPLETE, Status.FAILED, Status.ABORTED):
            return job
        assert asyncio.get_running_loop().time() < deadline, f"job {key} is still {job and job.status}"
        await asyncio.sleep(0.1)


async def queued(tenant: Any, kind: str, args: dict[str, Any], settings: Settings) -> str:
    with scope(tenant), acting_as(Actor(kind="account", name="王管理")):
        key = jobs.new_key(kind)
        await jobs.enqueue(kind, key, args, settings=settings)
    return key


def test_kinds_come_from_the_hook_and_a_name_is_given_once(pm: Any) -> None:
    kinds = jobs.job_kinds(pm)
    assert {"personnel.import", "compliance.recompute", "credits.announce_effective", "test.echo"} <= set(
        kinds
    )
    assert kinds["credits.announce_effective"].cron == "5 0 * * *"

    class Again:
        @hookimpl
        def cme_job_kinds(self) -> list[JobKind]:
            return [ECHO]

    twice = build_plugin_manager({PROVINCE: JobsProvince(), "again": Again()})
    with pytest.raises(ValueError, match=r"test\.echo"):
        jobs.job_kinds(twice)


async def test_a_job_runs_in_its_tenant_as_the_actor_who_started_it(pm: Any, tenant_factory: Any) -> None:
    tenant = await tenant_factory(slug="jobs", plugin=PROVINCE)
    settings = fast()
    async with opened(pm, settings, work=True) as queue:
        key = await queued(tenant, "test.echo", {"word": "你好"}, settings)
        job = await ended(queue, key)
    assert (job.status, job.result, job.progress) == (Status.COMPLETE, {"echo": "你好"}, 1.0)
    assert RAN == [("jobs", "王管理", "你好")] and GIVEN_UP == []


async def test_a_cancelled_job_never_runs_and_its_record_is_told(pm: Any, tenant_factory: Any) -> None:
    tenant = await tenant_factory(slug="jobs", plugin=PROVINCE)
    settings = fast()
    async with opened(pm, settings, work=False) as queue:
        key = await queued(tenant, "test.echo", {"word": "取消我"}, settings)
        assert await jobs.cancel(key) is True
        assert (await queue.job(key)).status == Status.ABORTED
        assert await jobs.cancel(key) is False
        assert await jobs.cancel("test.echo:unknown") is False
    assert RAN == [] and [({"word": "取消我"}, GiveUp(cancelled=True, reason="已取消"))] == GIVEN_UP


async def test_a_failing_job_is_given_up_with_a_reason_for_its_record(pm: Any, tenant_factory: Any) -> None:
    tenant = await tenant_factory(slug="jobs", plugin=PROVINCE)
    settings = fast()
    async with opened(pm, settings, work=True) as queue:
        job = await ended(queue, await queued(tenant, "test.broken", {}, settings))
    assert job.status == Status.FAILED and "this job always breaks" in job.error
    assert [({}, GiveUp(cancelled=False, reason="执行时发生内部错误"))] == GIVEN_UP


async def test_a_dead_workers_job_is_retried_by_another_or_given_up(pm: Any, tenant_factory: Any) -> None:
    tenant = await tenant_factory(slug="jobs", plugin=PROVINCE)
    settings = fast()
    async with opened(pm, settings, work=False) as queue:
        retried = await queued(tenant, "test.echo", {"word": "再来"}, settings)
        lost = await queued(tenant, "test.once", {"word": "丢了"}, settings)
        claimed = set()
        for _ in range(2):  # a worker takes both, as SAQ's worker does, then dies
            job = await queue.dequeue(timeout=2)
            job.attempts += 1
            await job.update(status=Status.ACTIVE)
            claimed.add(job.key)
        assert claimed == {retried, lost}
    async with opened(pm, settings, work=True) as queue:
        again = await ended(queue, retried, timeout=40)
        gone = await ended(queue, lost, timeout=40)
    assert (again.status, again.attempts, again.result) == (Status.COMPLETE, 2, {"echo": "再来"})
    assert gone.status == Status.ABORTED and RAN == [("jobs", "王管理", "再来")]
    distinct = [call for index, call in enumerate(GIVEN_UP) if call not in GIVEN_UP[:index]]  # idempotent
    lost_reason = GiveUp(cancelled=False, reason="执行任务的进程中断，且已没有重试机会")
    assert distinct == [({"word": "丢了"}, lost_reason)]


async def test_starting_an_app_leaves_the_jobs_of_other_processes_alone(cworld: Any) -> None:
    with scope(cworld.tenant):
        await ComplianceRun.insert(
            ComplianceRun(year=2026, status="running", job_key="compliance.recompute:x")
        )
    app = create_app(plugin_manager=build_plugin_manager({"compprov": ComplianceProvince()}))
    async with AsyncTestClient(app=app, base_url="http://testserver.local"):
        pass
    with scope(cworld.tenant):
        rows = await ComplianceRun.select(ComplianceRun.status, ComplianceRun.message)
    assert rows == [{"status": "running", "message": ""}]


async def test_the_commission_cancels_a_queued_recomputation(cworld: Any, login: Any) -> None:
    settings = msgspec.structs.replace(get_settings(), jobs_in_process=False)
    app = create_app(
        plugin_manager=build_plugin_manager({"compprov": ComplianceProvince()}), settings=settings
    )
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await login(client, cworld.tenant, "commission")
        started = await client.post("/t/alpha/api/compliance/runs", json={"year": clock.today().year})
        assert started.status_code == 202 and started.json()["status"] == "queued", started.text
        run_id = started.json()["id"]
        cancelled = await client.post(f"/t/alpha/api/compliance/runs/{run_id}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert (cancelled.json()["status"], cancelled.json()["status_label"]) == ("cancelled", "已取消")
        again = await client.post(f"/t/alpha/api/compliance/runs/{run_id}/cancel")
        assert again.status_code == 409 and again.json()["message"] == "这次重算已经结束，无法取消"
        assert (await client.post("/t/alpha/api/compliance/runs/999999/cancel")).status_code == 404
        page = await client.get("/t/alpha/compliance/runs")
        assert "已取消" in page.text and "/cancel" not in page.text


async def test_credits_that_start_to_count_are_announced_once_each(cworld: Any) -> None:
    pm = build_plugin_manager({"compprov": ListeningProvince()})
    ids = await people(cworld)
    today = clock.today()
    with scope(cworld.tenant):
        from cme_platform.credits.tables import CreditRecord

        later = record(cworld, ids["colleague"], "I类学分", 100, effective_on=today + timedelta(days=2))
        await CreditRecord.insert(later)
        assert await announce_tenant(pm, today) == 5  # the first run covers today only
        assert await announce_tenant(pm, today) == 0
        with clock.frozen_today(today + timedelta(days=3)):
            assert await announce_tenant(pm, clock.today()) == 1  # caught up over the missed days
    assert [action for action, _ in EFFECTIVE] == ["effective", "effective"]
    assert EFFECTIVE[1][1] == (later.id,)
