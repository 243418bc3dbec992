"""Personal credit entry: guided and free entry, validation that stores nothing, the entry right, the
effective-record lock and the commission's correction. Zhejiang flows run on tenant ``beta``.

The helpers and the ``zj`` fixture here are shared with tests/test_credits_review.py and
tests/test_credits_api.py.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import msgspec
import pytest
from cme_platform import clock
from cme_platform.approvals.tables import ApprovalAction, ApprovalRequest
from cme_platform.audit.tables import AuditEvent
from cme_platform.credits.tables import CreditEvidence, CreditRecord, SelfEntryGrant
from cme_platform.identity.roles import Role
from cme_platform.orgs.tables import Department
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.service import document_columns
from cme_platform.personnel.tables import Person
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld, stored_file

API = "/t/beta/api"


class Zj(msgspec.Struct, kw_only=True):
    """Tenant beta (Zhejiang) with people for the learner accounts and a second department (外科)."""

    w: OrgWorld
    person_id: int
    surgery_id: int
    surgeon_person_id: int


async def add_person(world: OrgWorld, name: str, department_id: int | None, account_id: int | None) -> int:
    """A person of the world's first institution, linked to ``account_id``."""
    documents: dict[str, Any] = document_columns(f"E{uuid.uuid4().int % 10**8:08d}")
    with scope(world.tenant):
        number = (await reserve_person_numbers(1))[0]
        person = Person(
            name=name,
            gender="男",
            person_number=number,
            institution=world.institution_id,
            department=department_id,
            account=account_id,
            **documents,
        )
        await person.save()
        return int(person.id)


@pytest.fixture
async def zj(other_world: OrgWorld, account_factory: Any) -> Zj:
    """The Zhejiang world: the learner is a person of 内科; the surgeon a learner of 外科 (same hospital)."""
    w = other_world
    with scope(w.tenant):
        surgery = Department(name="外科", institution=w.institution_id)
        await surgery.save()
    surgeon = await account_factory(w.tenant, "surgeon", [(Role.LEARNER, {"institution": w.institution_id})])
    w.accounts["surgeon"] = surgeon
    w.accounts["surgery_admin"] = await account_factory(
        w.tenant,
        "surgery_admin",
        [(Role.DEPARTMENT_ADMIN, {"institution": w.institution_id, "department": int(surgery.id)})],
    )
    person_id = await add_person(w, "浙学员", w.department_id, w.accounts["learner"])
    surgeon_person = await add_person(w, "浙外科", int(surgery.id), surgeon)
    return Zj(w=w, person_id=person_id, surgery_id=int(surgery.id), surgeon_person_id=surgeon_person)


async def open_grant(world: OrgWorld) -> None:
    """Open self-entry for the world's first institution."""
    with scope(world.tenant):
        await SelfEntryGrant(institution=world.institution_id).save()


async def upload(world: OrgWorld, account: str, purpose: str = "evidence") -> int:
    """A stored evidence file uploaded by ``account`` (only its row: the ledger never reads the bytes)."""
    return await stored_file(world, account, purpose)


def standard(app: Any, world: OrgWorld, code: str, year: int | None = None) -> Any:
    """The tenant's standard ``code`` of ``year`` as its plugin gives it."""
    year = year or clock.today().year
    return next(
        s
        for s in tenant_hooks(app.state.plugin_manager, world.tenant).cme_credit_standards(year=year)
        if s.code == code
    )


def day(back: int = 10) -> str:
    """An activity date ``back`` days before today (ISO)."""
    return (clock.today() - timedelta(days=back)).isoformat()


def guided(code: str, evidence: list[int] | None = None, **inputs: Any) -> dict[str, Any]:
    """A guided entry body."""
    return {
        "activity_name": f"向导录入{code}",
        "activity_date": day(),
        "standard_code": code,
        "inputs": inputs,
        "evidence_ids": evidence or [],
    }


def free(
    category: str, subcategory: str, credits: Any = "2.5", hours: Any = "7.5", **extra: Any
) -> dict[str, Any]:
    """A free entry body."""
    body = {
        "activity_name": "科室业务学习",
        "activity_date": day(),
        "category": category,
        "subcategory": subcategory,
        "credits": credits,
        "hours": hours,
        "form": "单位、科室组织的活动",
        "discipline": "基础医学",
        "subdiscipline": "生理学",
    }
    return {**body, **extra}


async def counts(world: OrgWorld) -> tuple[int, int, int, int]:
    """Rows of the ledger and the approval tables in the tenant."""
    with scope(world.tenant):
        return (
            await CreditRecord.count(),
            await CreditEvidence.count(),
            await ApprovalRequest.count(),
            await ApprovalAction.count(),
        )


async def actions(world: OrgWorld, action: str) -> list[dict[str, Any]]:
    """The tenant's audit records of ``action``."""
    with scope(world.tenant):
        return await AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.seq)


