"""按标准授分 (seed 000, Beijing's 3-step wizard): an institution grants one standard's credits to several
of its people at once, through the API and through the wizard's pages; all or nothing, once per key, within
its reach, and only where the province offers it (tenant ``alpha`` is Beijing, ``beta`` Zhejiang)."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import pytest
from api_kit import ok, refused
from cme_platform import clock
from cme_platform.audit.tables import AuditEvent
from cme_platform.credits.tables import CreditEvidence, CreditRecord, StandardGrant
from cme_platform.files.tables import StoredFile
from cme_platform.identity.roles import Role
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld
from PIL import Image
from test_credits_entry import add_person, day, upload

API = "/t/alpha/api/credits/standard-grants"
PAGES = "/t/alpha/credits/standard-grants"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return buffer.getvalue()


async def _people(world: OrgWorld) -> tuple[int, int, int]:
    """Two people of the institution administrator's hospital and one of the other hospital."""
    first = await add_person(world, "授分甲", world.department_id, None)
    second = await add_person(world, "授分乙", None, None)
    other = await add_person(world, "外院丙", None, None)
    with scope(world.tenant):
        await Person.update({Person.institution: world.other_institution_id}).where(Person.id == other)
    return first, second, other


def _body(people: list[int], evidence: list[int], **changes: Any) -> dict[str, Any]:
    return {
        "standard_code": "bj-07",  # 进修学习不满3个月: 每6小时1分（上限25分）
        "person_ids": people,
        "activity_name": "心内科进修",
        "activity_date": day(5),
        "started_on": day(40),
        "ended_on": day(5),
        "form": "进修学习",
        "discipline": "临床内科学",
        "subdiscipline": "心血管病学",
        "content": "心内科导管室进修",
        "inputs": {"hours": "30", "days": 5},
        "evidence_ids": evidence,
        "key": uuid.uuid4().hex,
    } | changes


async def _counts(world: OrgWorld) -> tuple[int, int]:
    with scope(world.tenant):
        return await StandardGrant.count(), await CreditRecord.count()


@pytest.mark.db
async def test_an_institution_grants_a_standard_to_two_people_once(cme_client, world, login):
    first, second, _ = await _people(world)
    evidence = await upload(world, "institution")
    await login(cme_client, world.tenant, "institution")
    body = _body([first, second], [evidence])
    made = ok(await cme_client.post(API, json=body), 201)
    assert made["people"] == 2 and made["credits"] == 1000 and made["credits_text"] == "10"
    assert made["standard_name"] == "进修学习不满3个月" and made["category"] == "进修学习"
    assert sorted(r["person_id"] for r in made["records"]) == sorted([first, second])
    assert {r["credits_text"] for r in made["records"]} == {"5"}  # 30 hours: 1 per 6
    again = ok(await cme_client.post(API, json=body), 201)  # a retry: the same grant, no second credit
    assert again["id"] == made["id"]
    assert await _counts(world) == (1, 2)
    changed = await cme_client.post(API, json={**body, "person_ids": [first]})  # the key, another grant
    assert changed.status_code == 409 and "内容与当时不同" in changed.text
    assert await _counts(world) == (1, 2)
    twice = await cme_client.post(API, json={**body, "key": uuid.uuid4().hex})  # the wizard run again
    assert twice.status_code == 400 and "授分甲、授分乙已按该标准获得同一活动" in twice.text
    assert await _counts(world) == (1, 2)
    with scope(world.tenant):
        records = await CreditRecord.select().where(CreditRecord.source_id == made["id"])
        attached = await CreditEvidence.count().where(CreditEvidence.file == evidence)
        audited = await AuditEvent.count().where(AuditEvent.action == "credits.standard_grant.create")
    assert {(r["source"], r["source_type"], r["status"]) for r in records} == {
        ("standard", "standard_grant", "approved")
    }
    assert {r["note"] for r in records} == {"心内科导管室进修"} and attached == 2 and audited == 1
    listed = ok(await cme_client.get(API))
    assert listed["total"] == 1 and listed["items"][0]["records"] is None
    # the commission sees it; its key is the institution's own: the commission's grant with it is new
    await login(cme_client, world.tenant, "commission")
    assert ok(await cme_client.get(f"{API}/{made['id']}"))["people"] == 2
    commission_file = await upload(world, "commission")
    own = ok(
        await cme_client.post(
            API,
            json={
                **body,
                "person_ids": [first],
                "evidence_ids": [commission_file],
                "activity_name": "另一次进修",
            },
        ),
        201,
    )
    assert own["id"] != made["id"] and own["people"] == 1


