"""Review of personal credits in Zhejiang: each chain path, return and resubmit, reject, batch decisions
that race another approver, department boundaries, withdrawal on delete, and the audit of every step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cme_platform import clock
from cme_platform.approvals.tables import ApprovalAction, ApprovalRequest
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity.roles import Role
from cme_platform.tenancy.scope import scope
from test_credits_entry import API, actions, approve_all, create, free, guided, open_grant, standard, upload
from test_credits_entry import zj as zj  # the fixture, shared


async def submitted(
    client: Any, login: Any, zj: Any, body: dict[str, Any], who: str = "learner"
) -> dict[str, Any]:
    """Enter ``body`` as ``who`` with one evidence file and send it for review."""
    await login(client, zj.w.tenant, who)
    created = await create(client, {**body, "evidence_ids": [await upload(zj.w, who)], "submit": True})
    assert created["status"] == "submitted", created
    return created


async def inbox_ids(client: Any) -> set[int]:
    """The record ids in the signed-in approver's inbox."""
    response = await client.get(f"{API}/approvals/inbox")
    assert response.status_code == 200, response.text
    return {item["subject_id"] for item in response.json()["items"] if item["subject_type"] == "credit"}


async def decide(client: Any, record_id: int, action: str, comment: str = "") -> Any:
    """Decide the record's waiting step as the signed-in approver; the refusal, or the record after it."""
    record = (await client.get(f"{API}/credits/{record_id}")).json()
    request_id = record["approval"]["request_id"]
    response = await client.post(
        f"{API}/approvals/{request_id}/decision", json={"action": action, "comment": comment}
    )
    if response.status_code != 200:
        return response
    assert response.json()["subject_id"] == record_id
    return await client.get(f"{API}/credits/{record_id}")


async def audit_trail(zj: Any, record_id: int) -> list[str]:
    """The credits.* audit actions of one record, in order."""
    with scope(zj.w.tenant):
        rows = (
            await AuditEvent.select(AuditEvent.action)
            .where((AuditEvent.object_type == "credit_record") & (AuditEvent.object_id == str(record_id)))
            .order_by(AuditEvent.seq)
        )
    return [r["action"] for r in rows]


async def test_learner_entry_goes_department_then_institution_and_counts_the_next_day(cme_client, zj, login):
    await open_grant(zj.w)
    today = clock.today()
    with clock.frozen_today(today):
        record = await submitted(cme_client, login, zj, guided("zj-05", days=4))
        detail = (await cme_client.get(f"{API}/credits/{record['id']}")).json()
        assert detail["approval"]["steps"] == ["科室审核", "单位审核"]
        assert detail["can_edit"] is False and len(detail["evidence"]) == 1
        await login(cme_client, zj.w.tenant, "institution")
        assert record["id"] not in await inbox_ids(cme_client)
        response = await decide(cme_client, record["id"], "approve")
        assert response.status_code == 403 and response.json()["message"] == "当前审核步骤不由您处理"
        await login(cme_client, zj.w.tenant, "department")
        assert record["id"] in await inbox_ids(cme_client)
        response = await decide(cme_client, record["id"], "approve")
        assert response.status_code == 200 and response.json()["status"] == "in_review"
        assert record["id"] not in await inbox_ids(cme_client)
        await login(cme_client, zj.w.tenant, "institution")
        assert record["id"] in await inbox_ids(cme_client)
        done = (await decide(cme_client, record["id"], "approve")).json()
        assert done["status"] == "approved" and done["effective"] is False
        assert done["effective_on"] == (today + timedelta(days=1)).isoformat()
        assert done["status_label"].startswith("审核通过（")
        effective = (await cme_client.get(f"{API}/credits", params={"status": "effective"})).json()
        assert effective["total"] == 0
    with clock.frozen_today(today + timedelta(days=1)):
        detail = (await cme_client.get(f"{API}/credits/{record['id']}")).json()
        assert detail["effective"] is True and detail["status_label"] == "已生效"
        assert [h["action"] for h in detail["approval"]["history"]] == ["submit", "approve", "approve"]
        effective = (await cme_client.get(f"{API}/credits", params={"status": "effective"})).json()
        assert effective["total"] == 1
    assert await audit_trail(zj, record["id"]) == [
        "credits.record.create",
        "credits.record.submit",
        "credits.record.approve_step",
        "credits.record.approve",
    ]