async def create(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    """POST a credit and expect 201."""
    response = await client.post(f"{API}/credits", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_guided_entry_gives_each_standards_worked_credits(cme_app, cme_client, zj, login):
    await open_grant(zj.w)
    await login(cme_client, zj.w.tenant, "learner")
    cases: list[tuple[str, dict[str, Any], int]] = [
        ("zj-01", {"hours": "9"}, 300),  # 3 hours per credit: 9 hours → 3
        ("zj-01", {"hours": "7"}, 233),  # 7/3 rounded down to the hundredth
        ("zj-03", {"hours": "12"}, 1000),  # 1 credit an hour, at most 10
        ("zj-05", {"days": 20}, 1500),  # 1 credit a day, at most 15
        ("zj-11", {"occurrences": 1}, 2500),  # degree education: 25 once
        ("zj-12", {"author_rank": 2}, 1500),  # SCI paper, second author
        ("zj-13", {"author_rank": 1}, 1500),  # core journal, first author
    ]
    for code, inputs, expected in cases:
        created = await create(cme_client, guided(code, **inputs))
        rule = standard(cme_app, zj.w, code)
        assert created["credits"] == expected, (code, created["explanation"])
        assert (created["category"], created["subcategory"]) == (rule.category, rule.subcategory)
        assert created["entry_mode"] == "guided" and created["standard_code"] == code
        assert created["status"] == "draft" and created["status_label"] == "未上报"
        assert created["person_id"] == zj.person_id and created["department_id"] == zj.w.department_id
        assert created["explanation"][-1].startswith("授予")
    assert created["hours"] == 0 and created["inputs"] == {"author_rank": 1}
    first = (await cme_client.get(f"{API}/credits", params={"page_size": 50})).json()
    assert first["total"] == len(cases)
    assert len(await actions(zj.w, "credits.record.create")) == len(cases)


async def test_free_entry_stores_hundredths_and_vocabulary(cme_app, cme_client, zj, login):
    await open_grant(zj.w)
    await login(cme_client, zj.w.tenant, "learner")
    options = (await cme_client.get(f"{API}/credits/options")).json()
    category = options["categories"][1]
    created = await create(cme_client, free(category["name"], category["subcategories"][0]))
    assert (created["credits"], created["credits_text"]) == (250, "2.5")
    assert (created["hours"], created["hours_text"]) == (750, "7.5")
    assert created["entry_mode"] == "free" and created["category"] == category["name"]
    assert created["subdiscipline"] == "生理学" and created["entered_by_name"] == "learner 测试"
    events = await actions(zj.w, "credits.record.create")
    assert msgspec.json.decode(events[0]["after"])["credits"] == 250


async def test_every_bad_input_is_refused_in_chinese_and_stores_nothing(
    cme_app, cme_client, zj, world, login
):
    await open_grant(zj.w)
    options_year = clock.today().year
    rule = standard(cme_app, zj.w, "zj-01", options_year)
    own_file = await upload(zj.w, "learner")
    foreign_file = await upload(zj.w, "surgeon")
    future = (clock.today() + timedelta(days=1)).isoformat()
    category, sub = rule.category, rule.subcategory
    cases = [
        (guided("zj-01", hours="-1"), "inputs.hours"),
        (guided("zj-01", hours="25"), "inputs.hours"),
        (guided("zj-12", author_rank=4), "inputs.author_rank"),
        (guided("zj-13", author_rank=3), "inputs.author_rank"),
        (guided("zj-99", hours="3"), "standard_code"),
        (free("甲类学分", ""), "category"),
        (free(category, "不存在的子类别"), "subcategory"),
        (free(category, sub, credits="0"), "credits"),
        (free(category, sub, credits="1000"), "credits"),
        (free(category, sub, credits="1.234"), "credits"),
        (free(category, sub, hours="-2"), "hours"),
        (free(category, sub, activity_date=future), "activity_date"),
        (free(category, sub, activity_date="1999-12-31"), "activity_date"),
        (free(category, sub, evidence_ids=[foreign_file]), "evidence_ids"),
        (free(category, sub, evidence_ids=[own_file, 987654]), "evidence_ids"),
        (free(category, sub, submit=True), "evidence_ids"),
        (free(category, sub, discipline="基础医学", subdiscipline="心血管病学"), "subdiscipline"),
        (free(category, sub, form="野餐"), "form"),
    ]
    await login(cme_client, zj.w.tenant, "learner")
    before = await counts(zj.w)
    for body, field in cases:
        response = await cme_client.post(f"{API}/credits", json=body)
        assert response.status_code == 400, (field, response.text)
        errors = response.json()["errors"]
        assert field in {e["field"] for e in errors}, (field, errors)
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in errors), errors
    assert await counts(zj.w) == before

    alpha_person = await add_person(world, "甲省人员", world.department_id, None)
    await login(cme_client, zj.w.tenant, "commission")
    response = await cme_client.post(f"{API}/credits", json=free(category, sub, person_id=alpha_person))
    assert response.status_code == 404 and response.json()["message"] == "人员不存在"
    await login(cme_client, zj.w.tenant, "department")
    response = await cme_client.post(
        f"{API}/credits", json=free(category, sub, person_id=zj.surgeon_person_id)
    )
    assert response.status_code == 404
    assert await counts(zj.w) == before


async def test_learner_without_the_right_is_refused_with_the_reason(
    cme_client, zj, world, login, account_factory
):
    await login(cme_client, zj.w.tenant, "learner")
    options = (await cme_client.get(f"{API}/credits/options")).json()
    assert options["may_enter"] is False and "开通" in options["reason"]
    body = guided("zj-01", hours="9")
    response = await cme_client.post(f"{API}/credits", json=body)
    assert response.status_code == 403 and response.json()["message"] == options["reason"]
    with scope(zj.w.tenant):
        await SelfEntryGrant(institution=zj.w.institution_id, department=zj.surgery_id).save()
    response = await cme_client.post(f"{API}/credits", json=body)
    assert response.status_code == 403, "a grant for another department opens nothing for 内科"
    with scope(zj.w.tenant):
        await SelfEntryGrant(institution=zj.w.institution_id, department=zj.w.department_id).save()
    assert (await cme_client.get(f"{API}/credits/options")).json()["may_enter"] is True
    await create(cme_client, body)

    await add_person(world, "京学员", world.department_id, world.accounts["learner"])
    await login(cme_client, world.tenant, "learner")
    options = (await cme_client.get("/t/alpha/api/credits/options")).json()
    assert options["may_enter"] is False and "单位管理员录入" in options["reason"]
    response = await cme_client.post("/t/alpha/api/credits", json=free("其他", "", activity_name="京"))
    assert response.status_code == 403 and response.json()["message"] == options["reason"]


async def approve_all(
    client: Any, login: Any, world: OrgWorld, record_id: int, *approvers: str
) -> dict[str, Any]:
    """Let each approver in turn approve the record's waiting step; returns the record after the last."""
    body: dict[str, Any] = {}
    for approver in approvers:
        await login(client, world.tenant, approver)
        record = (await client.get(f"{API}/credits/{record_id}")).json()
        request_id = record["approval"]["request_id"]
        response = await client.post(f"{API}/approvals/{request_id}/decision", json={"action": "approve"})
        assert response.status_code == 200, (approver, response.text)
        body = (await client.get(f"{API}/credits/{record_id}")).json()
    return body


async def test_effective_records_are_locked_and_only_the_commission_corrects_them(
    cme_app, cme_client, zj, login
):
    await open_grant(zj.w)
    rule = standard(cme_app, zj.w, "zj-05")
    today = clock.today()
    with clock.frozen_today(today):
        await login(cme_client, zj.w.tenant, "learner")
        created = await create(
            cme_client, {**guided("zj-05", [await upload(zj.w, "learner")], days=3), "submit": True}
        )
        assert created["status"] == "submitted"
        approved = await approve_all(cme_client, login, zj.w, created["id"], "department", "institution")
        assert approved["status"] == "approved" and approved["effective"] is False
    record_id = created["id"]
    with clock.frozen_today(today + timedelta(days=1)):
        for who in ("learner", "institution", "commission"):
            await login(cme_client, zj.w.tenant, who)
            response = await cme_client.put(f"{API}/credits/{record_id}", json=guided("zj-05", days=5))
            assert response.status_code == 409, who
            assert response.json()["message"] == "已生效的学分不能修改，如需更正请联系省继教委"
            assert (await cme_client.delete(f"{API}/credits/{record_id}")).status_code == 409
        await login(cme_client, zj.w.tenant, "institution")
        response = await cme_client.post(
            f"{API}/credits/{record_id}/correction", json={"reason": "核对原件", "credits": "2"}
        )
        assert response.status_code == 403
        await login(cme_client, zj.w.tenant, "commission")
        response = await cme_client.post(
            f"{API}/credits/{record_id}/correction", json={"reason": "  ", "credits": "2"}
        )
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"
        response = await cme_client.post(
            f"{API}/credits/{record_id}/correction",
            json={"reason": "进修天数核对为2天", "credits": "2", "subcategory": "不存在"},
        )
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "subcategory"
        response = await cme_client.post(
            f"{API}/credits/{record_id}/correction",
            json={"reason": "进修天数核对为2天", "credits": "2", "category": rule.category},
        )
        assert response.status_code == 200, response.text
        corrected = response.json()
        assert corrected["credits"] == 200 and corrected["effective"] is True
        assert corrected["correction_reason"] == "进修天数核对为2天"
    events = await actions(zj.w, "credits.record.correct")
    assert len(events) == 1
    assert msgspec.json.decode(events[0]["before"]) == {"credits": 300}
    assert msgspec.json.decode(events[0]["after"]) == {"credits": 200, "reason": "进修天数核对为2天"}
    with scope(zj.w.tenant):
        stored = await CreditRecord.select(CreditRecord.credits).where(CreditRecord.id == record_id).first()
    assert stored is not None and stored["credits"] == 200
    assert date.fromisoformat(corrected["effective_on"]) == today + timedelta(days=1)
