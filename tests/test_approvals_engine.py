"""The approval-chain engine on its own: step resolution, scope of the inbox, decisions and races."""

from __future__ import annotations

from typing import Any

import pytest
from cme_platform.approvals import engine
from cme_platform.approvals.access import inbox_clause
from cme_platform.approvals.chains import Chain, ChainStep
from cme_platform.approvals.schemas import SubjectSummary, SummaryField
from cme_platform.approvals.tables import ApprovalAction, ApprovalRequest
from cme_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.plugins.manager import get_plugin_manager
from cme_platform.tenancy.scope import scope

TWO_STEPS = Chain(
    code="test.two",
    name="科室、单位审核",
    steps=(
        ChainStep(role="department_admin", label="科室审核"),
        ChainStep(role="institution_admin", label="单位审核", when_missing="escalate"),
    ),
)


def _roles(steps: list[dict[str, str]]) -> list[str]:
    return [s["role"] for s in steps]


def test_steps_without_a_unit_are_skipped_or_escalated():
    assert _roles(engine.resolve_steps(TWO_STEPS, department_id=3, region_id=None)) == [
        "department_admin",
        "institution_admin",
    ]
    assert _roles(engine.resolve_steps(TWO_STEPS, department_id=None, region_id=None)) == [
        "institution_admin"
    ]
    upper = Chain(
        code="test.upper",
        name="上级审核",
        steps=(
            ChainStep(role="institution_admin", label="单位审核"),
            ChainStep(role="region_admin", label="上级管理部门审核", when_missing="escalate"),
        ),
    )
    assert _roles(engine.resolve_steps(upper, department_id=None, region_id=7)) == [
        "institution_admin",
        "region_admin",
    ]
    escalated = engine.resolve_steps(upper, department_id=None, region_id=None)
    assert _roles(escalated) == ["institution_admin", "commission_admin"]
    assert escalated[1]["label"] == "上级管理部门审核"


def test_escalated_steps_that_meet_the_next_one_are_merged():
    chain = Chain(
        code="test.merge",
        name="合并",
        steps=(
            ChainStep(role="region_admin", label="区县审核", when_missing="escalate"),
            ChainStep(role="commission_admin", label="省级审核"),
        ),
    )
    assert _roles(engine.resolve_steps(chain, department_id=None, region_id=None)) == ["commission_admin"]


def test_a_chain_with_nothing_left_is_an_error():
    only_department = Chain(
        code="test.dept", name="科室", steps=(ChainStep(role="department_admin", label="科室审核"),)
    )
    with pytest.raises(ValueError, match="no step"):
        engine.resolve_steps(only_department, department_id=None, region_id=None)


class _Recorder:
    """A subject handler of the test kind: records decisions, describes subjects by their id."""

    subject_type = "test"
    label = "测试事项"

    def __init__(self) -> None:
        self.calls: list[tuple[int, str, str]] = []
        self.links: list[int] = []

    async def opened(self, request: Any) -> None:
        self.links.append(request.id)

    async def describe(self, subject_ids: Any, principal: Any) -> dict[int, SubjectSummary]:
        return {
            i: SubjectSummary(
                title=f"测试{i}", link=f"/test/{i}", fields=[SummaryField(label="编号", value=str(i))]
            )
            for i in subject_ids
        }

    async def decided(self, pm: Any, request: Any, outcome: Any, comment: str, principal: Any) -> None:
        self.calls.append((request.id, outcome, comment))


@pytest.fixture
def recorder() -> Any:
    handler = _Recorder()
    engine.register_subject(handler)
    yield handler
    engine.HANDLERS.pop("test", None)


async def _open(
    world: Any, subject_id: int, who: str = "learner", role: str = "learner"
) -> engine.RequestRow:
    submitter = await load_principal_by_id(world.accounts[who])
    assert submitter is not None
    return await engine.open_request(
        get_plugin_manager(),
        submitted_as=role,
        subject_type="test",
        subject_id=subject_id,
        chain=TWO_STEPS,
        title=f"事项{subject_id}",
        institution_id=world.institution_id,
        department_id=world.department_id,
        region_id=world.region_id,
        principal=submitter,
    )


async def _principal(world: Any, name: str) -> Any:
    principal = await load_principal_by_id(world.accounts[name])
    assert principal is not None
    return principal


async def test_a_request_walks_its_chain_and_tells_its_subject(world, recorder):
    pm = get_plugin_manager()
    with scope(world.tenant):
        request = await _open(world, 1)
        department = await _principal(world, "department")
        institution = await _principal(world, "institution")
        with pytest.raises(Forbidden):
            await engine.decide(pm, institution, request.id, "approve")
        row, outcome = await engine.decide(pm, department, request.id, "approve", "同意")
        assert outcome == "advanced" and row.waiting_role == "institution_admin" and row.step == 1
        row, outcome = await engine.decide(pm, institution, request.id, "approve")
        assert outcome == "approved" and row.status == engine.APPROVED and row.decided_at is not None
        with pytest.raises(Conflict):
            await engine.decide(pm, institution, request.id, "approve")
        actions = [a.action for a in await engine.history(request.id)]
    assert actions == ["submit", "approve", "approve"]
    assert recorder.calls == [(request.id, "advanced", "同意"), (request.id, "approved", "")]