async def test_out_of_province_credits_add_the_higher_administrations_step(cme_client, zj, login):
    await open_grant(zj.w)
    record = await submitted(cme_client, login, zj, guided("zj-01", hours="6"))
    detail = (await cme_client.get(f"{API}/credits/{record['id']}")).json()
    assert detail["approval"]["steps"] == ["科室审核", "单位审核", "上级管理部门审核"]
    await approve_all(cme_client, login, zj.w, record["id"], "department", "institution")
    await login(cme_client, zj.w.tenant, "institution")
    assert (await cme_client.get(f"{API}/credits/{record['id']}")).json()["status"] == "in_review"
    await login(cme_client, zj.w.tenant, "region")
    assert record["id"] in await inbox_ids(cme_client)
    done = (await decide(cme_client, record["id"], "approve")).json()
    assert done["status"] == "approved"
    assert await audit_trail(zj, record["id"]) == [
        "credits.record.create",
        "credits.record.submit",
        "credits.record.approve_step",
        "credits.record.approve_step",
        "credits.record.approve",
    ]


async def test_a_department_administrators_entry_skips_the_department_step(cme_app, cme_client, zj, login):
    rule = standard(cme_app, zj.w, "zj-05")
    body = {**free(rule.category, rule.subcategory), "person_id": zj.person_id}
    record = await submitted(cme_client, login, zj, body, who="department")
    detail = (await cme_client.get(f"{API}/credits/{record['id']}")).json()
    assert detail["approval"]["steps"] == ["单位审核"] and detail["entered_by_name"] == "department 测试"
    assert record["id"] not in await inbox_ids(cme_client)
    await login(cme_client, zj.w.tenant, "institution")
    assert (await decide(cme_client, record["id"], "approve")).json()["status"] == "approved"


async def test_an_institutions_own_entry_never_waits_in_its_own_inbox(cme_app, cme_client, zj, login):
    """科教部门 entering a credit is the institution's review: the step is skipped, recorded; it counts."""
    rule = standard(cme_app, zj.w, "zj-05")
    body = {**free(rule.category, rule.subcategory), "person_id": zj.person_id}
    today = clock.today()
    with clock.frozen_today(today):
        await login(cme_client, zj.w.tenant, "institution")
        created = await create(
            cme_client, {**body, "evidence_ids": [await upload(zj.w, "institution")], "submit": True}
        )
        assert created["id"] not in await inbox_ids(cme_client)
        detail = (await cme_client.get(f"{API}/credits/{created['id']}")).json()
    assert (
        detail["status"] == "approved" and detail["effective_on"] == (today + timedelta(days=1)).isoformat()
    )
    assert [(h["action"], h["role"]) for h in detail["approval"]["history"]] == [
        ("submit", "institution_admin"),
        ("skip", "institution_admin"),
    ]
    assert "credits.record.approve" in await audit_trail(zj, created["id"])


async def test_return_edit_resubmit_and_approve_then_reject(cme_client, zj, login):
    await open_grant(zj.w)
    record = await submitted(cme_client, login, zj, guided("zj-05", days=2))
    await login(cme_client, zj.w.tenant, "department")
    response = await decide(cme_client, record["id"], "return")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "comment"
    returned = (await decide(cme_client, record["id"], "return", "请补充进修证明")).json()
    assert returned["status"] == "returned" and returned["review_comment"] == "请补充进修证明"

    await login(cme_client, zj.w.tenant, "learner")
    detail = (await cme_client.get(f"{API}/credits/{record['id']}")).json()
    assert detail["can_edit"] and detail["can_submit"]
    files = [e["file_id"] for e in detail["evidence"]] + [await upload(zj.w, "learner")]
    response = await cme_client.put(
        f"{API}/credits/{record['id']}", json={**guided("zj-05", files, days=3), "submit": True}
    )
    assert response.status_code == 200, response.text
    resubmitted = response.json()
    assert resubmitted["status"] == "submitted" and resubmitted["credits"] == 300
    assert len(resubmitted["evidence"]) == 2
    assert resubmitted["approval"]["request_id"] != detail["approval"]["request_id"]
    update = await actions(zj.w, "credits.record.update")
    assert len(update) == 1 and '"credits":200' in update[0]["before"]
    done = await approve_all(cme_client, login, zj.w, record["id"], "department", "institution")
    assert done["status"] == "approved"

    other = await submitted(cme_client, login, zj, guided("zj-05", days=1))
    await login(cme_client, zj.w.tenant, "department")
    rejected = (await decide(cme_client, other["id"], "reject", "不符合进修条件")).json()
    assert rejected["status"] == "rejected" and rejected["review_comment"] == "不符合进修条件"
    await login(cme_client, zj.w.tenant, "learner")
    response = await cme_client.put(f"{API}/credits/{other['id']}", json=guided("zj-05", days=1))
    assert response.status_code == 409
    response = await cme_client.post(f"{API}/credits/submit", json={"ids": [other["id"]]})
    assert response.json()["skipped"][0]["reason"] == "只有未上报或已退回的学分可以上报"
    assert await audit_trail(zj, other["id"]) == [
        "credits.record.create",
        "credits.record.submit",
        "credits.record.reject",
    ]
    assert "credits.record.return" in await audit_trail(zj, record["id"])


