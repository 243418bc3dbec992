"""The online exam (在线考试): the run's owner writes it (and no longer once someone took it); a learner
who attended takes it as often as the province allows, scored exactly; a double submission stores one
attempt; others cannot read or take it; where the province requires the exam, only a pass qualifies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api_kit import ok, refused
from attendance_kit import build_venue
from cme_admin_ui.pages.exams import exam_text, parse_exam
from cme_platform import clock
from cme_platform.attendance.exams import AttemptOut, QuestionIn, score
from cme_platform.attendance.records import Attended
from cme_platform.attendance.tables import Attendance, ExamAttempt
from cme_platform.errors import InvalidInput
from cme_platform.projects.attendee_lists import Rule
from cme_platform.tenancy.scope import scope

API = "/t/alpha/api"
EXAM = {
    "pass_mark": 60,
    "questions": [
        {"text": "溶栓治疗的最佳时间窗", "options": ["3小时内", "12小时后"], "answers": [0]},
        {
            "text": "下列属于抗血小板药物的是",
            "options": ["阿司匹林", "氯吡格雷", "呋塞米"],
            "answers": [0, 1],
        },
    ],
}


@pytest.fixture
async def examined(world, account_factory) -> Any:
    """A run whose learner checked in (``learner2`` did not)."""
    venue = await build_venue(world, account_factory, starts=clock.now() - timedelta(hours=4), learners=2)
    with scope(world.tenant):
        await Attendance(
            session_kind="project",
            session_id=venue.session_ids[0],
            group_id=venue.run_id,
            person=venue.people["learner"],
        ).save()
    return venue


def test_the_text_form_reads_back_and_names_the_wrong_block():
    questions = [QuestionIn(**q) for q in EXAM["questions"]]
    assert parse_exam(exam_text(questions)) == EXAM["questions"]
    with pytest.raises(InvalidInput) as missing:
        parse_exam("1. 题干\nA. 甲\nB. 乙\n\n2. 题干\nA. 甲\nB. 乙\n答案：B")
    assert missing.value.errors[0].message == "第1题缺少“答案：”一行"
    assert score(questions, [[0], [1, 0]]) == 100 and score(questions, [[0], [0]]) == 50


def test_a_required_exam_qualifies_only_those_who_passed():
    attended = Attended(
        person_id=7,
        external_id=None,
        sessions=1,
        first_in=datetime.now(UTC),
        last_out=None,
        minutes=180,
        hours=300,
        via="qr",
    )
    passed = AttemptOut(attempt=1, score=80, passed=True, submitted_at=datetime.now(UTC))
    failed = AttemptOut(attempt=1, score=40, passed=False, submitted_at=datetime.now(UTC))
    assert Rule(hours=300, exam={7: passed}, exam_required=True).qualifies(attended)
    assert not Rule(hours=300, exam={7: failed}, exam_required=True).qualifies(attended)
    assert not Rule(hours=300, exam={}, exam_required=True).qualifies(attended)
    assert Rule(hours=300, exam={}, exam_required=False).qualifies(attended)  # the exam is informative only
    assert Rule(hours=300, exam=None, exam_required=True).qualifies(attended)  # no exam, nothing to pass
    assert not Rule(hours=301, exam=None, exam_required=False).qualifies(attended)
    assert Rule(hours=300, exam={7: failed}, exam_required=False).exam_label(7) == "考试未通过（40分）"


@pytest.mark.db
async def test_the_owner_writes_the_exam_and_a_learner_who_attended_takes_it_once(
    cme_client, examined, login, cme_parallel_client
):
    run = examined.run_id
    url = f"{API}/attendance/exams/project/{run}"
    await login(cme_client, examined.world.tenant, "owner")
    refused(await cme_client.get(url), 404)  # not written yet
    bad = {**EXAM, "questions": [{"text": "题", "options": ["甲", "乙"], "answers": [2]}]}
    assert (
        "第1题的答案须是它的选项" in refused(await cme_client.put(url, json=bad), 400)["errors"][0]["message"]
    )
    written = ok(await cme_client.put(url, json=EXAM))
    assert written["taken"] == 0 and len(written["questions"]) == 2
    # others may not read the answers, nor write
    await login(cme_client, examined.world.tenant, "institution")
    refused(await cme_client.get(url), 404)
    refused(await cme_client.put(url, json=EXAM), 404)
    # a learner who did not attend may not take it
    await login(cme_client, examined.world.tenant, "learner2")
    refused(await cme_client.get(f"{url}/paper"), 403)
    # the learner who attended sees the paper without answers, and takes it once (two submissions at once)
    await login(cme_parallel_client, examined.world.tenant, "learner")
    paper = ok(await cme_parallel_client.get(f"{url}/paper"))
    assert "answers" not in str(paper["paper"]) and paper["attempts_left"] == 1
    assert [q["picks"] for q in paper["paper"]] == [1, 2]
    refused(await cme_parallel_client.post(f"{url}/attempts", json={"choices": [[0]]}), 400)
    answers = await asyncio.gather(
        *(cme_parallel_client.post(f"{url}/attempts", json={"choices": [[0], [0]]}) for _ in range(3))
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409], [a.text for a in answers]
    result = next(a.json() for a in answers if a.status_code == 200)
    assert result == {**result, "attempt": 1, "score": 50, "passed": False}
    assert ok(await cme_parallel_client.get(f"{url}/paper"))["attempts_left"] == 0
    with scope(examined.world.tenant):
        assert await ExamAttempt.count() == 1
    # the owner can no longer change it, and the list shows the result
    await login(cme_client, examined.world.tenant, "owner")
    assert "不能再修改" in refused(await cme_client.put(url, json=EXAM), 409)["message"]
    listed = ok(await cme_client.get(f"{API}/project-runs/{run}/attendance"))
    assert listed["entries"][0]["exam_label"] == "考试未通过（50分）"
