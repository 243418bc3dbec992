"""Zhejiang's internal training (内部培训管理, seed 002 §4): a department adds a training with its sessions
and submits it, the institution approves it, people check in by QR, the department scores them and writes
the training off, and the institution's second write-off posts the credits. Refusals, reach and another
tenant's ids, the pages and the statistics."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from cme_platform import clock
from cme_platform.attendance import scan
from cme_platform.attendance.codes import Code, make_code, rotation_step
from cme_platform.audit.tables import AuditEvent
from cme_platform.credits.tables import CreditRecord
from cme_platform.errors import DomainError
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.identity.roles import Role
from cme_platform.notifications.tables import Notification
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.service import document_columns
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld, build_world
from cme_zhejiang.internal_training import SESSION_KIND
from cme_zhejiang.internal_training.sessions import TrainingSessions

ZJ = "/t/zj"
API = f"{ZJ}/p/zhejiang/api/trainings"
SECRET = "training-test-secret"
DAY = clock.today() - timedelta(days=2)
START = datetime.combine(DAY, datetime.min.time(), tzinfo=clock.CHINA) + timedelta(hours=14)
END = START + timedelta(hours=2)


@pytest.fixture
async def zj(tenant_factory: Any, account_factory: Any) -> OrgWorld:
    """A Zhejiang tenant with two learners of the first department and an institution administrator of
    the second institution."""
    tenant = await tenant_factory(slug="zj", plugin="zhejiang", name="浙江省卫生健康委员会")
    world = await build_world(tenant, account_factory, "浙")
    world.accounts["other_institution"] = await account_factory(
        tenant, "other_institution", [(Role.INSTITUTION_ADMIN, {"institution": world.other_institution_id})]
    )
    for name in ("learner1", "learner2"):
        world.accounts[name] = await account_factory(
            tenant, name, [(Role.LEARNER, {"institution": world.institution_id})]
        )
        with scope(tenant):
            facts: dict[str, Any] = {
                "name": f"学员{name[-1]}",
                "gender": "女",
                "person_number": (await reserve_person_numbers(1))[0],
                "institution": world.institution_id,
                "department": world.department_id,
                "account": world.accounts[name],
                **document_columns(f"E{uuid.uuid4().int % 10**8:08d}"),
            }
            person = Person(**facts)
            await person.save()
    return world


def _training(**changes: Any) -> dict[str, Any]:
    return {
        "year": DAY.year,
        "name": "心电图判读业务学习",
        "level": "科室组织的活动",
        "credits": "0.5",
        "hours": "2",
        "discipline": "临床内科学",
        "subdiscipline": "心血管病学",
        "form": "业务学习",
        "assessment": "考勤",
        **changes,
    }


def _session(**changes: Any) -> dict[str, Any]:
    return {
        "title": "常见心律失常",
        "speaker": "王主任",
        "starts_at": START.isoformat(),
        "ends_at": END.isoformat(),
        "venue": "内科示教室",
        **changes,
    }


async def _person(world: OrgWorld, account: str) -> int:
    with scope(world.tenant):
        row = await Person.select(Person.id).where(Person.account == world.accounts[account]).first()
    assert row is not None
    return int(row["id"])


async def _scan(app: Any, world: OrgWorld, who: str, session_id: int, action: str, at: datetime) -> Any:
    with scope(world.tenant), clock.frozen_now(at):
        seconds = scan.attendance_policy(app.state.plugin_manager).rotate_seconds
        step = rotation_step(at.timestamp(), seconds) if seconds else 0  # the code shown at ``at``
        code = Code(
            tenant_id=world.tenant.id, kind=SESSION_KIND, session_id=session_id, action=action, step=step
        )
        text = make_code(SECRET, code)
        principal = await load_principal_by_id(world.accounts[who])
        assert principal is not None
        try:
            return await scan.scan(app.state.plugin_manager, principal, text, secret=SECRET)
        except DomainError as exc:
            return exc.code


async def _decide(client: Any, approval_id: int, action: str = "approve", comment: str = "") -> Any:
    return await client.post(
        f"{ZJ}/api/approvals/{approval_id}/decision", json={"action": action, "comment": comment}
    )


async def _approved_training(client: Any, world: OrgWorld, login: Any) -> dict[str, Any]:
    """A training of the first department with one session, submitted by the department and approved by
    its institution; the client is left signed in as the institution."""
    await login(client, world.tenant, "department")
    created = await client.post(API, json=_training())
    assert created.status_code == 201, created.text
    training = created.json()
    added = await client.post(f"{API}/{training['id']}/sessions", json=_session())
    assert added.status_code == 201, added.text
    submitted = await client.post(f"{API}/{training['id']}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted", submitted.text
    assert (await _decide(client, submitted.json()["approval_id"])).status_code == 403  # not his step
    await login(client, world.tenant, "institution")
    inbox = await client.get(f"{ZJ}/api/approvals/inbox", params={"kind": "zhejiang.training"})
    assert [item["subject_id"] for item in inbox.json()["items"]] == [training["id"]]
    decided = await _decide(client, submitted.json()["approval_id"], comment="同意举办")
    assert decided.status_code == 200, decided.text
    return (await client.get(f"{API}/{training['id']}")).json()


async def test_a_training_goes_from_the_department_through_attendance_to_written_off_credits(
    cme_app: Any, cme_client: Any, zj: OrgWorld, login: Any
) -> None:
    training = await _approved_training(cme_client, zj, login)
    assert training["status"] == "approved" and training["held"] and training["write_off_label"] == "待评分"
    [session] = training["sessions"]
    assert session["hours"] == 200 and session["hours_text"] == "2"

    # learner1 stays for the whole session; learner2 checks in and never checks out
    assert (await _scan(cme_app, zj, "learner1", session["id"], "check_in", START)).outcome == "accepted"
    assert (await _scan(cme_app, zj, "learner1", session["id"], "check_out", END)).outcome == "accepted"
    assert (await _scan(cme_app, zj, "learner2", session["id"], "check_in", START)).outcome == "accepted"
    one, two = await _person(zj, "learner1"), await _person(zj, "learner2")

    await login(cme_client, zj.tenant, "department")
    sheet = (await cme_client.get(f"{API}/{training['id']}/scores")).json()
    rows = {r["person_id"]: r for r in sheet["rows"]}
    assert sheet["required_hours"] > 0 and sheet["editable"]
    assert rows[one]["qualifies"] and rows[one]["credits"] == 50
    assert not rows[two]["qualifies"] and rows[two]["credits"] == 0

    too_many = await cme_client.put(
        f"{API}/{training['id']}/scores", json={"scores": [{"person_id": one, "credits": "0.6"}]}
    )
    assert too_many.status_code == 400 and "0.5" in too_many.text
    stranger = await cme_client.put(
        f"{API}/{training['id']}/scores", json={"scores": [{"person_id": 999999, "credits": "0.5"}]}
    )
    assert stranger.status_code == 400 and "签到" in stranger.text
    nothing = await cme_client.put(
        f"{API}/{training['id']}/scores",
        json={"scores": [{"person_id": one, "credits": "0"}], "write_off": True},
    )
    assert nothing.status_code == 400

    sent = await cme_client.put(
        f"{API}/{training['id']}/scores",
        json={
            "scores": [{"person_id": one, "credits": "0.5"}, {"person_id": two, "credits": "0"}],
            "write_off": True,
        },
    )
    assert sent.status_code == 200 and sent.json()["status"] == "submitted", sent.text
    again = await cme_client.put(
        f"{API}/{training['id']}/scores", json={"scores": [{"person_id": one, "credits": "0.2"}]}
    )
    assert again.status_code == 409  # sent: the scores no longer change
    with scope(zj.tenant):
        assert not await CreditRecord.exists().where(CreditRecord.source == "training")
        states = await TrainingSessions().credit_states(one, [training["id"]])
    assert states[training["id"]].label == "核销中"

    # the institution's second write-off posts the credit, once
    await login(cme_client, zj.tenant, "institution")
    inbox = (
        await cme_client.get(f"{ZJ}/api/approvals/inbox", params={"kind": "zhejiang.training_write_off"})
    ).json()
    [item] = inbox["items"]
    assert "学员1 0.5" in str(item["fields"])
    assert (await _decide(cme_client, sent.json()["approval_id"], comment="核销通过")).status_code == 200
    assert (await _decide(cme_client, sent.json()["approval_id"])).status_code in (404, 409)
    with scope(zj.tenant):
        credits = await CreditRecord.select().where(CreditRecord.source == "training")
        states = await TrainingSessions().credit_states(one, [training["id"]])
        told = await Notification.select(Notification.title).where(
            Notification.account == zj.accounts["learner1"]
        )
        audited = {r["action"] for r in await AuditEvent.select(AuditEvent.action)}
    [credit] = credits
    assert credit["person"] == one and credit["credits"] == 50 and credit["hours"] == 200
    assert credit["category"] == "II类学分" and credit["subcategory"] == "单位和科室组织的活动"
    assert credit["status"] == "approved" and credit["effective_on"] == clock.today()
    assert credit["source_type"] == "zhejiang_training" and credit["source_id"] == training["id"]
    assert states[training["id"]].state == "granted"
    assert any("内部培训学分已授予" in n["title"] for n in told)
    assert {
        "zhejiang.training.create",
        "zhejiang.training.session.create",
        "zhejiang.training.submit",
        "zhejiang.training.approved",
        "zhejiang.training.scores",
        "zhejiang.training_write_off.submit",
        "zhejiang.training_write_off.approved",
    } <= audited
    done = (await cme_client.get(f"{API}/{training['id']}")).json()
    assert done["write_off_status"] == "approved" and not done["may_score"]
    with scope(zj.tenant):
        facts = await TrainingSessions().facts([session["id"]])
    assert not facts[session["id"]].open  # written off: its codes no longer work

    await login(cme_client, zj.tenant, "learner1")
    mine = (await cme_client.get(f"{ZJ}/api/attendance/mine")).json()
    [attended] = [r for r in mine["items"] if r["session"]["kind"] == SESSION_KIND]
    assert (
        "心电图判读业务学习" in attended["session"]["activity"]
        and attended["credit_state_label"] == "已授予学分"
    )
    await login(cme_client, zj.tenant, "institution")
    statistics = (await cme_client.get(f"{API}/statistics", params={"year": DAY.year})).json()
    assert statistics["total"]["trainings"] == 1 and statistics["total"]["written_off"] == 1
    assert statistics["total"]["attendees"] == 2 and statistics["total"]["granted"] == 1
    assert statistics["total"]["credits_text"] == "0.5"


async def test_a_returned_write_off_is_scored_again_and_an_institutions_own_needs_no_second_approval(
    cme_app: Any, cme_client: Any, zj: OrgWorld, login: Any
) -> None:
    training = await _approved_training(cme_client, zj, login)
    session_id = training["sessions"][0]["id"]
    await _scan(cme_app, zj, "learner1", session_id, "check_in", START)
    await _scan(cme_app, zj, "learner1", session_id, "check_out", END)
    one = await _person(zj, "learner1")
    await login(cme_client, zj.tenant, "department")
    sent = await cme_client.put(
        f"{API}/{training['id']}/scores",
        json={"scores": [{"person_id": one, "credits": "0.5"}], "write_off": True},
    )
    await login(cme_client, zj.tenant, "institution")
    assert (await _decide(cme_client, sent.json()["approval_id"], "return", "请核对学时")).status_code == 200
    await login(cme_client, zj.tenant, "department")
    sheet = (await cme_client.get(f"{API}/{training['id']}/scores")).json()
    assert sheet["status"] == "returned" and sheet["review_comment"] == "请核对学时" and sheet["editable"]
    with scope(zj.tenant):
        told = await Notification.select(Notification.title).where(
            Notification.account == zj.accounts["department"]
        )
    assert any("核销退回" in n["title"] for n in told)

    # the institution scores and writes off itself: its own write-off counts at once
    await login(cme_client, zj.tenant, "institution")
    own = await cme_client.put(
        f"{API}/{training['id']}/scores",
        json={"scores": [{"person_id": one, "credits": "0.3"}], "write_off": True},
    )
    assert own.status_code == 200 and own.json()["status"] == "approved", own.text
    with scope(zj.tenant):
        [credit] = await CreditRecord.select(CreditRecord.credits).where(CreditRecord.source == "training")
    assert credit["credits"] == 30


async def test_a_rejected_write_off_leaves_the_to_score_tab_and_the_department_hears_of_decisions(
    cme_app: Any, cme_client: Any, zj: OrgWorld, login: Any
) -> None:
    await login(cme_client, zj.tenant, "department")
    created = (await cme_client.post(API, json=_training())).json()
    await cme_client.post(f"{API}/{created['id']}/sessions", json=_session())
    submitted = (await cme_client.post(f"{API}/{created['id']}/submit")).json()
    await login(cme_client, zj.tenant, "institution")
    await _decide(cme_client, submitted["approval_id"], "return", "请补充考核方式")
    await login(cme_client, zj.tenant, "department")
    assert (await cme_client.post(f"{API}/{created['id']}/submit")).status_code == 200
    training = (await cme_client.get(f"{API}/{created['id']}")).json()
    await login(cme_client, zj.tenant, "institution")
    await _decide(cme_client, training["approval_id"])
    with scope(zj.tenant):
        told = [
            n["title"]
            for n in await Notification.select(Notification.title).where(
                Notification.account == zj.accounts["department"]
            )
        ]
    assert any("退回修改" in t for t in told) and any("审核通过" in t for t in told), told
    session_id = training["sessions"][0]["id"]
    await _scan(cme_app, zj, "learner1", session_id, "check_in", START)
    await _scan(cme_app, zj, "learner1", session_id, "check_out", END)
    one = await _person(zj, "learner1")
    await login(cme_client, zj.tenant, "department")
    assert (await cme_client.get(API, params={"tab": "to_score"})).json()["total"] == 1
    sent = await cme_client.put(
        f"{API}/{created['id']}/scores",
        json={"scores": [{"person_id": one, "credits": "0.5"}], "write_off": True},
    )
    await login(cme_client, zj.tenant, "institution")
    inbox = (
        await cme_client.get(f"{ZJ}/api/approvals/inbox", params={"kind": "zhejiang.training_write_off"})
    ).json()
    assert "学员1 0.5分（2学时）" in str(inbox["items"][0]["fields"])
    await _decide(cme_client, sent.json()["approval_id"], "reject", "考勤记录不全")
    listed = (await cme_client.get(API, params={"tab": "to_score"})).json()
    assert listed["total"] == 0 and listed["tabs"]["held"] == 1
    rejected = (await cme_client.get(f"{API}/{created['id']}")).json()
    assert rejected["write_off_label"] == "核销不通过" and not rejected["may_score"]
    with scope(zj.tenant):
        assert not await CreditRecord.exists().where(CreditRecord.source == "training")


async def test_refusals_reach_and_bad_input(cme_client: Any, zj: OrgWorld, login: Any) -> None:
    await login(cme_client, zj.tenant, "learner1")
    assert (await cme_client.get(API)).status_code == 403
    await login(cme_client, zj.tenant, "department")
    for field, bad in (
        ("credits", "10.5"),
        ("credits", "0"),
        ("hours", "-1"),
        ("level", "国家级"),
        ("form", "\x00"),
        ("subdiscipline", "不存在的学科"),
        ("year", 1999),
    ):
        refused = await cme_client.post(API, json=_training(**{field: bad}))
        assert refused.status_code == 400, (field, refused.text)
    assert (await cme_client.post(API, json={**_training(), "owner": 1})).status_code == 400
    created = (await cme_client.post(API, json=_training())).json()
    unsent = await cme_client.post(f"{API}/{created['id']}/submit")
    assert unsent.status_code == 400 and "课程" in unsent.text
    for session, word in (
        (_session(ends_at=START.isoformat()), "晚于"),
        (_session(starts_at=START.replace(year=DAY.year - 1).isoformat()), "年度"),
        (_session(title=" "), "课程名称"),
    ):
        refused = await cme_client.post(f"{API}/{created['id']}/sessions", json=session)
        assert refused.status_code == 400 and word in refused.text, refused.text
    for moment in ("0001-01-01T00:00:00+09:00", "9999-12-31T20:00:00-10:00"):
        far = await cme_client.post(f"{API}/{created['id']}/sessions", json=_session(starts_at=moment))
        assert far.status_code == 400 and "2000年至2100年" in far.text, far.text
    for query in ({"starts_until": "9999-12-31"}, {"starts_from": "0001-01-01"}):
        assert (await cme_client.get(API, params=query)).status_code == 400
        assert (await cme_client.get(f"{ZJ}/p/zhejiang/trainings", params=query)).status_code == 200
    assert (await cme_client.get(f"{API}/{created['id']}/scores")).json()["editable"] is False
    early = await cme_client.put(f"{API}/{created['id']}/scores", json={"scores": []})
    assert early.status_code == 409 and "尚未举办" in early.text
    await cme_client.post(f"{API}/{created['id']}/sessions", json=_session())
    moved = await cme_client.patch(f"{API}/{created['id']}", json=_training(year=DAY.year + 3))
    assert moved.status_code == 400 and "举办年度须与课程一致" in moved.text
    assert (await cme_client.post(f"{API}/{created['id']}/submit")).status_code == 200
    changed = await cme_client.patch(f"{API}/{created['id']}", json=_training(name="改名"))
    assert changed.status_code == 409
    assert (await cme_client.delete(f"{API}/{created['id']}")).status_code == 409

    # another institution's administrator does not find it; the region reads but does not add
    await login(cme_client, zj.tenant, "other_institution")
    assert (await cme_client.get(f"{API}/{created['id']}")).status_code == 404
    assert (await cme_client.get(API)).json()["total"] == 0
    await login(cme_client, zj.tenant, "region")
    read = await cme_client.get(f"{API}/{created['id']}")
    assert read.status_code == 200 and not read.json()["may_show_codes"]
    assert (await cme_client.post(API, json=_training())).status_code == 403
    assert (await cme_client.get(API, params={"tab": "everything"})).status_code == 400


async def test_another_tenants_trainings_are_not_found(
    cme_client: Any, zj: OrgWorld, login: Any, tenant_factory: Any, account_factory: Any
) -> None:
    await login(cme_client, zj.tenant, "department")
    created = (await cme_client.post(API, json=_training())).json()
    other = await build_world(
        await tenant_factory(slug="zj2", plugin="zhejiang", name="另一省"), account_factory, "乙"
    )
    await login(cme_client, other.tenant, "commission")
    api = f"/t/zj2/p/zhejiang/api/trainings/{created['id']}"
    assert (await cme_client.get(api)).status_code == 404
    assert (await cme_client.get(f"{api}/scores")).status_code == 404
    await login(cme_client, other.tenant, "institution")
    assert (await cme_client.patch(api, json=_training())).status_code == 404
    assert (await cme_client.delete(api)).status_code == 404
    assert (await cme_client.post(f"{api}/sessions", json=_session())).status_code == 404
    assert (await cme_client.post(f"{api}/submit")).status_code == 404
    assert (await cme_client.put(f"{api}/scores", json={"scores": []})).status_code == 404
    assert (await cme_client.get("/t/zj2/p/zhejiang/api/trainings")).json()["total"] == 0


async def test_the_pages_add_a_training_with_its_sessions_submit_score_and_count_it(
    cme_app: Any, cme_client: Any, zj: OrgWorld, login: Any
) -> None:
    await login(cme_client, zj.tenant, "department")
    listing = await cme_client.get(f"{ZJ}/p/zhejiang/trainings")
    assert listing.status_code == 200 and "全部（0）" in listing.text and "待评分（0）" in listing.text
    form = await cme_client.get(f"{ZJ}/p/zhejiang/trainings/new")
    assert "下一步完善举办周期" in form.text and "保存并返回列表" in form.text
    refused = await cme_client.post(
        f"{ZJ}/p/zhejiang/trainings", data={**_training(credits="12"), "action": "next"}
    )
    assert (
        refused.status_code == 400 and "学分不能超过" in refused.text and "心电图判读业务学习" in refused.text
    )
    created = await cme_client.post(
        f"{ZJ}/p/zhejiang/trainings", data={**_training(), "action": "next"}, follow_redirects=False
    )
    assert created.status_code == 303 and created.headers["location"].endswith("#sessions")
    detail_path = created.headers["location"].split("#")[0]
    training_id = int(detail_path.rsplit("/", 1)[1])
    added = await cme_client.post(
        f"{detail_path}/sessions",
        data={"title": "常见心律失常", "day": str(DAY), "start": "14:00", "end": "16:00", "venue": "示教室"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    wrong = await cme_client.post(
        f"{detail_path}/sessions", data={"title": "倒序", "day": str(DAY), "start": "16:00", "end": "14:00"}
    )
    assert wrong.status_code == 400 and "结束时间须晚于开始时间" in wrong.text
    detail = await cme_client.get(detail_path)
    assert "常见心律失常" in detail.text and "提交单位审核" in detail.text
    submitted = await cme_client.post(f"{detail_path}/submit", follow_redirects=False)
    assert submitted.status_code == 303
    training = (await cme_client.get(f"{API}/{training_id}")).json()
    await login(cme_client, zj.tenant, "institution")
    await _decide(cme_client, training["approval_id"])
    detail = await cme_client.get(detail_path)
    session_id = training["sessions"][0]["id"]
    assert f"/attendance/display/training/{session_id}" in detail.text
    shown = await cme_client.get(f"{ZJ}/attendance/display/training/{session_id}")
    assert shown.status_code == 200 and "签到二维码" in shown.text
    await _scan(cme_app, zj, "learner1", session_id, "check_in", START)
    await _scan(cme_app, zj, "learner1", session_id, "check_out", END)

    await login(cme_client, zj.tenant, "department")
    listing = await cme_client.get(f"{ZJ}/p/zhejiang/trainings", params={"tab": "to_score"})
    assert "待评分（1）" in listing.text and "授分" in listing.text
    sheet = await cme_client.get(f"{detail_path}/scores")
    one = await _person(zj, "learner1")
    assert sheet.status_code == 200 and "学员1" in sheet.text and f'name="credits_{one}"' in sheet.text
    odd = await cme_client.post(f"{detail_path}/scores", data={"person": ["²", "9" * 5000], "action": "save"})
    assert odd.status_code == 200  # the odd ids are ignored: nothing scored, the sheet again
    too_many = await cme_client.post(
        f"{detail_path}/scores", data={"person": str(one), f"credits_{one}": "3", "action": "save"}
    )
    assert too_many.status_code == 400 and "学分不能超过" in too_many.text
    written_off = await cme_client.post(
        f"{detail_path}/scores",
        data={"person": str(one), f"credits_{one}": "0.5", "action": "write_off"},
        follow_redirects=False,
    )
    assert written_off.status_code == 303
    assert "待单位核销" in (await cme_client.get(f"{detail_path}/scores")).text
    stats = await cme_client.get(f"{ZJ}/p/zhejiang/trainings/statistics")
    assert stats.status_code == 200 and "已举办院内活动查看统计" in stats.text and "合计" in stats.text
    await login(cme_client, zj.tenant, "commission")
    assert (await cme_client.get(f"{ZJ}/p/zhejiang/trainings")).status_code == 200
    assert (await cme_client.get(f"{ZJ}/p/zhejiang/trainings/new")).status_code == 403
