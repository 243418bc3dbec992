"""The credit forms of several people (seed 002 §9: choose a department, move people into 已选人员, 导出PDF)
and documents made in the background (导出文件): a few people print at once, more in a job whose PDF is
kept for a week behind expiring links, readable by the account that asked for it only."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api_kit import ok, refused
from attendance_kit import Venue
from cme_admin_ui.pages import credit_forms
from cme_platform.audit.tables import AuditEvent
from cme_platform.documents import service
from cme_platform.documents.tables import DocumentExport
from cme_platform.files.tables import StoredFile
from cme_platform.jobs import queue
from cme_platform.personnel.tables import Person
from cme_platform.settings import get_settings
from cme_platform.tenancy.scope import scope
from pdf_kit import pdf_fonts, pdf_text, qr_texts
from test_certificates import granted as granted  # the fixtures, shared
from test_certificates import held as held

API = "/t/alpha/api"
PAGE = "/t/alpha/compliance/forms"


async def _year(client: Any, venue: Venue, login: Any) -> int:
    await login(client, venue.world.tenant, "learner")
    [certificate] = ok(await client.get(f"{API}/certificates"))
    return int(certificate["facts"]["ends_on"][:4])


def _text(response: Any) -> str:
    """A page's text without its tags."""
    return re.sub(r"<[^>]+>", "", response.text)