async def test_return_and_reject_need_a_reason(world, recorder):
    pm = get_plugin_manager()
    with scope(world.tenant):
        request = await _open(world, 2)
        department = await _principal(world, "department")
        for action in ("return", "reject"):
            with pytest.raises(InvalidInput):
                await engine.decide(pm, department, request.id, action, "  ")
        row, outcome = await engine.decide(pm, department, request.id, "return", "证明材料不清晰")
    assert outcome == "returned" and row.status == engine.RETURNED
    assert recorder.calls == [(request.id, "returned", "证明材料不清晰")]


async def test_a_stale_version_never_moves_a_request_twice(world, recorder):
    pm = get_plugin_manager()
    with scope(world.tenant):
        request = await _open(world, 3)
        department = await _principal(world, "department")
        await engine.decide(pm, department, request.id, "approve", version=request.version)
        with pytest.raises(Conflict):
            await engine.decide(pm, department, request.id, "approve", version=request.version)
        outcome = await engine.decide_many(
            pm,
            await _principal(world, "institution"),
            [engine.BatchItem(id=request.id, version=request.version), engine.BatchItem(id=999_999)],
            "approve",
        )
        approvals = await ApprovalAction.count().where(
            (ApprovalAction.request == request.id) & (ApprovalAction.action == "approve")
        )
    assert outcome.done == [] and [s.id for s in outcome.skipped] == [request.id, 999_999]
    assert approvals == 1
    assert [c[1] for c in recorder.calls] == ["advanced"]


async def test_the_inbox_holds_only_the_steps_that_wait_for_me(world, recorder):
    pm = get_plugin_manager()
    with scope(world.tenant):
        mine = await _open(world, 4)
        other = await engine.open_request(
            pm,
            submitted_as="learner",
            subject_type="test",
            subject_id=5,
            chain=TWO_STEPS,
            title="别的科室",
            institution_id=world.other_institution_id,
            department_id=world.other_department_id,
            region_id=world.other_region_id,
            principal=await _principal(world, "learner"),
        )
        department = await _principal(world, "department")
        waiting = await ApprovalRequest.select(ApprovalRequest.id).where(inbox_clause(department))
        assert [r["id"] for r in waiting] == [mine.id]
        institution = await _principal(world, "institution")
        assert not await ApprovalRequest.select(ApprovalRequest.id).where(inbox_clause(institution))
        with pytest.raises(NotFound):
            await engine.get_request(department, other.id)
        await engine.decide(pm, department, mine.id, "approve")
        waiting = await ApprovalRequest.select(ApprovalRequest.id).where(inbox_clause(institution))
        assert [r["id"] for r in waiting] == [mine.id]
        commission = await _principal(world, "commission")
        assert await engine.get_request(commission, other.id)
        assert not await ApprovalRequest.select(ApprovalRequest.id).where(inbox_clause(commission))


async def test_a_submitter_never_reviews_his_own_submission(world, recorder):
    """Steps at or below the submitter's level are skipped and recorded; nothing left means approved."""
    with scope(world.tenant):
        by_department = await _open(world, 6, "department", "department_admin")
        assert by_department.status == "pending" and by_department.waiting_role == "institution_admin"
        assert by_department.step == 1 and by_department.step_label == "单位审核"
        department = await _principal(world, "department")
        assert not await ApprovalRequest.select(ApprovalRequest.id).where(inbox_clause(department))
        history = await engine.history(by_department.id)
        assert [(a.action, a.role) for a in history] == [
            ("submit", "department_admin"),
            ("skip", "department_admin"),
        ]
        assert history[1].action_label == "跳过（上报人即本级审核人）"

        by_institution = await _open(world, 7, "institution", "institution_admin")
        assert by_institution.status == "approved" and by_institution.decided_at is not None
        institution = await _principal(world, "institution")
        waiting = await ApprovalRequest.select(ApprovalRequest.id).where(inbox_clause(institution))
        assert [r["id"] for r in waiting] == [by_department.id]
        assert [a.action for a in await engine.history(by_institution.id)] == ["submit", "skip", "skip"]
    assert recorder.links == [by_department.id, by_institution.id], "linked before any decision"
    pm = get_plugin_manager()
    with scope(world.tenant):
        # the department's admin submits his own credit as a learner: the department step stays, but it
        # is never in his inbox and never his to decide
        own = await _open(world, 9, "department", "learner")
        department = await _principal(world, "department")
        assert own.waiting_role == "department_admin"
        assert not await ApprovalRequest.select(ApprovalRequest.id).where(inbox_clause(department))
        with pytest.raises(Forbidden):
            await engine.decide(pm, department, own.id, "approve")
    assert recorder.calls == [(by_institution.id, "approved", "")]


async def test_one_inbox_lists_every_kind_with_a_filter(world, recorder):
    from cme_platform.approvals import inbox

    with scope(world.tenant):
        await _open(world, 8)
        department = await _principal(world, "department")
        everything = await inbox.inbox(department)
        only = await inbox.inbox(department, "test")
        with pytest.raises(InvalidInput):
            await inbox.inbox(department, "nothing-like-this")
    assert [i.title for i in everything.items] == ["测试8"] and everything.items[0].kind_label == "测试事项"
    assert everything.items[0].fields[0].value == "8" and everything.items[0].link == "/test/8"
    counts = {k.subject_type: k.count for k in everything.kinds}
    assert counts["test"] == 1 and counts["credit"] == 0
    assert only.total == 1 and only.kind == "test"
