"""The credit forms as PDF (seed 002 §9, 003 §11): a learner's 学分登记表 of a year and 多年度学分验证表 of
several, and the same for an administrator of a person within his reach; real PDFs with embedded Chinese
fonts whose text holds the records, the totals and the verdicts."""

from __future__ import annotations

import pytest
from api_kit import ok, refused
from attendance_kit import Venue
from cme_platform.audit.tables import AuditEvent
from cme_platform.tenancy.scope import scope
from pdf_kit import pdf_fonts, pdf_text
from test_certificates import granted as granted  # the fixtures, shared
from test_certificates import held as held

API = "/t/alpha/api"


async def _year(client, venue: Venue, login) -> int:
    await login(client, venue.world.tenant, "learner")
    [certificate] = ok(await client.get(f"{API}/certificates"))
    return int(certificate["facts"]["ends_on"][:4])


@pytest.mark.db
async def test_a_learner_prints_his_year_and_several_years(cme_client, login, granted):
    year = await _year(cme_client, granted, login)
    page = await cme_client.get("/t/alpha/my/compliance/forms?form=register")
    assert page.status_code == 200 and "register.pdf" in page.text and "years.pdf" not in page.text
    page = await cme_client.get("/t/alpha/my/compliance/forms?form=years")
    assert page.status_code == 200 and "years.pdf" in page.text and "register.pdf" not in page.text
    assert (await cme_client.get("/t/alpha/my/compliance/forms?form=other")).status_code == 400
    register = await cme_client.get(f"/t/alpha/my/compliance/register.pdf?year={year}")
    assert register.status_code == 200 and register.headers["content-type"] == "application/pdf"
    fonts = pdf_fonts(register.content)
    assert fonts and all(f[-5] == "yes" for f in fonts), fonts
    text = pdf_text(register.content)
    assert f"{year}年度继续医学教育学分登记表" in text and "心血管新进展学习班" in text
    assert "总学分" in text and "达标结果" in text and "甲省继教委" in text
    several = await cme_client.get(f"/t/alpha/my/compliance/years.pdf?years={year}&years={year - 1}")
    assert several.status_code == 200
    text = pdf_text(several.content)
    assert "多年度学分验证表" in text and str(year) in text
    for bad in ("years=1800", "years=" + "&years=".join(str(year - i) for i in range(11)), "", "years=abc"):
        assert (await cme_client.get(f"/t/alpha/my/compliance/years.pdf?{bad}")).status_code == 400, bad
    assert (await cme_client.get("/t/alpha/my/compliance/register.pdf?year=1800")).status_code == 400
    # the administrator's forms: a learner may not, another institution's admin does not reach him
    person = granted.people["learner"]
    assert (await cme_client.get(f"/t/alpha/compliance/people/{person}/register.pdf")).status_code == 403
    await login(cme_client, granted.world.tenant, "institution")
    by_admin = await cme_client.get(f"/t/alpha/compliance/people/{person}/register.pdf?year={year}")
    assert by_admin.status_code == 200 and "心血管新进展学习班" in pdf_text(by_admin.content)
    with scope(granted.world.tenant):
        printed = await AuditEvent.select(AuditEvent.object_id, AuditEvent.summary).where(
            AuditEvent.action == "compliance.forms.print"
        )
    assert printed == [{"object_id": str(person), "summary": f"打印学分登记表（{year}年度）"}]
    admin_page = await cme_client.get(f"/t/alpha/compliance/people/{person}?year={year}")
    assert (
        admin_page.status_code == 200 and "register.pdf" in admin_page.text and "years.pdf" in admin_page.text
    )
    refused(await cme_client.get(f"{API}/certificates"), 403)  # the admin has no certificates of his own
