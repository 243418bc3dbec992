"""导出学分证书 (Zhejiang 003 §10): a learner ticks effective credits in his credit query and exports their
certificates, issued once each from the credit as it stands; elsewhere, and for credits not his own or not
yet effective, there is nothing to export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_kit import ok, refused
from attendance_kit import add_learner
from cme_platform import clock
from cme_platform.certificates.tables import Certificate
from cme_platform.credits.ledger import Posting, post
from cme_platform.credits.sources import CreditSource
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld
from pdf_kit import pdf_text, qr_texts

API = "/t/beta/api"


async def _credit(cme_app: Any, world: OrgWorld, person: int, name: str, *, days_ago: int) -> int:
    """A personal credit of ``person`` approved ``days_ago`` days ago (Zhejiang counts from the day after)."""
    pm = cme_app.state.plugin_manager
    with scope(world.tenant):
        admin = await load_principal_by_id(world.accounts["institution"])
        assert admin is not None
        day = clock.today() - timedelta(days=days_ago)
        posted = await post(
            pm,
            admin,
            Posting(
                person_id=person,
                source=CreditSource.PERSONAL,
                activity_date=day,
                activity_name=name,
                category="II类学分",
                credits=300,
                hours=600,
                issuer="乙省某医院",
            ),
            granted=True,
            entered_as="institution_admin",
            approved_on=day,
        )
    return posted.record_id


@pytest.mark.db
async def test_a_zhejiang_learner_exports_certificates_of_his_effective_credits(
    cme_app, cme_client, login, other_world, world, account_factory
):
    person = await add_learner(other_world, account_factory, "learner")
    other = await add_learner(other_world, account_factory, "learner2")
    effective = await _credit(cme_app, other_world, person, "病例讨论会", days_ago=5)
    today = await _credit(cme_app, other_world, person, "今日学术报告", days_ago=0)  # counts tomorrow
    theirs = await _credit(cme_app, other_world, other, "他人的学分", days_ago=5)
    await login(cme_client, other_world.tenant, "learner")
    listing = await cme_client.get("/t/beta/credits")
    assert "导出学分证书" in listing.text and f'name="ids" value="{effective}"' in listing.text
    assert f'name="ids" value="{today}"' not in listing.text
    [first] = ok(
        await cme_client.post(f"{API}/certificates/credits", json={"credit_ids": [effective, today, theirs]})
    )
    assert first["facts"]["activity_name"] == "病例讨论会" and first["facts"]["category"] == "II类学分"
    assert first["number"].startswith("ZJ") and first["facts"]["credits"] == 300
    [again] = ok(await cme_client.post(f"{API}/certificates/credits", json={"credit_ids": [effective]}))
    assert again["number"] == first["number"]  # one certificate per credit
    with scope(other_world.tenant):
        assert await Certificate.count() == 1
    refused(await cme_client.post(f"{API}/certificates/credits", json={"credit_ids": [today, theirs]}), 404)
    refused(await cme_client.post(f"{API}/certificates/credits", json={"credit_ids": []}), 400)
    pdf = await cme_client.post("/t/beta/certificates/credits/pdf", data={"ids": [str(effective)]})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert first["number"] in pdf_text(pdf.content)
    assert qr_texts(pdf.content) == [f"http://testserver.local/t/beta{first['verify_path']}"]
    nothing = await cme_client.post(
        "/t/beta/certificates/credits/pdf", data={"ids": [str(theirs)]}, follow_redirects=False
    )
    assert nothing.status_code == 303 and nothing.headers["location"].endswith("/credits")
    # Beijing offers no such export
    await add_learner(world, account_factory, "learner")
    await login(cme_client, world.tenant, "learner")
    assert "导出学分证书" not in (await cme_client.get("/t/alpha/credits")).text
    refused(await cme_client.post("/t/alpha/api/certificates/credits", json={"credit_ids": [effective]}), 404)
