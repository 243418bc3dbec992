"""The credit API around entry and review: options, list totals by category, status filters, the Excel
export, the self-entry grants and who may read a credit's evidence."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
from cme_platform import clock
from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.credits.evidence import may_read_evidence
from cme_platform.credits.export import HEADERS, TOTAL_LABEL
from cme_platform.credits.policy import OTHER_CATEGORY
from cme_platform.credits.tables import CreditRecord, SelfEntryGrant
from cme_platform.demo import DEMO_LEARNER_ID, load_demo
from cme_platform.files.tables import StoredFile
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.notifications.tables import Notification
from cme_platform.orgs.tables import Institution
from cme_platform.personnel.tables import Person
from cme_platform.pii import lookup_hash
from cme_platform.tenancy.scope import scope
from test_credits_entry import API, actions, approve_all, create, free, guided, open_grant, standard, upload
from test_credits_entry import zj as zj  # the fixture, shared


async def test_options_name_the_provinces_categories_forms_and_disciplines(cme_app, cme_client, zj, login):
    await open_grant(zj.w)
    await login(cme_client, zj.w.tenant, "learner")
    options = (await cme_client.get(f"{API}/credits/options")).json()
    rule = standard(cme_app, zj.w, "zj-12")
    names = [c["name"] for c in options["categories"]]
    assert rule.category in names and len(names) == 2
    category = next(c for c in options["categories"] if c["name"] == rule.category)
    assert rule.subcategory in category["subcategories"]
    assert options["may_enter"] and options["guided"] and options["free"]
    assert "单位、科室组织的活动" in options["forms"]
    assert len(options["disciplines"]) >= 20 and "生理学" in options["disciplines"]["基础医学"]
    assert "组织胚胎学" in options["disciplines"]["基础医学"]
    assert "公共卫生与预防医学其它学科" in options["disciplines"]["公共卫生与预防医学"]
    assert (await cme_client.get(f"{API}/approvals/inbox")).status_code == 403
    assert (await cme_client.get(f"{API}/credits/self-entry-grants")).status_code == 403


async def test_list_totals_by_category_and_status_filters(cme_app, cme_client, zj, login):
    await open_grant(zj.w)
    one = standard(cme_app, zj.w, "zj-01")
    two = standard(cme_app, zj.w, "zj-05")
    assert one.category != two.category
    await login(cme_client, zj.w.tenant, "learner")
    await create(cme_client, guided("zj-01", hours="9"))  # 3 credits, class one
    await create(cme_client, guided("zj-05", days=4))  # 4 credits, class two
    await create(cme_client, free(two.category, two.subcategory, credits="1.25", hours="2"))
    await create(cme_client, free(one.category, one.subcategory, credits="0.5", hours="1"))
    approved = await create(
        cme_client, {**guided("zj-05", [await upload(zj.w, "learner")], days=2), "submit": True}
    )
    await approve_all(cme_client, login, zj.w, approved["id"], "department", "institution")

    await login(cme_client, zj.w.tenant, "learner")
    page = (await cme_client.get(f"{API}/credits", params={"page_size": 2})).json()
    assert page["total"] == 5 and len(page["items"]) == 2
    totals = page["totals"]  # the headline counts what is in effect, as compliance does: nothing yet
    assert [c["category"] for c in totals["by_category"]] == [one.category, two.category, OTHER_CATEGORY]
    assert (totals["records"], totals["credits"], totals["credits_text"], totals["hours"]) == (5, 0, "0", 0)
    states = {s["state"]: (s["records"], s["credits"], s["label"]) for s in totals["by_state"]}
    assert states == {"pending": (1, 200, "待生效"), "unsubmitted": (4, 875, "未上报")}
    with clock.frozen_today(clock.today() + timedelta(days=1)):
        later = (await cme_client.get(f"{API}/credits")).json()["totals"]
    by = {c["category"]: c["credits"] for c in later["by_category"]}
    assert (later["credits"], later["credits_text"]) == (200, "2") and by == {
        one.category: 0,
        two.category: 200,
        OTHER_CATEGORY: 0,
    }
    assert [s["state"] for s in later["by_state"]] == ["effective", "unsubmitted"]

    filtered = (await cme_client.get(f"{API}/credits", params={"category": two.category})).json()
    states = {s["state"]: (s["records"], s["credits"]) for s in filtered["totals"]["by_state"]}
    assert filtered["total"] == 3 and states == {"pending": (1, 200), "unsubmitted": (2, 525)}
    pending = (await cme_client.get(f"{API}/credits", params={"status": "approved"})).json()
    assert [i["id"] for i in pending["items"]] == [approved["id"]]
    assert (await cme_client.get(f"{API}/credits", params={"status": "effective"})).json()["total"] == 0
    with clock.frozen_today(clock.today() + timedelta(days=1)):
        effective = (await cme_client.get(f"{API}/credits", params={"status": "effective"})).json()
        assert [i["id"] for i in effective["items"]] == [approved["id"]]
    drafts = (await cme_client.get(f"{API}/credits", params={"status": "draft"})).json()
    assert drafts["total"] == 4

    await login(cme_client, zj.w.tenant, "surgeon")
    assert (await cme_client.get(f"{API}/credits")).json()["total"] == 0
    await login(cme_client, zj.w.tenant, "department")
    mine = (await cme_client.get(f"{API}/credits", params={"q": "浙学"})).json()
    assert mine["total"] == 5
    await login(cme_client, zj.w.tenant, "surgery_admin")
    assert (await cme_client.get(f"{API}/credits")).json()["total"] == 0


async def test_export_holds_the_headers_rows_and_totals(cme_app, cme_client, zj, login):
    await open_grant(zj.w)
    one = standard(cme_app, zj.w, "zj-01")
    await login(cme_client, zj.w.tenant, "learner")
    await create(cme_client, guided("zj-01", hours="9"))
    await create(cme_client, free(one.category, one.subcategory, credits="1.5", hours="4.5"))
    response = await cme_client.get(f"{API}/credits/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert tuple(rows[0]) == HEADERS
    data = [r for r in rows[1:] if r and r[0]]
    records = [r for r in data if r[0] not in (TOTAL_LABEL, "未上报（2条）")]
    assert {r[2] for r in records} == {"向导录入zj-01", "科室业务学习"}
    total = next(r for r in rows if r and r[0] == TOTAL_LABEL)
    assert total[1] == 0 and total[2] == "总学时" and total[3] == 0  # drafts are not in effect
    assert total[4] == one.category and total[5] == 0
    states = next(r for r in rows if r and r[0] == "未上报（2条）")
    assert states[1] == 4.5
    assert len(await actions(zj.w, "credits.export")) == 1


async def test_self_entry_grants_are_opened_once_within_reach_and_audited(cme_client, zj, login):
    body = {"institution_id": zj.w.institution_id, "department_id": zj.w.department_id}
    await login(cme_client, zj.w.tenant, "department")
    response = await cme_client.post(f"{API}/credits/self-entry-grants", json=body)
    assert response.status_code == 403 and "开通" in response.json()["message"]
    await login(cme_client, zj.w.tenant, "institution")
    first = await cme_client.post(f"{API}/credits/self-entry-grants", json=body)
    assert first.status_code == 201, first.text
    again = await cme_client.post(f"{API}/credits/self-entry-grants", json=body)
    assert again.json()["id"] == first.json()["id"] and again.json()["department_name"] == "内科"
    other = {"institution_id": zj.w.other_institution_id}
    assert (await cme_client.post(f"{API}/credits/self-entry-grants", json=other)).status_code == 403
    wrong = {"institution_id": zj.w.institution_id, "department_id": zj.w.other_department_id}
    response = await cme_client.post(f"{API}/credits/self-entry-grants", json=wrong)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "department_id"
    listed = (await cme_client.get(f"{API}/credits/self-entry-grants")).json()
    assert [g["id"] for g in listed] == [first.json()["id"]]
    await login(cme_client, zj.w.tenant, "learner")
    assert (await cme_client.get(f"{API}/credits/options")).json()["may_enter"] is True
    await login(cme_client, zj.w.tenant, "region")
    assert (await cme_client.get(f"{API}/credits/self-entry-grants")).json()[0]["id"] == first.json()["id"]
    assert (
        await cme_client.delete(f"{API}/credits/self-entry-grants/{first.json()['id']}")
    ).status_code == 204
    assert (
        await cme_client.delete(f"{API}/credits/self-entry-grants/{first.json()['id']}")
    ).status_code == 404
    with scope(zj.w.tenant):
        assert await SelfEntryGrant.count() == 0
    assert len(await actions(zj.w, "credits.grant.open")) == 1
    assert len(await actions(zj.w, "credits.grant.close")) == 1


async def test_evidence_is_readable_by_the_records_people_and_approvers_only(cme_client, zj, login):
    await open_grant(zj.w)
    file_id = await upload(zj.w, "learner")
    await login(cme_client, zj.w.tenant, "learner")
    await create(cme_client, {**guided("zj-05", [file_id], days=1), "submit": True})
    with scope(zj.w.tenant):
        file = await StoredFile.objects().where(StoredFile.id == file_id).first()
        allowed = {}
        for who in ("department", "institution", "region", "surgery_admin", "surgeon"):
            principal = await load_principal_by_id(zj.w.accounts[who])
            assert principal is not None and file is not None
            allowed[who] = await may_read_evidence(principal, file)
    assert allowed == {
        "department": True,
        "institution": True,
        "region": True,
        "surgery_admin": False,
        "surgeon": False,
    }


async def test_zhejiang_demo_opens_self_entry_and_gives_the_demo_learner_a_year_of_credits(
    cme_app, tenant_factory
):
    pm = cme_app.state.plugin_manager
    tenant = await tenant_factory(slug="zjdemo", plugin="zhejiang", name="浙江演示")
    await load_demo(pm, tenant)
    await load_demo(pm, tenant)
    with scope(tenant):
        institutions = await Institution.count()
        grants = await SelfEntryGrant.select().where(SelfEntryGrant.department.is_null())
        assert institutions > 0 and len(grants) == institutions
        person = await Person.select(Person.id).where(Person.id_hash == lookup_hash(DEMO_LEARNER_ID)).first()
        assert person is not None
        everything = await CreditRecord.select().where(CreditRecord.person == person["id"])
        requests = await ApprovalRequest.select().where(
            (ApprovalRequest.status == "pending") & (ApprovalRequest.subject_type == "credit")
        )
    granted = [r for r in everything if r["source"] == "project"]  # the demo's project run ten days ago
    assert len(granted) == 1 and granted[0]["status"] == "approved"
    rows = [r for r in everything if r["source"] != "project"]
    today = clock.today()
    effective = [r for r in rows if r["status"] == "approved" and r["effective_on"] <= today]
    assert len(effective) == 3 and all(r["year"] == today.year for r in rows)
    assert sorted(r["status"] for r in rows if r not in effective) == ["draft", "returned", "submitted"]
    returned = next(r for r in rows if r["status"] == "returned")
    assert returned["review_comment"] == "证明照片不清晰，请重新拍摄后上传" and returned["discipline"]
    assert len(requests) == 1 and requests[0]["waiting_role"] == "department_admin"
    with scope(tenant):  # the learner was told, once (the second load changed nothing)
        told = await Notification.select(Notification.kind, Notification.path).where(
            Notification.kind.like("credits.%")
        )
    assert told == [{"kind": "credits.returned", "path": f"/credits/{returned['id']}"}]

    beijing = await tenant_factory(slug="bjdemo", plugin="beijing", name="北京演示")
    await load_demo(pm, beijing)
    with scope(beijing):
        assert await CreditRecord.count().where(CreditRecord.source == "personal") == 0  # only granted ones
        assert await CreditRecord.count().where(CreditRecord.source == "standard") == 3  # 按标准授分
        assert await SelfEntryGrant.count() == 0
