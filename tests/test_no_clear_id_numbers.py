"""No clear ID number in the database or the server's log after the flows that handle ID numbers.

A real ``cme serve`` process (as the browser tests start it, without a browser) serves the test database
with the demo people and the test's own; the flows sign in by ID number with a wrong password, search
people and credits by ID number and phone (in the query string and through the list's posted form) and
export with an ID-number filter. Then every text column of every table and the captured server log are
scanned for each person's ID number (read back from the sealed column, so the set is exactly the ID
numbers of the demo and test data). Sealed and hashed columns cannot hold the clear value.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
from browser_kit import serve, stop_demo_server
from cme_platform.demo import DEMO_LEARNER_ID, load_demo
from cme_platform.personnel.tables import Person
from cme_platform.pii import unseal
from cme_platform.tenancy.scope import scopes_disabled
from cme_platform.testkit.pytest_plugin import submit_login
from piccolo.columns import JSON, JSONB, Text, Varchar
from piccolo.conf.apps import Finder
from test_personnel_api import MALE_ID, create, resident_id

UNREGISTERED_ID = resident_id("19700101", "888")
PHONE = "13912345678"


async def _flows(base: str, world: Any, login: Any) -> None:
    slug = world.tenant.slug
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for username in (DEMO_LEARNER_ID, MALE_ID, UNREGISTERED_ID):  # sign-in by ID number, wrong password
            failed = await submit_login(client, world.tenant, username, "Wrong@2026pw")
            assert failed.status_code != 303, failed.text[:300]
        await login(client, world.tenant, "department")
        api = f"/t/{slug}/api/personnel/people"
        for number in (MALE_ID, DEMO_LEARNER_ID, UNREGISTERED_ID):
            assert (await client.get(api, params={"q": number, "q_field": "id_number"})).status_code == 200
        assert (await client.get(api, params={"q": PHONE, "q_field": "phone"})).status_code == 200
        posted = await client.post(
            f"/t/{slug}/personnel", data={"q_field": "id_number", "q": MALE_ID}, follow_redirects=True
        )
        assert posted.status_code == 200 and "张三" in posted.text
        credits = await client.get(f"/t/{slug}/credits", params={"q": MALE_ID, "q_field": "id_number"})
        assert credits.status_code == 200
        credits = await client.post(
            f"/t/{slug}/credits", data={"q_field": "id_number", "q": MALE_ID}, follow_redirects=True
        )
        assert credits.status_code == 200

        await login(client, world.tenant, "commission")
        for path in ("/personnel/export.xlsx", "/api/personnel/export", "/api/credits/export"):
            export = await client.get(f"/t/{slug}{path}", params={"q": MALE_ID, "q_field": "id_number"})
            assert export.status_code == 200, (path, export.status_code)
        token = await client.post(f"{api}/search-token", json={"q_field": "id_number", "q": MALE_ID})
        assert token.status_code == 200


async def _known_id_numbers() -> set[str]:
    with scopes_disabled():
        rows = await Person.select(Person.id_sealed)
    numbers = {unseal(r["id_sealed"]) for r in rows}
    assert {DEMO_LEARNER_ID, MALE_ID} <= numbers and len(numbers) > 10
    return numbers | {UNREGISTERED_ID}


async def _text_cells() -> list[tuple[str, str, str]]:
    """(table, column, value) of every text cell of every table."""
    cells: list[tuple[str, str, str]] = []
    with scopes_disabled():
        for table in Finder().get_table_classes():
            columns = [c for c in table._meta.columns if isinstance(c, Varchar | Text | JSON | JSONB)]
            if not columns:
                continue
            names = [c._meta.db_column_name for c in columns]
            sql = f"SELECT {', '.join(names)} FROM {table._meta.tablename}"
            for row in await table.raw(sql):
                cells += [(table._meta.tablename, k, str(v)) for k, v in row.items() if v is not None]
    return cells


async def test_no_clear_id_number_in_the_database_or_the_server_log(cme_app, cme_client, world, login):
    await load_demo(cme_app.state.plugin_manager, world.tenant)
    await login(cme_client, world.tenant, "institution")
    await create(cme_client, world)  # 张三, phone 139…, in the department admin's department
    data_dir = Path(os.environ["CME_DATA_DIR"])
    server = serve(
        data_dir,
        log_name="no-clear-ids.log",
        CME_DATABASE_URL=os.environ["CME_DATABASE_URL"],
        CME_SECRET_KEY=os.environ["CME_SECRET_KEY"],
    )
    try:
        await _flows(server.base, world, login)
    finally:
        stop_demo_server(server)
    log = server.log()
    assert "/personnel/export.xlsx" in log and "q_field=id_number" in log  # the access log was captured

    numbers = await _known_id_numbers()
    cells = await _text_cells()
    actions = [v for t, c, v in cells if (t, c) == ("audit_event", "action")]  # the flows ran:
    assert actions.count("auth.login_failed") >= 3 and any(c[0] == "identity_login_throttle" for c in cells)
    assert "personnel.search.sensitive" in actions and "personnel.export" in actions
    found = [(t, c, n) for t, c, v in cells for n in numbers if n in v.upper()]
    assert not found, f"clear ID numbers stored in the database: {found[:10]}"
    in_log = sorted(n for n in numbers if n in log.upper())
    assert not in_log, f"clear ID numbers in the server log: {in_log}"