@pytest.mark.db
async def test_every_bad_grant_is_refused_and_stores_nothing(
    cme_client, world, other_world, login, account_factory
):
    first, _, other = await _people(world)
    evidence = await upload(world, "institution")
    await login(cme_client, world.tenant, "institution")
    cases = {
        "a project standard": _body([first], [evidence], standard_code="bj-15"),
        "a person of another hospital": _body([first, other], [evidence]),
        "another tenant's id": _body([first, 999_999], [evidence]),
        "no attachment": _body([first], []),
        "an end after completion": _body([first], [evidence], ended_on=day(1)),
        "a form outside the province's": _body([first], [evidence], form="自创形式"),
        "no hours": _body([first], [evidence], inputs={}),
        "too many hours": _body([first], [evidence], inputs={"hours": "99999"}),
        "no people": _body([], [evidence]),
        "a bad key": _body([first], [evidence], key="bad key!"),
    }
    for name, body in cases.items():
        answer = await cme_client.post(API, json=body)
        assert answer.status_code == 400, (name, answer.text)
        assert re.search(r"[\u4e00-\u9fff]", answer.json()["message"]), (name, answer.text)
    reach = await cme_client.post(API, json=_body([first, other], [evidence]))
    assert "有 1 人不在您管理的范围内" in reach.text
    assert await _counts(world) == (0, 0)
    # roles that do not grant, and a province without such grants
    await login(cme_client, world.tenant, "department")
    refused(await cme_client.post(API, json=_body([first], [evidence])), 403)
    # the other hospital's administrator who also runs a department of the first does not grant to it
    world.accounts["both"] = await account_factory(
        world.tenant,
        "both",
        [
            (Role.INSTITUTION_ADMIN, {"institution": world.other_institution_id}),
            (Role.DEPARTMENT_ADMIN, {"institution": world.institution_id, "department": world.department_id}),
        ],
    )
    await login(cme_client, world.tenant, "both")
    mine = await upload(world, "both")
    assert "有 1 人不在您管理的范围内" in (await cme_client.post(API, json=_body([first], [mine]))).text
    step2 = await cme_client.get(f"{PAGES}/new/bj-07")
    assert f'value="{first}"' not in step2.text
    await login(cme_client, world.tenant, "learner")
    refused(await cme_client.get(API), 403)
    await login(cme_client, other_world.tenant, "institution")
    refused(await cme_client.post("/t/beta/api/credits/standard-grants", json=_body([1], [1])), 404)
    assert (await cme_client.get("/t/beta/credits/standard-grants/new")).status_code == 404
    assert "新增授分" not in (await cme_client.get("/t/beta/credits/standard-grants")).text
    assert await _counts(world) == (0, 0)


@pytest.mark.db
async def test_the_wizard_chooses_the_standard_the_people_and_grants(cme_client, world, login):
    first, second, _ = await _people(world)
    await login(cme_client, world.tenant, "institution")
    empty = await cme_client.get(PAGES)
    assert empty.status_code == 200 and "还没有按标准授分的记录" in empty.text
    step1 = await cme_client.get(f"{PAGES}/new")
    assert "进修学习不满3个月" in step1.text and "参加国家级继续医学教育项目" not in step1.text
    step2 = await cme_client.get(f"{PAGES}/new/bj-07")
    assert step2.status_code == 200 and f'name="pick" value="{first}"' in step2.text
    assert (await cme_client.get(f"{PAGES}/new/bj-15")).status_code == 404
    nobody = await cme_client.post(f"{PAGES}/new/bj-07", data={"action": "next"})
    assert nobody.status_code == 400 and "请先把要授予学分的人员加入已选人员" in nobody.text
    step3 = await cme_client.post(
        f"{PAGES}/new/bj-07", data={"action": "next", "selected": [str(first), str(second)]}
    )
    assert step3.status_code == 200 and "授分人员：2 人" in step3.text
    key = re.search(r'name="key" value="([0-9a-f]+)"', step3.text)
    assert key
    values = {
        "key": key.group(1),
        "people": f"{first},{second}",
        "action": "grant",
        "activity_name": "心内科进修",
        "activity_date": day(5),
        "form": "进修学习",
        "discipline": "临床内科学",
        "hours": "12",
    }
    png = {"file": ("通知.png", _png(), "image/png")}
    missing = await cme_client.post(
        f"{PAGES}/new/bj-07/grant", data={**values, "activity_name": ""}, files=png, follow_redirects=False
    )
    assert missing.status_code == 400 and "请填写活动名称" in missing.text
    kept = re.findall(r'name="evidence_ids" value="(\d+)"', missing.text)
    assert len(kept) == 1  # the attachment is kept for the next try
    granted = await cme_client.post(
        f"{PAGES}/new/bj-07/grant",
        data={**values, "evidence_ids": kept},
        files=png,  # the same file again: not stored twice
        follow_redirects=False,
    )
    assert granted.status_code == 303, granted.text[-2000:]
    detail = await cme_client.get(granted.headers["location"])
    assert detail.status_code == 200 and "授分甲" in detail.text and "授分乙" in detail.text
    assert "2 人，4 分" in detail.text and "通知.png" in detail.text
    twice = await cme_client.post(
        f"{PAGES}/new/bj-07/grant", data={**values, "evidence_ids": kept}, files=png, follow_redirects=False
    )
    assert twice.headers["location"] == granted.headers["location"]  # a double tap: the same grant
    assert await _counts(world) == (1, 2)
    with scope(world.tenant):
        assert await StoredFile.count() == 1  # the attachment sent three times is stored once
    back = await cme_client.post(
        f"{PAGES}/new/bj-07/grant", data={**values, "action": "back"}, files=png, follow_redirects=False
    )
    assert back.status_code == 200 and f'name="selected" value="{first}"' in back.text