async def test_batch_approval_skips_what_another_approver_decided(cme_client, zj, login, account_factory):
    await open_grant(zj.w)
    await account_factory(
        zj.w.tenant,
        "department2",
        [(Role.DEPARTMENT_ADMIN, {"institution": zj.w.institution_id, "department": zj.w.department_id})],
    )
    first = await submitted(cme_client, login, zj, guided("zj-05", days=1))
    second = await submitted(cme_client, login, zj, guided("zj-05", days=2))
    await login(cme_client, zj.w.tenant, "department")
    inbox = (await cme_client.get(f"{API}/approvals/inbox")).json()["items"]
    assert [i["subject_id"] for i in inbox] == [first["id"], second["id"]], "oldest first"
    request_ids = {i["subject_id"]: i["request_id"] for i in inbox}
    await login(cme_client, zj.w.tenant, "department2")
    assert (await decide(cme_client, first["id"], "approve")).status_code == 200
    await login(cme_client, zj.w.tenant, "department")
    response = await cme_client.post(
        f"{API}/approvals/batch", json={"action": "approve", "ids": list(request_ids.values())}
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["done"] == [request_ids[second["id"]]]
    assert [s["id"] for s in result["skipped"]] == [request_ids[first["id"]]]
    assert result["skipped"][0]["reason"]
    with scope(zj.w.tenant):
        for record_id, request_id in request_ids.items():
            rows = await ApprovalAction.select(ApprovalAction.action).where(
                ApprovalAction.request == request_id
            )
            assert [r["action"] for r in rows] == ["submit", "approve"], record_id
    assert (await audit_trail(zj, first["id"])).count("credits.record.approve_step") == 1


async def test_a_department_administrator_neither_sees_nor_decides_another_departments_credits(
    cme_client, zj, login
):
    await open_grant(zj.w)
    record = await submitted(cme_client, login, zj, guided("zj-05", days=1), who="surgeon")
    await login(cme_client, zj.w.tenant, "department")
    assert record["id"] not in await inbox_ids(cme_client)
    assert (await cme_client.get(f"{API}/credits/{record['id']}")).status_code == 404
    listed = (await cme_client.get(f"{API}/credits")).json()
    assert record["id"] not in {i["id"] for i in listed["items"]}
    with scope(zj.w.tenant):
        request = (
            await ApprovalRequest.select(ApprovalRequest.id)
            .where(ApprovalRequest.subject_id == record["id"])
            .first()
        )
    assert request is not None
    response = await cme_client.post(f"{API}/approvals/{request['id']}/decision", json={"action": "approve"})
    assert response.status_code == 404
    response = await cme_client.post(
        f"{API}/approvals/batch", json={"action": "approve", "ids": [request["id"]]}
    )
    assert response.status_code == 404
    await login(cme_client, zj.w.tenant, "surgery_admin")
    assert record["id"] in await inbox_ids(cme_client)
    assert (await decide(cme_client, record["id"], "approve")).json()["status"] == "in_review"


async def test_deleting_a_record_under_review_withdraws_its_request(cme_client, zj, login):
    await open_grant(zj.w)
    record = await submitted(cme_client, login, zj, guided("zj-05", days=1))
    assert (await cme_client.delete(f"{API}/credits/{record['id']}")).status_code == 409
    await login(cme_client, zj.w.tenant, "institution")
    assert (await cme_client.delete(f"{API}/credits/{record['id']}")).status_code == 204
    assert (await cme_client.get(f"{API}/credits/{record['id']}")).status_code == 404
    with scope(zj.w.tenant):
        request = await ApprovalRequest.select().where(ApprovalRequest.subject_id == record["id"]).first()
        assert request is not None
        last = (
            await ApprovalAction.select()
            .where(ApprovalAction.request == request["id"])
            .order_by(ApprovalAction.id, ascending=False)
            .first()
        )
    assert last is not None
    assert request["status"] == "withdrawn" and last["action"] == "withdraw"
    await login(cme_client, zj.w.tenant, "department")
    assert record["id"] not in await inbox_ids(cme_client)
    assert len(await actions(zj.w, "credits.record.delete")) == 1
