"""Electronic credit certificates: issued by the grant with a snapshot that later edits do not change,
numbers that are unique and say nothing of their neighbours, seals that verify with the public key alone,
revocation and correction on the verification page, and a PDF whose Chinese fonts are embedded and whose
QR code opens that page."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Any

import msgspec
import pytest
from api_kit import ok, refused
from attendance_kit import Venue, add_learner
from cme_platform.certificates import service
from cme_platform.certificates.seal import (
    FORGED,
    MALFORMED,
    UNKNOWN_KEY,
    SealedRecord,
    SealError,
    jwks,
    name_hash,
    seal,
    verify_with,
)
from cme_platform.certificates.tables import Certificate
from cme_platform.credits.tables import CreditRecord
from cme_platform.personnel.tables import Person
from cme_platform.plugins.manager import get_plugin_manager
from cme_platform.projects.tables import Project
from cme_platform.qr import qr_version
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.pytest_plugin import form_value
from cme_platform.testkit.world import build_world
from pdf_kit import pdf_fonts, qr_texts
from test_attendance_lists import held as held  # the fixture, shared

API = "/t/alpha/api"
SECRET = "certificate-test-secret"
RECORD = SealedRecord(
    issuer="zhejiang",
    key_id="k1",
    number="ZJ2026-4KQ8-M2XD-7P",
    name_hash=name_hash("王小明"),
    credits=1000,
    category="I类",
    issued_on=date(2026, 12, 4),
)


def test_a_seal_verifies_with_the_public_key_alone_and_any_change_is_refused():
    text = seal(SECRET, RECORD)
    keys = jwks(SECRET, "zhejiang")  # all a verifier without the server needs
    assert verify_with(text, keys) == RECORD and RECORD.matches_name("王小明")
    assert not RECORD.matches_name("王小敏")
    body, signature = text.split(".")
    assert seal(SECRET, RECORD) == text  # signing is deterministic (Ed25519)
    other = seal(SECRET, msgspec.structs.replace(RECORD, credits=9900))
    cases = {
        other.split(".")[0] + "." + signature: FORGED,  # the credits raised, the old signature kept
        body + "." + signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB"): FORGED,
        seal("another-secret", RECORD): FORGED,  # signed by someone else's key
        "x" * 30: MALFORMED,
        "": MALFORMED,
        text + "." + "x": MALFORMED,
        "a" * 500 + "." + "b": MALFORMED,
    }
    for altered, reason in cases.items():
        with pytest.raises(SealError) as refused_seal:
            verify_with(altered, keys)
        assert refused_seal.value.reason == reason, altered
    with pytest.raises(SealError) as unknown:
        verify_with(text, jwks(SECRET, "jiangsu"))
    assert unknown.value.reason == UNKNOWN_KEY
    # small enough to scan from paper, even behind a long address
    assert qr_version(f"https://cme-credits.health.zhejiang.gov.cn/t/zhejiang/v/{text}") <= 13


def test_numbers_follow_the_scheme_and_say_nothing_of_their_neighbours():
    numbers = [service.new_number("ZJ", 2026) for _ in range(5000)]
    assert len(set(numbers)) == 5000
    assert all(
        re.fullmatch(r"ZJ2026-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}", n)
        for n in numbers
    )
    assert len({n[:11] for n in numbers[:100]}) > 90  # consecutive numbers share no prefix beyond the year


async def grant(client: Any, login: Any, venue: Venue) -> None:
    """The owner submits the run's list, the institution selects everyone who qualifies, the commission
    approves: their credits are posted and their certificates issued."""
    await login(client, venue.world.tenant, "owner")
    submitted = ok(await client.post(f"{API}/project-runs/{venue.run_id}/attendee-list"))
    await login(client, venue.world.tenant, "institution")
    picked = [e["id"] for e in submitted["entries"] if e["qualifies"]]
    ok(await client.post(f"{API}/attendee-lists/{submitted['list_id']}/forward", json={"entry_ids": picked}))
    await login(client, venue.world.tenant, "commission")
    waiting = ok(await client.get(f"{API}/project-runs/{venue.run_id}/attendance"))
    ok(await client.post(f"{API}/approvals/{waiting['approval_id']}/decision", json={"action": "approve"}))


@pytest.fixture
async def granted(cme_client, login, held) -> Venue:
    await grant(cme_client, login, held)
    return held


@pytest.mark.db
async def test_the_grant_issues_one_certificate_whose_snapshot_later_edits_do_not_change(
    cme_client, login, granted, cme_app
):
    venue = granted
    await login(cme_client, venue.world.tenant, "learner")
    [mine] = ok(await cme_client.get(f"{API}/certificates"))
    facts = mine["facts"]
    assert mine["status"] == "valid" and mine["number"].startswith(f"BJ{date.today().year}-")
    assert facts["title"] == "北京市继续医学教育学分证书" and facts["issuer"] == "北京市继续医学教育委员会"
    assert facts["project_name"] == "心血管新进展学习班" and facts["credits"] == 500 and facts["hours"] == 600
    assert facts["category"] and facts["organiser"] and "*" in facts["id_masked"]
    with scope(venue.world.tenant):
        assert await Certificate.count() == 1  # learner2 left early, learner3 never checked out
        await Project.update({Project.name: "改名后的项目"}, force=True)
        await Person.update({Person.name: "改名"}).where(Person.id == venue.people["learner"])
        credit = await CreditRecord.select(CreditRecord.id).first()
        again = await service.issue_for_credits(get_plugin_manager(), SECRET, [credit["id"]])
    assert again == []  # a credit has one valid certificate
    assert ok(await cme_client.get(f"{API}/certificates/{mine['id']}"))["facts"] == facts
    seal_text = mine["verify_path"].removeprefix("/v/")
    verified = ok(await cme_client.get(f"/t/alpha/api/public/certificates/verify/{seal_text}"))
    assert (
        verified["status"] == "valid" and verified["facts"] == facts and verified["number"] == mine["number"]
    )
    # another learner sees none of it
    await login(cme_client, venue.world.tenant, "learner2")
    assert ok(await cme_client.get(f"{API}/certificates")) == []
    refused(await cme_client.get(f"{API}/certificates/{mine['id']}"), 404)


@pytest.mark.db
async def test_concurrent_issues_give_distinct_numbers_and_one_certificate_per_credit(
    world, account_factory, cme_app
):
    person_id = await add_learner(world, account_factory, "learner")
    with scope(world.tenant):
        ids = []
        for i in range(12):
            row = CreditRecord(
                person=person_id,
                institution=world.institution_id,
                year=2026,
                activity_date=date(2026, 5, 1),
                activity_name=f"学术讲座{i}",
                category="I类",
                credits=100,
                status="approved",
                idempotency_key=f"certificate-test:{i}",
            )
            await row.save()
            ids.append(int(row.id))
        pm = cme_app.state.plugin_manager
        results = await asyncio.gather(
            *(service.issue_for_credits(pm, SECRET, [credit]) for credit in ids), return_exceptions=True
        )
        assert all(isinstance(r, list) and len(r) == 1 for r in results), results
        rows = await Certificate.select(Certificate.number, Certificate.credit)
    assert len({r["number"] for r in rows}) == 12 and sorted(r["credit"] for r in rows) == sorted(ids)


@pytest.mark.db
async def test_a_revoked_certificate_says_so_and_a_corrected_one_points_to_its_replacement(
    cme_client, login, granted
):
    venue = granted
    await login(cme_client, venue.world.tenant, "learner")
    [first] = ok(await cme_client.get(f"{API}/certificates"))
    verify = f"/t/alpha/api/public/certificates/verify/{first['verify_path'].removeprefix('/v/')}"
    refused(
        await cme_client.post(f"{API}/certificates/{first['id']}/withdraw", json={"reason": "学员自行撤销"}),
        403,
    )
    await login(cme_client, venue.world.tenant, "commission")
    assert ok(await cme_client.get(f"{API}/certificates/numbers/{first['number']}"))["id"] == first["id"]
    refused(await cme_client.post(f"{API}/certificates/{first['id']}/withdraw", json={"reason": " "}), 400)
    corrected = ok(
        await cme_client.post(
            f"{API}/certificates/{first['id']}/withdraw", json={"reason": "学时登记有误", "replace": True}
        )
    )
    assert corrected["status"] == "replaced" and corrected["replaced_by_number"]
    old = ok(await cme_client.get(verify))
    assert old["status"] == "replaced" and corrected["replaced_by_number"] in old["message"]
    assert old["revoked_reason"] == "学时登记有误" and old["facts"] == first["facts"]
    new = ok(await cme_client.get(f"{API}/certificates/numbers/{corrected['replaced_by_number']}"))
    assert new["status"] == "valid"
    revoked = ok(
        await cme_client.post(f"{API}/certificates/{new['id']}/withdraw", json={"reason": "项目被取消"})
    )
    assert revoked["status"] == "revoked"
    again = ok(await cme_client.get(f"/t/alpha/api/public/certificates/verify/{new['verify_path'][3:]}"))
    assert again["status"] == "revoked" and "撤销" in again["message"]
    refused(
        await cme_client.post(f"{API}/certificates/{new['id']}/withdraw", json={"reason": "重复撤销"}), 409
    )
    await login(cme_client, venue.world.tenant, "learner")
    assert {c["status"] for c in ok(await cme_client.get(f"{API}/certificates"))} == {"replaced", "revoked"}


@pytest.mark.db
async def test_bad_seals_are_refused_and_another_issuers_are_never_looked_up(
    cme_client, granted, other_world
):
    keys = ok(await cme_client.get("/t/alpha/.well-known/jwks.json"))
    assert [k["kid"] for k in keys["keys"]] == ["alpha:k1"] and keys["keys"][0]["crv"] == "Ed25519"
    with scope(granted.world.tenant):
        stored = await Certificate.select(Certificate.seal).first()
    text = stored["seal"]
    assert verify_with(text, keys).issuer == "alpha"  # the published key alone verifies it
    body, signature = text.split(".")
    for bad, status in ((body + "." + signature[::-1], 400), ("not-a-seal", 400), ("%00", 400)):
        refused(await cme_client.get(f"/t/alpha/api/public/certificates/verify/{bad}"), status)
    refused(await cme_client.get(f"/t/beta/api/public/certificates/verify/{text}"), 404)  # alpha's, in beta
    page = await cme_client.get(f"/t/beta/v/{text}")
    assert page.status_code == 404 and "发证机构的平台查验" in page.text


@pytest.mark.db
async def test_the_pdf_embeds_its_chinese_fonts_and_its_qr_opens_the_verification_page(
    cme_client, login, granted
):
    await login(cme_client, granted.world.tenant, "learner")
    [mine] = ok(await cme_client.get(f"{API}/certificates"))
    response = await cme_client.get(f"/t/alpha/certificates/{mine['id']}/pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    pdf = response.content
    fonts = pdf_fonts(pdf)
    assert fonts and all("CJK" in f[0] for f in fonts) and all(f[-5] == "yes" for f in fonts), fonts
    assert qr_texts(pdf) == [f"http://testserver.local/t/alpha{mine['verify_path']}"]
    page = await cme_client.get(f"/t/alpha{mine['verify_path']}")
    assert page.status_code == 200 and "证书有效" in page.text and mine["number"] in page.text
    listing = await cme_client.get("/t/alpha/certificates")
    assert listing.status_code == 200 and mine["number"] in listing.text


@pytest.fixture
async def jiangsu_certificate(cme_app, tenant_factory, account_factory) -> tuple[Any, dict[str, Any]]:
    """A Jiangsu tenant (学员证书查询 open to all) with one certificate of project 2026-JS-0001."""
    tenant = await tenant_factory(slug="gamma", plugin="jiangsu", name="丙省继教委")
    world = await build_world(tenant, account_factory, "C")
    person_id = await add_learner(world, account_factory, "learner")
    with scope(tenant):
        row = CreditRecord(
            person=person_id,
            institution=world.institution_id,
            year=2026,
            activity_date=date(2026, 5, 1),
            activity_name="基层慢病管理培训班",
            activity_number="2026-JS-0001",
            category="I类学分",
            credits=600,
            status="approved",
            idempotency_key="lookup-test",
        )
        await row.save()
        secret = cme_app.state.settings.secret_key  # the app's: its pages verify what this issues
        await service.issue_for_credits(cme_app.state.plugin_manager, secret, [int(row.id)])
        person = await Person.select(Person.name).where(Person.id == person_id).first()
    return world, {"name": person["name"]}


@pytest.mark.db
async def test_the_public_lookup_needs_the_exact_project_number_and_name(
    cme_client, jiangsu_certificate, world
):
    _, holder = jiangsu_certificate
    lookup = "/t/gamma/api/public/certificates/lookup"
    [found] = ok(
        await cme_client.post(lookup, json={"project_number": " 2026-js-0001 ", "name": holder["name"]})
    )
    assert found["facts"]["holder_name"] == holder["name"] and found["number"].startswith("JS2026-")
    for wrong in (
        {"project_number": "2026-JS-0001", "name": holder["name"][:-1]},  # part of the name
        {"project_number": "2026-JS-000", "name": holder["name"]},  # part of the number
        {"project_number": "2026-JS-0001", "name": "张三"},
    ):
        assert ok(await cme_client.post(lookup, json=wrong)) == []
    refused(await cme_client.post(lookup, json={"project_number": "x" * 65, "name": "张三"}), 400)
    refused(await cme_client.post(lookup, json={"project_number": "1", "name": "张三", "id": 1}), 400)
    # Beijing offers no public look-up: no page, no API
    refused(
        await cme_client.post(
            "/t/alpha/api/public/certificates/lookup", json={"project_number": "1", "name": "张三"}
        ),
        404,
    )
    assert (await cme_client.get("/t/alpha/certificates/lookup")).status_code == 404
    # the page: a form sent by POST (no name in an address), the results with their print links
    page = await cme_client.get("/t/gamma/certificates/lookup")
    assert page.status_code == 200 and "学员证书查询" in page.text
    form = {"_csrf": form_value(page.text, "_csrf"), "project_number": "2026-JS-0001", "name": holder["name"]}
    results = await cme_client.post("/t/gamma/certificates/lookup", data=form)
    assert results.status_code == 200 and found["number"] in results.text
    printed = await cme_client.get(f"/t/gamma{found['verify_path']}/pdf")
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
    assert qr_texts(printed.content) == [f"http://testserver.local/t/gamma{found['verify_path']}"]
    # 30 look-ups per address in 10 minutes
    answers = [
        (await cme_client.post(lookup, json={"project_number": "2026-JS-0001", "name": "张三"})).status_code
        for _ in range(30)
    ]
    assert answers.count(429) >= 1 and set(answers) == {200, 429}