async def _finished(client: Any, export_id: int) -> dict[str, Any]:
    for _ in range(200):
        body = ok(await client.get(f"{API}/documents/{export_id}"))
        if body["status"] not in ("queued", "running"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError("the document was not made")


@pytest.mark.db
async def test_a_department_admin_selects_two_people_and_prints_their_years(cme_client, login, granted):
    year = await _year(cme_client, granted, login)
    first, second = granted.people["learner"], granted.people["learner2"]
    await login(cme_client, granted.world.tenant, "department")  # 科室账户 of their department
    page = await cme_client.get(f"{PAGE}?form=years")
    assert page.status_code == 200 and "待选人员" in page.text and "已选人员（0）" in _text(page)
    assert f'name="pick" value="{first}"' in page.text
    added = await cme_client.post(
        PAGE, data={"form": "years", "action": "add", "pick": [str(first), str(second)], "years": [str(year)]}
    )
    assert added.status_code == 200 and "已选人员（2）" in _text(added)
    assert f'name="pick" value="{first}"' not in added.text  # moved out of 待选人员
    removed = await cme_client.post(
        PAGE,
        data={
            "form": "years",
            "action": "remove",
            "selected": [str(first), str(second)],
            "drop": [str(second)],
        },
    )
    assert "已选人员（1）" in _text(removed)
    nothing = await cme_client.post(PAGE, data={"form": "years", "action": "export", "years": [str(year)]})
    assert nothing.status_code == 400 and "请先把要打印的人员加入已选人员" in nothing.text
    no_year = await cme_client.post(
        PAGE, data={"form": "years", "action": "export", "selected": [str(first)]}
    )
    assert no_year.status_code == 400
    exported = await cme_client.post(
        PAGE,
        data={
            "form": "years",
            "action": "export",
            "selected": [str(first), str(second)],
            "years": [str(year), str(year - 1)],
        },
    )
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/pdf"
    assert all(font[-5] == "yes" for font in pdf_fonts(exported.content))
    text = pdf_text(exported.content)
    assert text.count("多年度学分验证表") >= 2 and "学员er" in text and "学员r2" in text
    with scope(granted.world.tenant):
        printed = await AuditEvent.select(AuditEvent.object_id).where(
            AuditEvent.action == "compliance.forms.print"
        )
    assert sorted(r["object_id"] for r in printed) == sorted([str(first), str(second)])
    # a person beyond the admin's reach is refused, nor is anyone printed or audited for it
    beyond = await cme_client.post(
        PAGE,
        data={"form": "register", "action": "export", "selected": [str(first), "999999"], "year": str(year)},
    )
    assert beyond.status_code == 404 and "不在您管理范围内" in beyond.text
    register = await cme_client.post(
        PAGE, data={"form": "register", "action": "export", "selected": [str(first)], "year": str(year)}
    )
    assert register.status_code == 200 and "心血管新进展学习班" in pdf_text(register.content)


@pytest.mark.db
async def test_the_person_picker_finds_by_card_or_number_adds_all_and_keeps_to_its_reach(
    cme_client, login, granted
):
    first, second, third = (granted.people[n] for n in ("learner", "learner2", "learner3"))
    with scope(granted.world.tenant):
        await Person.update({Person.ic_card: "IC0042"}).where(Person.id == second)
        row = await Person.select(Person.person_number).where(Person.id == third).first()
    await login(cme_client, granted.world.tenant, "department")

    async def candidates(keyword: str) -> set[int]:
        page = await cme_client.post(PAGE, data={"form": "years", "action": "filter", "q": keyword})
        return {int(i) for i in re.findall(r'name="pick" value="(\d+)"', page.text)}

    assert await candidates("IC0042") == {second}
    assert await candidates(row["person_number"]) == {third}
    found = ok(await cme_client.get(f"{API}/personnel/people?q_field=number&q=IC0042"))["items"]
    assert [p["id"] for p in found] == [second]
    everyone = await cme_client.post(
        PAGE, data={"form": "years", "action": "add_all", "selected": [str(first), "999999"]}
    )
    shown = _text(everyone)
    assert "已选人员（3）" in shown and "999999" not in shown  # beyond reach: never shown as selected
    assert 'name="pick"' not in everyone.text  # every matching person was added
    cleared = await cme_client.post(
        PAGE, data={"form": "years", "action": "clear", "selected": [str(first), str(second)]}
    )
    assert "已选人员（0）" in _text(cleared)


@pytest.mark.db
async def test_many_people_are_printed_in_the_background_for_the_asker_only(
    cme_client, login, granted, monkeypatch
):
    year = await _year(cme_client, granted, login)
    people = [granted.people[name] for name in ("learner", "learner2", "learner3")]
    await login(cme_client, granted.world.tenant, "institution")
    monkeypatch.setattr(credit_forms, "INSTANT_PEOPLE", 2)
    started = await cme_client.post(
        PAGE,
        data={
            "form": "register",
            "action": "export",
            "selected": [str(p) for p in people],
            "year": str(year),
        },
        follow_redirects=False,
    )
    assert started.status_code == 303 and started.headers["location"].endswith("/documents")
    [export] = ok(await cme_client.get(f"{API}/documents"))["items"]
    assert export["title"] == f"学分登记表（3 人，{year}年度）" and export["total"] == 3
    done = await _finished(cme_client, export["id"])
    assert done["status"] == "done" and done["ready"] and done["done"] == 3, done
    listing = await cme_client.get("/t/alpha/documents")
    assert listing.status_code == 200 and "学分登记表（3 人" in listing.text and "下载" in listing.text
    download = await cme_client.post(f"/t/alpha/documents/{export['id']}/download", follow_redirects=False)
    assert download.status_code == 303 and "/files/" in download.headers["location"]
    pdf = await cme_client.get(download.headers["location"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf_text(pdf.content).count("学分登记表") >= 3
    refused(await cme_client.post(f"{API}/documents/{export['id']}/cancel"), 409)
    # the API starts the same job; beyond reach is refused before anything is queued
    body = {"form": "years", "person_ids": people[:2], "years": [year, year - 1]}
    queued = ok(await cme_client.post(f"{API}/compliance/forms", json=body), 202)
    assert (await _finished(cme_client, queued["id"]))["status"] == "done"
    refused(await cme_client.post(f"{API}/compliance/forms", json={**body, "person_ids": [999_999]}), 404)
    refused(await cme_client.post(f"{API}/compliance/forms", json={**body, "form": "register"}), 400)
    refused(await cme_client.post(f"{API}/compliance/forms", json={**body, "years": [1800]}), 400)
    # nobody else reads it: another administrator, a learner
    await login(cme_client, granted.world.tenant, "commission")
    refused(await cme_client.get(f"{API}/documents/{export['id']}"), 404)
    refused(await cme_client.post(f"{API}/documents/{export['id']}/link"), 404)
    assert ok(await cme_client.get(f"{API}/documents"))["items"] == []
    await login(cme_client, granted.world.tenant, "learner")
    refused(await cme_client.post(f"{API}/compliance/forms", json=body), 403)


@pytest.mark.db
async def test_an_expired_document_is_removed_and_says_so(cme_client, login, granted):
    year = await _year(cme_client, granted, login)
    await login(cme_client, granted.world.tenant, "institution")
    body = {"form": "register", "person_ids": [granted.people["learner"]], "years": [year]}
    export = ok(await cme_client.post(f"{API}/compliance/forms", json=body), 202)
    await _finished(cme_client, export["id"])
    link = ok(await cme_client.post(f"{API}/documents/{export['id']}/link"))
    assert (await cme_client.get(link["download_url"])).status_code == 200
    with scope(granted.world.tenant):
        row = await DocumentExport.select().where(DocumentExport.id == export["id"]).first()
        assert await StoredFile.exists().where(StoredFile.id == row["file"])
        await DocumentExport.update(
            {DocumentExport.expires_at: datetime.now(UTC) - timedelta(minutes=1)}
        ).where(DocumentExport.id == export["id"])
        assert await service.purge_tenant(get_settings(), datetime.now(UTC)) == 1
        assert not await StoredFile.exists().where(StoredFile.id == row["file"])
    expired = ok(await cme_client.get(f"{API}/documents/{export['id']}"))
    assert expired["status"] == "expired" and not expired["ready"]
    refused(await cme_client.post(f"{API}/documents/{export['id']}/link"), 409, "文件已过期，请重新生成")
    assert (await cme_client.get(link["download_url"])).status_code == 404  # the earlier link finds nothing


@pytest.mark.db
async def test_the_owner_prints_every_certificate_of_the_run_as_one_pdf(cme_client, login, granted):
    await login(cme_client, granted.world.tenant, "learner")
    [mine] = ok(await cme_client.get(f"{API}/certificates"))
    run = granted.run_id
    await login(cme_client, granted.world.tenant, "owner")
    page = await cme_client.get(f"/t/alpha/projects/runs/{run}/attendance")
    assert page.status_code == 200 and "批量打印证书" in page.text
    started = await cme_client.post(f"/t/alpha/projects/runs/{run}/certificates/pdf", follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].endswith("/documents")
    [export] = ok(await cme_client.get(f"{API}/documents"))["items"]
    assert export["title"].startswith("学分证书：心血管新进展学习班") and export["total"] == 1
    done = await _finished(cme_client, export["id"])
    assert done["status"] == "done" and done["message"] == "已生成：1 张证书", done
    link = ok(await cme_client.post(f"{API}/documents/{export['id']}/link"))
    pdf = (await cme_client.get(link["download_url"])).content
    assert all(font[-5] == "yes" for font in pdf_fonts(pdf)) and mine["number"] in pdf_text(pdf)
    assert qr_texts(pdf) == [f"http://testserver.local/t/alpha{mine['verify_path']}"]
    # the API does the same; an on-site manager, a learner and another tenant's ids are refused
    ok(await cme_client.post(f"{API}/project-runs/{run}/certificates/pdf"), 202)
    refused(await cme_client.post(f"{API}/project-runs/999999/certificates/pdf"), 404)
    await login(cme_client, granted.world.tenant, "learner")
    refused(await cme_client.post(f"{API}/project-runs/{run}/certificates/pdf"), 403)
    with scope(granted.world.tenant):
        assert await AuditEvent.count().where(AuditEvent.action == "certificates.print_run") == 2


@pytest.mark.db
async def test_a_run_without_certificates_has_nothing_to_print(cme_client, login, held):
    await login(cme_client, held.world.tenant, "owner")
    page = await cme_client.get(f"/t/alpha/projects/runs/{held.run_id}/attendance")
    assert page.status_code == 200 and "批量打印证书" not in page.text
    refused(await cme_client.post(f"{API}/project-runs/{held.run_id}/certificates/pdf"), 409)


@pytest.mark.db
async def test_a_document_whose_job_cannot_be_queued_fails_at_once(cme_client, login, granted, monkeypatch):
    year = await _year(cme_client, granted, login)
    await login(cme_client, granted.world.tenant, "institution")

    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("the queue's database is gone")

    monkeypatch.setattr(queue, "enqueue", refuse)
    body = {"form": "years", "person_ids": [granted.people["learner"]], "years": [year]}
    answer = await cme_client.post(f"{API}/compliance/forms", json=body)
    assert answer.status_code == 503 and "后台任务队列暂时不可用" in answer.text
    [export] = ok(await cme_client.get(f"{API}/documents"))["items"]
    assert export["status"] == "failed" and "未能进入后台任务队列" in export["message"]  # not 排队中 for ever
