"""The credit pages: entry (guided and free, with evidence), the list, the detail, approvals and grants."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.credits.tables import CreditEvidence, CreditRecord, SelfEntryGrant
from cme_platform.files.tables import StoredFile
from cme_platform.identity.csrf import CSRF_HEADER
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.identity.tables import Account
from cme_platform.personnel import service as personnel
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.schemas import PersonIn
from cme_platform.tenancy.scope import scope
from PIL import Image
from test_personnel_api import resident_id

ZJ = "/t/beta"
LEARNER_ID = resident_id("19880506", "135")
DISCIPLINE, SUBDISCIPLINE = "基础医学", "生理学"
SCI_PAPER = "zj-12"
"""Zhejiang's 发表学术论文-SCI收录期刊: first author 25 credits (one input: 作者排名)."""


def png_bytes() -> bytes:
    """A small real PNG image."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def guided_form(**extra: str) -> dict[str, str]:
    values = {
        "activity_name": "心肌保护机制研究",
        "activity_number": "SCI-2026-01",
        "activity_date": "2026-03-02",
        "form": "个人活动",
        "discipline": DISCIPLINE,
        "subdiscipline": SUBDISCIPLINE,
        "issuer": "中华医学杂志社",
        "author_rank": "1",
        "note": "",
        "action": "save",
    }
    return {**values, **extra}


async def add_learner(world: Any) -> int:
    """A person in the world's first department, with a learner account that may sign in at once."""
    with scope(world.tenant):
        admin = await load_principal_by_id(world.accounts["institution"])
        assert admin is not None
        person = await personnel.create_person(
            PersonAccess.of(admin),
            PersonIn(
                institution_id=world.institution_id,
                department_id=world.department_id,
                id_number=LEARNER_ID,
                name="钱学员",
                phone="13900001111",
                establishment="在编",
                status="正常",
                title="主治医师",
                specialty="心血管内科",
            ),
        )
        row = await Account.select(Account.id).where(Account.username == person.person_number).first()
        assert row is not None
        await Account.update({Account.must_change_password: False}).where(Account.id == row["id"])
    return person.id


async def open_grant(client: Any, world: Any, login: Any) -> None:
    await login(client, world.tenant, "institution")
    page = await client.get(f"{ZJ}/credits/grants")
    assert page.status_code == 200 and "开通录入权限" in page.text
    opened = await client.post(
        f"{ZJ}/credits/grants", data={"institution_id": str(world.institution_id)}, follow_redirects=False
    )
    assert opened.status_code == 303, opened.text[-2000:]
    listing = await client.get(f"{ZJ}/credits/grants")
    assert "整个单位" in listing.text and "B医院1" in listing.text


async def post_entry(
    client: Any, path: str, values: dict[str, str], *, file: bool = True, kept: tuple[int, ...] = ()
) -> Any:
    data: dict[str, Any] = dict(values)
    if kept:
        data["evidence_ids"] = [str(i) for i in kept]
    files = (
        {"file": ("学分证书.png", png_bytes(), "image/png")}
        if file
        else {"file": ("", b"", "application/octet-stream")}
    )
    return await client.post(f"{ZJ}{path}", data=data, files=files, follow_redirects=False)


