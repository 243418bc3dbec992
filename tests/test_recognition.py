"""外省学分认可: a certificate issued by another tenant of the platform, or by a trusted other platform, is
verified where it was issued and becomes a credit record that goes through the receiving province's
chain; forged, altered, revoked, unknown, someone else's and repeated certificates are refused with
their reason, and nothing is stored for them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec
import pytest
from api_kit import ok, refused
from attendance_kit import Venue, add_learner
from cme_platform.certificates import recognition
from cme_platform.certificates.schemas import CertificateFacts, VerificationOut
from cme_platform.certificates.seal import SealedRecord, jwks, name_hash, seal
from cme_platform.certificates.tables import Recognition
from cme_platform.credits.tables import CreditEvidence, CreditRecord
from cme_platform.files.tables import StoredFile
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.registry import tenants_changed
from cme_platform.tenancy.scope import scope
from cme_platform.tenancy.tables import Tenant
from cme_platform.testkit.world import OrgWorld, build_world
from pdf_kit import pdf_text
from test_certificates import granted as granted  # the fixtures, shared
from test_certificates import held as held

HOME = "/t/delta/api"


@pytest.fixture
async def delta(tenant_factory, account_factory) -> OrgWorld:
    """Tenant ``delta`` (Jiangsu's rules) where the alpha learner now works, under the same name."""
    tenant = await tenant_factory(slug="delta", plugin="jiangsu", name="丁省继教委")
    world = await build_world(tenant, account_factory, "D")
    await add_learner(world, account_factory, "learner")  # 学员er, as in alpha
    await add_learner(world, account_factory, "other42")  # 学员42: another person
    return world


async def _certificate(client: Any, login: Any, venue: Venue, delta: OrgWorld) -> dict[str, Any]:
    """The alpha learner's certificate; delta's learner is the same person (same name and ID number)."""
    await login(client, venue.world.tenant, "learner")
    [mine] = ok(await client.get("/t/alpha/api/certificates"))
    await _same_id_number(delta, mine["facts"]["id_masked"])
    return mine


async def _same_id_number(delta: OrgWorld, id_masked: str) -> None:
    with scope(delta.tenant):
        account = delta.accounts["learner"]
        await Person.update({Person.id_masked: id_masked}).where(Person.account == account)


async def _decide(client: Any, login: Any, world: OrgWorld, who: str) -> None:
    await login(client, world.tenant, who)
    [item] = ok(await client.get(f"{HOME}/approvals/inbox"))["items"]
    ok(await client.post(f"{HOME}/approvals/{item['request_id']}/decision", json={"action": "approve"}))


@pytest.mark.db
async def test_another_tenants_certificate_is_recognised_after_the_receiving_chain(
    cme_client, login, granted, delta
):
    mine = await _certificate(cme_client, login, granted, delta)
    address = f"http://testserver.local/t/alpha{mine['verify_path']}"
    # in its own province a certificate needs no recognition
    refused(await cme_client.post("/t/alpha/api/recognitions", json={"code": address}), 400)
    # another person of delta may not take it over
    await login(cme_client, delta.tenant, "other42")
    body = refused(await cme_client.post(f"{HOME}/recognitions", json={"code": address}), 400)
    assert "不能认可他人的证书" in body["message"]
    # someone of the same name but another ID number neither (the look-up hands out seals to anyone)
    await _same_id_number(delta, "999*****00")
    await login(cme_client, delta.tenant, "learner")
    refused(await cme_client.post(f"{HOME}/recognitions", json={"code": address}), 400)
    await _same_id_number(delta, mine["facts"]["id_masked"])
    for bad in ("", "随便写的", "http://testserver.local/t/alpha/v/abc"):
        refused(await cme_client.post(f"{HOME}/recognitions", json={"code": bad}), 400)
    forged = mine["verify_path"][:-3] + ("AAA" if not mine["verify_path"].endswith("AAA") else "BBB")
    body = refused(await cme_client.post(f"{HOME}/recognitions", json={"code": forged}), 400)
    assert "签名无效" in body["message"]
    with scope(delta.tenant):
        assert await Recognition.count() == 0 and await CreditRecord.count() == 0
    submitted = ok(await cme_client.post(f"{HOME}/recognitions", json={"code": address}), 201)
    assert submitted["issuer"] == "alpha" and submitted["issuer_name"] == "甲省继教委"
    assert submitted["number"] == mine["number"] and submitted["status"] == "submitted"
    assert submitted["category"] == "国家级继续医学教育项目" and submitted["facts"] == mine["facts"]
    again = refused(await cme_client.post(f"{HOME}/recognitions", json={"code": address}), 409)
    assert "不能重复" in again["message"]
    # the receiving province's chain: the institution, then the commission
    await _decide(cme_client, login, delta, "institution")
    await _decide(cme_client, login, delta, "commission")
    await login(cme_client, delta.tenant, "learner")
    [done] = ok(await cme_client.get(f"{HOME}/recognitions"))
    assert done["status"] == "approved" and done["credit_id"] == submitted["credit_id"]
    with scope(delta.tenant):
        credit = await CreditRecord.select().where(CreditRecord.id == done["credit_id"]).first()
    assert credit["source"] == "recognition" and credit["status"] == "approved"
    assert credit["credits"] == mine["facts"]["credits"] and credit["category"] == "国家级继续医学教育项目"
    assert mine["number"] in credit["note"]
    page = await cme_client.get("/t/delta/recognitions")
    assert page.status_code == 200 and mine["number"] in page.text and "审核通过" in page.text


@pytest.mark.db
async def test_a_certificate_pdf_is_read_from_its_page_and_kept_as_evidence(
    cme_client, login, granted, delta
):
    mine = await _certificate(cme_client, login, granted, delta)
    pdf = (await cme_client.get(f"/t/alpha/certificates/{mine['id']}/pdf")).content
    not_a_certificate = (await cme_client.get("/t/alpha/my/compliance/register.pdf")).content
    assert "学分登记表" in pdf_text(not_a_certificate)
    await login(cme_client, delta.tenant, "learner")
    with scope(delta.tenant):
        files_before = await StoredFile.count()
    refusal = await cme_client.post(
        "/t/delta/recognitions", files={"file": ("登记表.pdf", not_a_certificate, "application/pdf")}
    )
    assert refusal.status_code == 400 and "未能在文件中识别出电子学分证书的二维码" in refusal.text
    with scope(delta.tenant):
        assert await StoredFile.count() == files_before  # a refused file is not kept
    done = await cme_client.post(
        "/t/delta/recognitions",
        files={"file": ("证书.pdf", pdf, "application/pdf")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    [item] = ok(await cme_client.get(f"{HOME}/recognitions"))
    assert item["number"] == mine["number"]
    with scope(delta.tenant):
        assert await CreditEvidence.count().where(CreditEvidence.record == item["credit_id"]) == 1


@pytest.mark.db
async def test_a_revoked_certificate_is_refused_with_its_reason(cme_client, login, granted, delta):
    mine = await _certificate(cme_client, login, granted, delta)
    await login(cme_client, granted.world.tenant, "commission")
    withdrawn = {"reason": "学时登记有误"}
    ok(await cme_client.post(f"/t/alpha/api/certificates/{mine['id']}/withdraw", json=withdrawn))
    await login(cme_client, delta.tenant, "learner")
    address = f"http://testserver.local/t/alpha{mine['verify_path']}"
    body = refused(await cme_client.post(f"{HOME}/recognitions", json={"code": address}), 400)
    assert "撤销" in body["message"] and "学时登记有误" in body["message"]
    with scope(delta.tenant):
        assert await Recognition.count() == 0


SHANGHAI_SECRET = "another-platform-secret"
FACTS = CertificateFacts(
    holder_name="学员er",
    gender="女",
    id_masked="310*****34",
    project_number="2026-03-001",
    project_name="沪上急救新进展",
    activity_name="沪上急救新进展 第1期",
    organiser="上海某医院",
    starts_on=date(2026, 3, 1),
    ends_on=date(2026, 3, 3),
    level="省级",
    category="I类学分",
    credits=800,
    hours=1200,
    issuer="上海市继续医学教育委员会",
    title="继续医学教育学分证书",
)


class OtherPlatform:
    """Another platform of this kind on a local port: its key set and its verification answers."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/jwks.json":
                    body: Any = jwks(SHANGHAI_SECRET, "shanghai")
                else:
                    body = platform.answers.get(self.path.rsplit("/", 1)[-1])
                status = 200 if body is not None else 404
                data = json.dumps(body if body is not None else {"message": "不存在"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.site = f"http://127.0.0.1:{self.server.server_address[1]}"

    def issue(self, number: str, facts: CertificateFacts, *, answered: CertificateFacts | None = None) -> str:
        """A seal of ``facts`` signed by this platform, answered with ``answered`` (default the same)."""
        record = SealedRecord(
            issuer="shanghai",
            key_id="k1",
            number=number,
            name_hash=name_hash(facts.holder_name),
            credits=facts.credits,
            category=facts.category,
            issued_on=facts.ends_on,
        )
        text = seal(SHANGHAI_SECRET, record)
        answer = VerificationOut(
            number=number,
            status="valid",
            status_label="有效",
            message="证书有效",
            issued_on=facts.ends_on,
            facts=answered or facts,
        )
        self.answers[text] = msgspec.to_builtins(answer)
        return f"{self.site}/v/{text}"


@pytest.fixture
def other_platform() -> Iterator[OtherPlatform]:
    platform = OtherPlatform()
    thread = threading.Thread(target=platform.server.serve_forever, daemon=True)
    thread.start()
    yield platform
    platform.server.shutdown()
    recognition._keys_cache.clear()


@pytest.mark.db
async def test_a_trusted_platforms_certificate_is_checked_with_its_published_keys(
    cme_client, login, delta, other_platform
):
    await _same_id_number(delta, FACTS.id_masked)
    await login(cme_client, delta.tenant, "learner")
    good = other_platform.issue("SH2026-AAAA-BBBB-01", FACTS)
    # not trusted yet: refused without asking anyone
    body = refused(await cme_client.post(f"{HOME}/recognitions", json={"code": good}), 400)
    assert "不在本省认可的范围内" in body["message"]
    trusted = {"issuer": "shanghai", "name": "上海市继续医学教育委员会", "site": other_platform.site}
    await Tenant.update({Tenant.recognition: {"trusted": [trusted]}}).where(Tenant.slug == "delta")
    tenants_changed()
    altered = other_platform.issue(
        "SH2026-AAAA-BBBB-02", FACTS, answered=msgspec.structs.replace(FACTS, credits=2500)
    )
    body = refused(await cme_client.post(f"{HOME}/recognitions", json={"code": altered}), 400)
    assert "不一致" in body["message"]
    foreign_key = seal(
        "someone-else",
        SealedRecord(
            issuer="shanghai",
            key_id="k1",
            number="SH2026-AAAA-BBBB-03",
            name_hash=name_hash("学员er"),
            credits=800,
            category="I类学分",
            issued_on=date(2026, 3, 3),
        ),
    )
    body = refused(await cme_client.post(f"{HOME}/recognitions", json={"code": foreign_key}), 400)
    assert "签名无效" in body["message"]
    submitted = ok(await cme_client.post(f"{HOME}/recognitions", json={"code": good}), 201)
    assert (
        submitted["issuer_name"] == "上海市继续医学教育委员会"
        and submitted["category"] == "省级继续医学教育项目"
    )
    other_platform.server.shutdown()
    down = other_platform.issue("SH2026-AAAA-BBBB-04", FACTS)
    refused(await cme_client.post(f"{HOME}/recognitions", json={"code": down}), 503)
    with scope(delta.tenant):
        assert await Recognition.count() == 1
