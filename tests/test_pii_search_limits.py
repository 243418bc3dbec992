"""Searches by full ID number or phone: limited, audited and scoped for masked roles, kept out of URLs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cme_platform.audit.tables import AuditEvent
from cme_platform.cli import mask_access_log
from cme_platform.personnel import pii_search
from cme_platform.personnel.pii_search import LIMITS
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.scope import scope
from test_personnel_api import API, MALE_ID, create, resident_id

BASE = "/t/alpha"
PHONE = "13912345678"
OTHER_ID = resident_id("19870101", "456")
PER_WINDOW = LIMITS[0][1]
MASKED = f"{MALE_ID[:3]}*****{MALE_ID[-2:]}"


async def events(world: Any, action: str) -> list[dict[str, Any]]:
    """The tenant's audit records of ``action`` in order, ``after`` decoded."""
    with scope(world.tenant):
        rows = await AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.seq)
    return [{**row, "after": json.loads(row["after"]) if row["after"] else None} for row in rows]


async def two_people(client: Any, world: Any, login: Any) -> None:
    """张三 in the department admin's department, 李四 in another institution (out of his reach)."""
    await login(client, world.tenant, "commission")
    await create(client, world)
    await create(
        client,
        world,
        id_number=OTHER_ID,
        name="李四",
        phone="13800000002",
        institution_id=world.other_institution_id,
        department_id=world.other_department_id,
    )


async def test_department_admin_searches_by_id_number_are_limited_audited_and_scoped(
    cme_client, world, login
):
    await two_people(cme_client, world, login)
    await login(cme_client, world.tenant, "department")
    elsewhere = await cme_client.get(API, params={"q": OTHER_ID, "q_field": "id_number"})
    assert elsewhere.status_code == 200 and elsewhere.json()["total"] == 0  # never reveals people elsewhere
    own = await cme_client.get(API, params={"q": MALE_ID, "q_field": "id_number"})
    assert own.json()["total"] == 1 and own.json()["items"][0]["id_masked"] == MASKED
    # A search that matches nobody costs the same as one that matches.
    for sequence in range(100, 100 + PER_WINDOW - 3):
        guess = resident_id("19850314", str(sequence))
        wrong = await cme_client.get(API, params={"q": guess, "q_field": "id_number"})
        assert wrong.status_code == 200
    by_phone = await cme_client.get(API, params={"q": PHONE, "q_field": "phone"})
    assert by_phone.json()["total"] == 1
    refused = await cme_client.get(API, params={"q": MALE_ID, "q_field": "id_number"})
    assert refused.status_code == 429, refused.text
    body = refused.json()
    assert body["code"] == "too_many_requests" and "查询过于频繁" in body["message"] and "errors" in body
    again = await cme_client.get(API, params={"q": PHONE, "q_field": "phone"})
    assert again.status_code == 429
    # Names and person numbers stay free.
    assert (await cme_client.get(API, params={"q": "张"})).json()["total"] == 1

    searches = await events(world, "personnel.search.sensitive")
    assert len(searches) == PER_WINDOW
    assert searches[0]["after"]["q"] == f"{OTHER_ID[:3]}*****{OTHER_ID[-2:]}"
    assert searches[-1]["after"] == {"q_field": "phone", "q": "139****5678"}
    limited = await events(world, "personnel.search.limited")
    assert len(limited) == 1  # the first refusal of the window only
    for event in [*searches, *limited]:
        assert MALE_ID not in str(event) and OTHER_ID not in str(event) and PHONE not in str(event)


async def test_roles_that_may_reveal_are_not_limited(cme_client, world, login):
    await login(cme_client, world.tenant, "institution")
    await create(cme_client, world)
    for _ in range(PER_WINDOW + 2):
        found = await cme_client.get(API, params={"q": MALE_ID, "q_field": "id_number"})
        assert found.status_code == 200 and found.json()["total"] == 1
    assert await events(world, "personnel.search.sensitive") == []


async def test_search_token_keeps_the_value_out_of_urls_and_is_paid_once(cme_client, world, login):
    await two_people(cme_client, world, login)
    await login(cme_client, world.tenant, "department")
    exchanged = await cme_client.post(f"{API}/search-token", json={"q_field": "id_number", "q": MALE_ID})
    assert exchanged.status_code == 200, exchanged.text
    token = exchanged.json()["q"]
    assert MALE_ID not in token and exchanged.json()["masked"] == MASKED
    for _ in range(PER_WINDOW + 2):  # the token was counted when issued: using it again is free
        found = await cme_client.get(API, params={"q": token, "q_field": "id_number"})
        assert found.status_code == 200 and found.json()["total"] == 1
    credits = await cme_client.get(f"{BASE}/api/credits", params={"q": token, "q_field": "id_number"})
    assert credits.status_code == 200, credits.text
    assert len(await events(world, "personnel.search.sensitive")) == 1
    wrong_field = await cme_client.get(API, params={"q": token, "q_field": "phone"})
    assert wrong_field.status_code == 400 and wrong_field.json()["code"] == "validation_error"
    forged = await cme_client.get(API, params={"q": "~" + "A" * 60, "q_field": "id_number"})
    assert forged.status_code == 400