async def _plan(world: OrgWorld, institution_id: int, status: str = "approved", back: int = 0) -> int:
    """A Beijing activity plan of this year (``back`` years before), of ``institution_id``, in ``status``."""
    from cme_beijing.activity_plans.tables import ActivityPlan

    file_id = await upload(world, "institution", "beijing_activity_plan")
    with scope(world.tenant):
        plan = ActivityPlan(
            institution=institution_id,
            year=clock.today().year - back,
            name="内科年度教学计划",
            plan_type="年度计划",
            activity_form="教学查房",
            file=file_id,
            status=status,
        )
        await plan.save()
        return int(plan.id)


@pytest.mark.db
async def test_a_practice_activity_names_a_filed_plan_of_its_institution(cme_client, world, login):
    first, _, _ = await _people(world)
    evidence = await upload(world, "institution")
    await login(cme_client, world.tenant, "institution")
    body = _body(
        [first],
        [evidence],
        standard_code="bj-19",  # 继续医学教育实践活动: 每6小时1分
        activity_date=clock.today().isoformat(),
        started_on=None,
        ended_on=None,
        form="有组织的继续医学教育实践活动",
        inputs={"hours": "6"},
    )
    none = await cme_client.post(API, json=body)
    assert none.status_code == 400 and "审核通过的教学活动计划" in none.text
    waiting = await _plan(world, world.institution_id, status="submitted")
    elsewhere = await _plan(world, world.other_institution_id)
    passed = await _plan(world, world.institution_id)
    last_year = await _plan(world, world.institution_id, back=1)  # offered for a December activity
    form = await cme_client.post(f"{PAGES}/new/bj-19", data={"action": "next", "selected": [str(first)]})
    select = re.search(r'<select name="basis_id".*?</select>', form.text, re.S)
    assert select and re.findall(r'<option value="(\d+)"', select.group(0)) == [str(passed), str(last_year)]
    assert f"{clock.today().year - 1}年度 · 内科年度教学计划" in select.group(0)
    assert "请选择备案计划" in (await cme_client.post(API, json=body)).text
    for refused_plan in (waiting, elsewhere, last_year):
        answer = await cme_client.post(API, json={**body, "basis_id": refused_plan})
        assert answer.status_code == 400 and "所选备案计划不存在" in answer.text
    assert await _counts(world) == (0, 0)
    made = ok(await cme_client.post(API, json={**body, "basis_id": passed}), 201)
    assert made["basis_label"].startswith("内科年度教学计划（A医院1") and made["credits_text"] == "1"
    with scope(world.tenant):
        row = await StandardGrant.select(StandardGrant.basis_kind, StandardGrant.basis_id).first()
    assert row == {"basis_kind": "beijing.activity_plan", "basis_id": passed}
    page = await cme_client.get(f"{PAGES}/{made['id']}")
    assert "授分依据" in page.text and "内科年度教学计划" in page.text