def record_id_of(response: Any) -> int:
    assert response.status_code == 303, response.text[-3000:]
    match = re.search(r"/credits/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


@pytest.fixture
async def zj(other_world: Any, cme_client: Any, login: Any) -> Any:
    """Zhejiang tenant ``beta``: the learner person and the self-entry right of the first institution."""
    await add_learner(other_world)
    await open_grant(cme_client, other_world, login)
    await login(cme_client, other_world.tenant, LEARNER_ID, LEARNER_ID[-6:])
    return other_world


async def test_learner_without_the_right_sees_why(other_world, cme_client, login):
    await add_learner(other_world)
    await login(cme_client, other_world.tenant, LEARNER_ID, LEARNER_ID[-6:])
    refused = await cme_client.get(f"{ZJ}/credits/new/guided")
    assert (
        refused.status_code == 403 and "开通" in refused.text and 'name="activity_name"' not in refused.text
    )
    assert (await cme_client.get(f"{ZJ}/credits/new/free")).status_code == 403
    listing = await cme_client.get(f"{ZJ}/credits")
    assert listing.status_code == 200 and "没有符合条件的学分记录" in listing.text
    for path in ("/approvals", "/credits/grants"):
        assert (await cme_client.get(f"{ZJ}{path}")).status_code == 403, path


async def test_guided_entry_with_evidence_then_submit(zj, cme_client):
    table = await cme_client.get(f"{ZJ}/credits/new/guided")
    assert table.status_code == 200 and "学分录入" in table.text
    assert f"/credits/new/guided/{SCI_PAPER}?year=" in table.text and "SCI收录期刊" in table.text
    form = await cme_client.get(f"{ZJ}/credits/new/guided/{SCI_PAPER}")
    assert form.status_code == 200 and 'name="author_rank"' in form.text and "第一作者" in form.text
    assert 'enctype="multipart/form-data"' in form.text and "保存并上报" in form.text

    record_id = record_id_of(await post_entry(cme_client, f"/credits/new/guided/{SCI_PAPER}", guided_form()))
    saved = await cme_client.get(f"{ZJ}/credits/{record_id}/edit?saved=1")
    assert saved.status_code == 200 and "已保存：本条学分 25" in saved.text
    with scope(zj.tenant):
        row = await CreditRecord.select().where(CreditRecord.id == record_id).first()
        assert row is not None
        assert (row["credits"], row["status"], row["entry_mode"]) == (2500, "draft", "guided")
        evidence = await CreditEvidence.select(CreditEvidence.file).where(CreditEvidence.record == record_id)
    assert len(evidence) == 1
    file_id = evidence[0]["file"]
    assert f'name="evidence_ids" value="{file_id}" checked' in saved.text

    submitted = await post_entry(
        cme_client, f"/credits/{record_id}/edit", guided_form(action="submit"), file=False, kept=(file_id,)
    )
    assert submitted.status_code == 303 and submitted.headers["location"].endswith(
        f"/credits/{record_id}?submitted=1"
    )
    detail = await cme_client.get(f"{ZJ}/credits/{record_id}")
    assert detail.status_code == 200 and "待审核" in detail.text and "审核进度" in detail.text
    assert f"/files/{file_id}/download" in detail.text and 'aria-current="step"' in detail.text
    listing = await cme_client.get(f"{ZJ}/credits")
    assert "心肌保护机制研究" in listing.text and "总学分" in listing.text and "25" in listing.text
    export = await cme_client.get(f"{ZJ}/credits/export.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


async def test_bad_form_keeps_the_uploaded_evidence(zj, cme_client):
    with scope(zj.tenant):
        files_before = await StoredFile.count()
    token = cme_client.headers.pop(CSRF_HEADER)
    forged = await post_entry(cme_client, f"/credits/new/guided/{SCI_PAPER}", guided_form())
    assert forged.status_code == 403
    cme_client.headers[CSRF_HEADER] = token
    with scope(zj.tenant):
        assert await StoredFile.count() == files_before and await CreditRecord.count() == 0
    bad = await post_entry(cme_client, f"/credits/new/guided/{SCI_PAPER}", guided_form(discipline=""))
    assert bad.status_code == 400 and "请选择二级学科" in bad.text and "field-error" in bad.text
    match = re.search(r'<input type="hidden" name="evidence_ids" value="(\d+)">', bad.text)
    assert match and '已上传：<span translate="no">学分证书.png</span>' in bad.text
    kept = int(match.group(1))
    future = await post_entry(  # the same scan chosen again: kept once, not stored twice
        cme_client,
        f"/credits/new/guided/{SCI_PAPER}",
        guided_form(activity_date="2099-01-01"),
        file=True,
        kept=(kept,),
    )
    assert future.status_code == 400 and "活动日期不能晚于今天" in future.text
    assert (
        f'name="evidence_ids" value="{kept}"' in future.text and future.text.count('name="evidence_ids"') == 1
    )
    with scope(zj.tenant):
        assert await CreditRecord.count() == 0
        assert await StoredFile.count() == files_before + 1

    record_id = record_id_of(
        await post_entry(
            cme_client, f"/credits/new/guided/{SCI_PAPER}", guided_form(), file=False, kept=(kept,)
        )
    )
    with scope(zj.tenant):
        assert await StoredFile.count() == files_before + 1
        linked = await CreditEvidence.select(CreditEvidence.file).where(CreditEvidence.record == record_id)
    assert [r["file"] for r in linked] == [kept]


async def test_free_entry_by_an_admin_with_the_person_picker(zj, cme_client, login):
    await login(cme_client, zj.tenant, "institution")
    page = await cme_client.get(f"{ZJ}/credits/new/free")
    assert page.status_code == 200 and 'name="person"' in page.text and 'name="level"' in page.text
    level = re.search(r'<option value="([^"]+::[^"]*)"', page.text)
    assert level
    values = {
        "activity_name": "院内病例讨论",
        "activity_date": "2026-02-10",
        "level": level.group(1).replace("&amp;", "&"),
        "discipline": DISCIPLINE,
        "credits": "2.5",
        "hours": "3",
        "issuer": "B医院1",
        "action": "save",
    }
    unknown = await post_entry(cme_client, "/credits/new/free", {**values, "person": "999999"})
    assert unknown.status_code == 400 and "未找到该人员" in unknown.text
    with scope(zj.tenant):
        assert await CreditRecord.count() == 0
    record_id = record_id_of(
        await post_entry(cme_client, "/credits/new/free", {**values, "person": LEARNER_ID})
    )
    with scope(zj.tenant):
        row = (
            await CreditRecord.select(CreditRecord.credits, CreditRecord.hours, CreditRecord.entry_mode)
            .where(CreditRecord.id == record_id)
            .first()
        )
    assert row == {"credits": 250, "hours": 300, "entry_mode": "free"}
    listing = await cme_client.get(f"{ZJ}/credits", params={"q": "钱学员"})
    assert listing.status_code == 200 and "院内病例讨论" in listing.text and "钱学员" in listing.text
    assert (await cme_client.get(f"{ZJ}/credits/{record_id}/correct")).status_code == 403
    await login(cme_client, zj.tenant, "commission")
    assert (await cme_client.get(f"{ZJ}/credits/grants")).status_code == 200
    await login(cme_client, zj.tenant, "department")
    assert (await cme_client.get(f"{ZJ}/credits/grants")).status_code == 403
    assert (await cme_client.get(f"{ZJ}/approvals")).status_code == 200


async def test_batch_approval_reports_the_skipped_item(zj, cme_client, login):
    ids = [
        record_id_of(
            await post_entry(
                cme_client,
                f"/credits/new/guided/{SCI_PAPER}",
                guided_form(activity_name=name, author_rank=rank, action="submit"),
            )
        )
        for name, rank in (("论文甲", "1"), ("论文乙", "2"))
    ]
    with scope(zj.tenant):
        requests = {
            r["subject_id"]: r["id"]
            for r in await ApprovalRequest.select(ApprovalRequest.id, ApprovalRequest.subject_id)
        }
    first, second = requests[ids[0]], requests[ids[1]]

    await login(cme_client, zj.tenant, "department")
    inbox = await cme_client.get(f"{ZJ}/approvals")
    assert inbox.status_code == 200 and "论文甲" in inbox.text and "论文乙" in inbox.text
    refused = await cme_client.post(
        f"{ZJ}/approvals/{first}/decision", data={"action": "return", "comment": ""}, follow_redirects=False
    )
    assert refused.status_code == 400 and "alert" in refused.text
    one = await cme_client.post(
        f"{ZJ}/approvals/{first}/decision", data={"action": "approve"}, follow_redirects=False
    )
    assert one.status_code == 303
    batch = await cme_client.post(
        f"{ZJ}/approvals/batch", data={"action": "approve", "ids": [str(first), str(second)], "comment": ""}
    )
    assert batch.status_code == 200 and "已处理 1 条，跳过 1 条" in batch.text and "未处理：" in batch.text
    assert "论文甲（" in batch.text, "the skipped item is named by its title, with the reason"
    with scope(zj.tenant):
        statuses = {
            r["id"]: r["status"] for r in await CreditRecord.select(CreditRecord.id, CreditRecord.status)
        }
        assert await SelfEntryGrant.count() == 1
    assert statuses == {ids[0]: "in_review", ids[1]: "in_review"}

    await login(cme_client, zj.tenant, "institution")
    inbox = await cme_client.get(f"{ZJ}/approvals")
    assert "论文甲" in inbox.text and "论文乙" in inbox.text
    for request_id in (first, second):
        done = await cme_client.post(
            f"{ZJ}/approvals/{request_id}/decision", data={"action": "approve"}, follow_redirects=False
        )
        assert done.status_code == 303

    await login(cme_client, zj.tenant, "commission")
    detail = await cme_client.get(f"{ZJ}/credits/{ids[0]}")
    assert (
        detail.status_code == 200
        and "审核通过（" in detail.text
        and f"/credits/{ids[0]}/correct" in detail.text
    )
    form = await cme_client.get(f"{ZJ}/credits/{ids[0]}/correct")
    assert form.status_code == 200 and "更正原因" in form.text
    values = {"activity_name": "论文甲", "credits": "20", "hours": "0", "reason": ""}
    no_reason = await cme_client.post(f"{ZJ}/credits/{ids[0]}/correct", data=values, follow_redirects=False)
    assert no_reason.status_code == 400 and "请填写更正原因" in no_reason.text
    corrected = await cme_client.post(
        f"{ZJ}/credits/{ids[0]}/correct",
        data={**values, "reason": "作者排名核实有误"},
        follow_redirects=False,
    )
    assert corrected.status_code == 303, corrected.text[-2000:]
    with scope(zj.tenant):
        row = (
            await CreditRecord.select(CreditRecord.credits, CreditRecord.correction_reason)
            .where(CreditRecord.id == ids[0])
            .first()
        )
    assert row == {"credits": 2000, "correction_reason": "作者排名核实有误"}

    grants = await cme_client.get(f"{ZJ}/credits/grants")
    with scope(zj.tenant):
        grant = await SelfEntryGrant.select(SelfEntryGrant.id).first()
    assert grant is not None
    grant_id = grant["id"]
    assert f"/credits/grants/{grant_id}/close" in grants.text
    closed = await cme_client.post(f"{ZJ}/credits/grants/{grant_id}/close", follow_redirects=False)
    assert closed.status_code == 303
    await login(cme_client, zj.tenant, LEARNER_ID, LEARNER_ID[-6:])
    assert (await cme_client.get(f"{ZJ}/credits/new/guided")).status_code == 403


async def test_batch_submit_says_what_was_sent_and_warns_of_what_was_not(zj, cme_client):
    sent = record_id_of(await post_entry(cme_client, f"/credits/new/guided/{SCI_PAPER}", guided_form()))
    already = record_id_of(
        await post_entry(cme_client, f"/credits/new/guided/{SCI_PAPER}", guided_form(action="submit"))
    )
    page = await cme_client.post(f"{ZJ}/credits/submit", data={"ids": [str(sent), str(already)]})
    assert page.status_code == 200
    assert '<p class="notice" role="status">已上报 1 条</p>' in page.text
    assert '<p class="warning" role="status">未上报 1 条：' in page.text
    again = await cme_client.post(f"{ZJ}/credits/submit", data={"ids": [str(sent)]})
    assert "已上报 0 条" not in again.text and '<p class="warning" role="status">未上报 1 条：' in again.text