async def test_a_search_token_serves_only_the_account_it_was_issued_to(cme_client, world, login, monkeypatch):
    await two_people(cme_client, world, login)
    # the institution admin (who may reveal) gets tokens without limit: the department admin cannot use them
    await login(cme_client, world.tenant, "institution")
    exchanged = await cme_client.post(f"{API}/search-token", json={"q_field": "id_number", "q": MALE_ID})
    borrowed = exchanged.json()["q"]
    monkeypatch.setattr(pii_search, "TOKEN_LIFETIME", timedelta(seconds=-1))
    expired = (
        await cme_client.post(f"{API}/search-token", json={"q_field": "id_number", "q": MALE_ID})
    ).json()
    assert (await cme_client.get(API, params={"q": expired["q"], "q_field": "id_number"})).status_code == 400
    await login(cme_client, world.tenant, "department")
    refused = await cme_client.get(API, params={"q": borrowed, "q_field": "id_number"})
    assert refused.status_code == 400 and "查询条件已失效" in refused.text
    # a stored sealed ID number is no search token either
    with scope(world.tenant):
        stored = (await Person.select(Person.id_sealed).first())["id_sealed"]
    disguised = "~" + stored.partition(":")[2].rstrip("=").replace("+", "-").replace("/", "_")
    assert (await cme_client.get(API, params={"q": disguised, "q_field": "id_number"})).status_code == 400
    assert len(await events(world, "personnel.search.sensitive")) == 0


async def test_list_page_posts_the_search_and_shows_the_limit(cme_client, world, login):
    await two_people(cme_client, world, login)
    await login(cme_client, world.tenant, "department")
    posted = await cme_client.post(
        f"{BASE}/personnel",
        data={"q_field": "id_number", "q": MALE_ID, "status": "正常"},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text[-1000:]
    location = posted.headers["location"]
    assert MALE_ID not in location
    query = parse_qs(urlsplit(location).query)
    assert query["q_field"] == ["id_number"] and query["status"] == ["正常"] and query["q"][0].startswith("~")
    listing = await cme_client.get(location)
    assert listing.status_code == 200 and "张三" in listing.text and "李四" not in listing.text
    assert MALE_ID not in listing.text and f'value="{MALE_ID[:3]}*****{MALE_ID[-2:]}"' in listing.text
    # Paging, sorting and export links carry the token; posting the unchanged form again reuses it.
    token = query["q"][0]
    assert f"q={token}&amp;q_field=id_number" in listing.text
    same = await cme_client.post(
        f"{BASE}/personnel",
        data={"q_field": "id_number", "q": MASKED, "q_token": token},
        follow_redirects=False,
    )
    assert same.status_code == 303 and parse_qs(urlsplit(same.headers["location"]).query)["q"] == [token]
    assert len(await events(world, "personnel.search.sensitive")) == 1
    for sequence in range(100, 100 + PER_WINDOW - 1):
        await cme_client.post(
            f"{BASE}/personnel",
            data={"q_field": "phone", "q": f"1390000{sequence:04d}"},
            follow_redirects=False,
        )
    refused = await cme_client.post(f"{BASE}/personnel", data={"q_field": "id_number", "q": MALE_ID})
    assert refused.status_code == 429 and "查询过于频繁" in refused.text and 'role="alert"' in refused.text
    assert MALE_ID not in refused.text


async def test_credit_list_page_posts_the_search(cme_client, world, login):
    await login(cme_client, world.tenant, "department")
    posted = await cme_client.post(
        f"{BASE}/credits", data={"q_field": "phone", "q": PHONE, "status": "draft"}, follow_redirects=False
    )
    assert posted.status_code == 303, posted.text[-1000:]
    location = posted.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert PHONE not in location and query["q"][0].startswith("~") and query["status"] == ["draft"]
    listing = await cme_client.get(location)
    assert listing.status_code == 200 and PHONE not in listing.text
    assert 'value="139****5678"' in listing.text and query["q"][0] in listing.text  # export link: the token
    assert len(await events(world, "personnel.search.sensitive")) == 1


async def test_export_audit_keeps_only_the_masked_filter(cme_client, world, login):
    await login(cme_client, world.tenant, "institution")
    await create(cme_client, world)
    for q_field in ("id_number", "name"):  # an ID number typed as a name is masked too
        params = {"q": MALE_ID, "q_field": q_field}
        export = await cme_client.get(f"{BASE}/personnel/export.xlsx", params=params)
        assert export.status_code == 200
    exports = await events(world, "personnel.export")
    assert [e["after"]["filter"]["q"] for e in exports] == [MASKED] * 2
    assert MALE_ID not in str(exports)
    params = {"q": MALE_ID, "q_field": "id_number"}
    credits = await cme_client.get(f"{BASE}/api/credits/export", params=params)
    assert credits.status_code == 200
    credit_exports = await events(world, "credits.export")
    assert credit_exports and MALE_ID not in str(credit_exports)


async def test_department_admin_credit_searches_count_too(cme_client, world, login):
    await login(cme_client, world.tenant, "department")
    for _ in range(PER_WINDOW):
        assert (
            await cme_client.get(f"{BASE}/api/credits", params={"q": MALE_ID, "q_field": "id_number"})
        ).status_code == 200
    refused = await cme_client.get(f"{BASE}/api/credits", params={"q": MALE_ID, "q_field": "id_number"})
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests"
    for page in (
        await cme_client.get(f"{BASE}/credits", params={"q": MALE_ID, "q_field": "id_number"}),
        await cme_client.post(f"{BASE}/credits", data={"q": MALE_ID, "q_field": "id_number"}),
        await cme_client.get(f"{BASE}/personnel", params={"q": MALE_ID, "q_field": "id_number"}),
    ):
        assert page.status_code == 429 and "查询过于频繁" in page.text and MALE_ID not in page.text


def test_access_log_filter_masks_id_numbers_and_phones():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/t/a/personnel?q={MALE_ID}&q_field=id_number&p=%20{PHONE}", "1.1", 200),
        None,
    )
    assert mask_access_log(record) is True
    line = record.getMessage()
    assert MALE_ID not in line and PHONE not in line
    assert f"q={MALE_ID[:3]}*****{MALE_ID[-2:]}" in line and "p=%20139****5678" in line
