"""The people registry's API: validation, duplicates, masking and reveal, scope, batch, years, profile."""

from __future__ import annotations

from datetime import date
from typing import Any

from cme_platform.audit.tables import AuditEvent
from cme_platform.demo import DEMO_LEARNER_ID, load_demo
from cme_platform.identity.id_number import check_character, is_id_number
from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Institution
from cme_platform.personnel.tables import Person, PersonYear
from cme_platform.pii import lookup_hash, unseal
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.pytest_plugin import submit_login

API = "/t/alpha/api/personnel/people"


def resident_id(born: str, sequence: str = "123") -> str:
    """A valid resident ID number born on ``born`` (YYYYMMDD); an odd last sequence digit is male."""
    first17 = f"110105{born}{sequence}"
    return first17 + check_character(first17)


MALE_ID = resident_id("19850314", "123")


NAME = "张三"


def person(world: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "institution_id": world.institution_id,
        "department_id": world.department_id,
        "id_number": MALE_ID,
        "name": NAME,
        "title": "主治医师",
        "specialty": "心血管内科",
        "establishment": "在编",
        "status": "正常",
        "phone": "13912345678",
    }
    return {**body, **extra}


async def create(client: Any, world: Any, **extra: Any) -> dict[str, Any]:
    response = await client.post(API, json=person(world, **extra))
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_validates_and_stores_no_clear_id_number(cme_client, world, login, cme_scope):
    await login(cme_client, world.tenant, "institution")
    created = await create(cme_client, world)
    assert created["id_masked"] == f"{MALE_ID[:3]}*****{MALE_ID[-2:]}"
    assert created["gender"] == "男" and created["birth_date"] == "1985-03-14"
    assert created["person_number"].startswith("82") and len(created["person_number"]) == 10
    assert created["title_level"] == "中级" and created["institution_name"] == "A医院1"
    assert created["id_number"] is None and created["phone"] == "13912345678"
    with scope(world.tenant):
        row = await Person.select().where(Person.id == created["id"]).first()
        assert MALE_ID not in str(row.values())
        account = await Account.objects().where(Account.id == row["account"]).first()
        assert account.username == created["person_number"] and account.must_change_password
        years = await PersonYear.select().where(PersonYear.person == created["id"])
        assert [(y["year"], y["title"]) for y in years] == [(date.today().year, "主治医师")]
        events = await AuditEvent.select().where(AuditEvent.action == "personnel.person.create")
        assert len(events) == 1 and MALE_ID not in str(events[0].values())

    cases = [
        (resident_id("19850314", "123")[:-1] + "0", "id_number", "校验位"),
        ("110105" + "19900230" + "1234", "id_number", "出生日期"),
    ]
    for number, field, words in cases:
        r = await cme_client.post(API, json=person(world, id_number=number))
        assert r.status_code == 400, r.text
        errors = r.json()["errors"]
        assert errors[0]["field"] == field and words in errors[0]["message"], errors
    r = await cme_client.post(API, json=person(world, id_number=resident_id("19900101", "124"), gender="男"))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "gender"
    r = await cme_client.post(API, json=person(world, name="", phone="12"))
    assert r.status_code == 400 and {e["field"] for e in r.json()["errors"]} == {"name", "phone"}
    r = await cme_client.post(API, json=person(world, colour="red"))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "colour"

    passport = await create(
        cme_client, world, id_type="护照", id_number="e1234567 8", gender="女", name="李四"
    )
    assert passport["id_masked"] == "E12*****78" and passport["birth_date"] is None
    r = await cme_client.post(API, json=person(world, id_type="护照", id_number="E1", gender="女"))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "id_number"


async def test_duplicate_id_number_names_only_what_the_caller_may_see(cme_client, world, login, cme_scope):
    await login(cme_client, world.tenant, "commission")
    other = await create(
        cme_client, world, institution_id=world.other_institution_id, department_id=None, name="王五"
    )
    await login(cme_client, world.tenant, "institution")
    r = await cme_client.post(API, json=person(world))
    assert r.status_code == 409
    assert "王五" not in r.json()["message"] and other["person_number"] not in r.json()["message"]
    mine = await create(cme_client, world, id_number=resident_id("19800101", "111"))
    r = await cme_client.post(API, json=person(world, id_number=resident_id("19800101", "111"), name="重复"))
    assert r.status_code == 409
    assert r.json()["message"] == f"该证件号码已登记：张三（人员编号 {mine['person_number']}，A医院1）"
    r = await cme_client.patch(f"{API}/{mine['id']}", json={"id_number": MALE_ID})
    assert r.status_code == 409
    new_number = resident_id("19800101", "113")
    r = await cme_client.patch(f"{API}/{mine['id']}", json={"id_number": new_number, "gender": "男"})
    assert r.status_code == 200 and r.json()["id_masked"] == f"{new_number[:3]}*****{new_number[-2:]}"
    revealed = (await cme_client.get(f"{API}/{mine['id']}/reveal")).json()
    assert revealed["id_number"] == new_number
    r = await cme_client.patch(f"{API}/{mine['id']}", json={"gender": "女"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "gender"
    with scope(world.tenant):
        events = await AuditEvent.select(AuditEvent.before, AuditEvent.after).where(
            AuditEvent.action == "personnel.person.update"
        )
        assert len(events) == 1 and new_number not in str(events) and "id_masked" in events[0]["after"]


async def test_masking_reveal_and_scope_per_role(cme_client, world, other_world, login, cme_scope):
    await login(cme_client, world.tenant, "commission")
    mine = await create(cme_client, world)
    elsewhere = await create(
        cme_client,
        world,
        institution_id=world.other_institution_id,
        department_id=None,
        id_number=resident_id("19700101", "222"),
    )
    await login(cme_client, other_world.tenant, "commission")
    foreign = (
        await cme_client.post(
            "/t/beta/api/personnel/people", json=person(other_world, id_number=resident_id("19700101", "333"))
        )
    ).json()

    await login(cme_client, world.tenant, "institution")
    listing = (await cme_client.get(API)).json()
    assert [i["id"] for i in listing["items"]] == [mine["id"]] and listing["total"] == 1
    item = listing["items"][0]
    assert item["id_masked"] == mine["id_masked"] and item["phone_masked"] == "139****5678"
    assert "id_number" not in item and "phone" not in item
    for other_id in (elsewhere["id"], foreign["id"]):
        assert (await cme_client.get(f"{API}/{other_id}")).status_code == 404
        assert (await cme_client.get(f"{API}/{other_id}/reveal")).status_code == 404
        assert (await cme_client.patch(f"{API}/{other_id}", json={"name": "x"})).status_code == 404
    revealed = (await cme_client.get(f"{API}/{mine['id']}/reveal")).json()
    assert revealed["id_number"] == MALE_ID
    with scope(world.tenant):
        reveals = await AuditEvent.select().where(AuditEvent.action == "personnel.person.reveal")
        assert [(e["object_type"], e["object_id"]) for e in reveals] == [("person", str(mine["id"]))]
    assert (await cme_client.get(API, params={"q": MALE_ID, "q_field": "id_number"})).json()["total"] == 1
    assert (await cme_client.get(API, params={"q": "张", "status": "退休"})).json()["total"] == 0
    # a name matches by its beginning, with the user's own wildcards taken out
    by_name = {
        q: (await cme_client.get(API, params={"q": q})).json()["total"]
        for q in (NAME[:1], NAME, NAME[1:], "%")
    }
    assert by_name == {NAME[:1]: 1, NAME: 1, NAME[1:]: 0, "%": 1}

    await login(cme_client, world.tenant, "department")
    shown = (await cme_client.get(f"{API}/{mine['id']}")).json()
    assert shown["phone"] is None and shown["can_reveal"] is False
    r = await cme_client.get(f"{API}/{mine['id']}/reveal")
    assert r.status_code == 403
    await login(cme_client, world.tenant, "learner")
    assert (await cme_client.get(API)).status_code == 403


async def test_batch_change_is_all_or_nothing_with_one_record_per_person(cme_client, world, login, cme_scope):
    await login(cme_client, world.tenant, "institution")
    ids = [
        (await create(cme_client, world, id_number=resident_id(f"1980010{n}", "111"), name=f"人{n}"))["id"]
        for n in (1, 2, 3)
    ]
    r = await cme_client.post(f"{API}/batch", json={"ids": [*ids, 999_999], "title": "主任医师"})
    assert r.status_code == 404
    r = await cme_client.post(f"{API}/batch", json={"ids": ids, "title": "不存在的职称"})
    assert r.status_code == 400
    r = await cme_client.post(f"{API}/batch", json={"ids": ids, "title": "主任医师", "status": "退休"})
    assert r.status_code == 201 and r.json() == {"changed": 3}
    with scope(world.tenant):
        rows = await Person.select(Person.title, Person.title_level, Person.status).where(
            Person.id.is_in(ids)
        )
        assert {(r["title"], r["title_level"], r["status"]) for r in rows} == {("主任医师", "正高", "退休")}
        years = await PersonYear.select(PersonYear.title).where(PersonYear.person.is_in(ids))
        assert {y["title"] for y in years} == {"主任医师"}
        events = await AuditEvent.select().where(AuditEvent.action == "personnel.person.batch_update")
        assert sorted(int(e["object_id"]) for e in events) == ids
    log = (await cme_client.get(f"{API}/{ids[0]}/log")).json()
    assert [e["action"] for e in log["items"]] == ["personnel.person.batch_update", "personnel.person.create"]
    assert {c["field"] for c in log["items"][0]["changes"]} == {"title", "title_level", "status"}


async def test_years_crud_and_transfer_keeps_history(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    created = await create(cme_client, world)
    url = f"{API}/{created['id']}/years"
    r = await cme_client.post(url, json={"year": 2020, "title": "医师", "status": "正常", "note": "入职"})
    assert r.status_code == 201, r.text
    entry = r.json()
    assert entry["institution_name"] == "A医院1" and entry["title_level"] == "初级"
    assert (await cme_client.post(url, json={"year": 2020})).status_code == 409
    assert (await cme_client.post(url, json={"year": 1800})).status_code == 400
    r = await cme_client.patch(
        f"{url}/{entry['id']}", json={"title": "主治医师", "title_evaluated_on": "2020-06-01"}
    )
    assert r.json()["title"] == "主治医师" and r.json()["title_evaluated_on"] == "2020-06-01"
    r = await cme_client.patch(
        f"{API}/{created['id']}", json={"institution_id": world.other_institution_id, "department_id": None}
    )
    assert r.status_code == 200 and r.json()["institution_name"] == "A医院2"
    history = (await cme_client.get(url)).json()
    assert [(y["year"], y["institution_name"]) for y in history] == [
        (date.today().year, "A医院2"),
        (2020, "A医院1"),
    ]
    assert (await cme_client.delete(f"{url}/{entry['id']}")).status_code == 204
    assert len((await cme_client.get(url)).json()) == 1
    log = (await cme_client.get(f"{API}/{created['id']}/log")).json()
    actions = [e["action"] for e in log["items"]]
    assert actions[:4] == [
        "personnel.year.delete",
        "personnel.person.update",
        "personnel.year.update",
        "personnel.year.create",
    ]


async def test_learner_signs_in_by_id_number_and_edits_phone_and_email_only(
    cme_client, world, login, cme_scope
):
    await login(cme_client, world.tenant, "institution")
    created = await create(cme_client, world)
    response = await submit_login(cme_client, world.tenant, MALE_ID, MALE_ID[-6:])
    assert response.status_code == 303 and response.headers["location"].endswith("/account/password")
    with scope(world.tenant):
        await Account.update({Account.must_change_password: False}).where(Account.id == created["account_id"])
    await login(cme_client, world.tenant, MALE_ID, MALE_ID[-6:])
    profile = (await cme_client.get("/t/alpha/api/profile")).json()
    assert profile["person"]["name"] == "张三" and profile["person"]["id_number"] is None
    assert [y["year"] for y in profile["years"]] == [date.today().year]
    r = await cme_client.patch("/t/alpha/api/profile", json={"phone": "13800000001", "email": "z@example.cn"})
    assert r.status_code == 200 and r.json()["person"]["phone"] == "13800000001"
    r = await cme_client.patch("/t/alpha/api/profile", json={"name": "李四"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "name"
    r = await cme_client.patch("/t/alpha/api/profile", json={"email": "bad"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "email"
    with scope(world.tenant):
        account = await Account.objects().where(Account.id == created["account_id"]).first()
        assert (account.phone, account.email) == ("13800000001", "z@example.cn")
        assert await AuditEvent.exists().where(AuditEvent.action == "personnel.profile.update")
    assert (await cme_client.get(API)).status_code == 403


async def test_demo_people_are_valid_and_loaded_once(cme_app, tenant_factory, cme_scope):
    tenant = await tenant_factory(slug="zj", plugin="zhejiang")
    await load_demo(cme_app.state.plugin_manager, tenant)
    with scope(tenant):
        rows = await Person.select(Person.id_sealed, Person.institution, Person.title_level, Person.account)
        institutions = await Institution.count()
        assert len(rows) == institutions * 12 + 1
        assert all(is_id_number(unseal(r["id_sealed"])) for r in rows)
        assert {r["title_level"] for r in rows} == {"初级", "中级", "副高", "正高"}
        learner = await Person.select().where(Person.id_hash == lookup_hash(DEMO_LEARNER_ID)).first()
        account = await Account.objects().where(Account.id == learner["account"]).first()
        assert account.username == learner["person_number"] and account.must_change_password
        assert await PersonYear.count() > len(rows)
    await load_demo(cme_app.state.plugin_manager, tenant)
    with scope(tenant):
        assert await Person.count() == len(rows)


async def test_vocabulary_and_openapi(cme_client, world, login):
    await login(cme_client, world.tenant, "department")
    vocabulary = (await cme_client.get("/t/alpha/api/personnel/vocabulary")).json()
    assert vocabulary["titles"]["主任医师"] == "正高" and "退休" in vocabulary["statuses"]
    schema = (await cme_client.get("/schema/openapi.json")).json()
    assert {"/api/personnel/people", "/api/personnel/people/{person_id}/reveal", "/api/profile"} <= set(
        schema["paths"]
    )
    assert "PersonIn" in str(schema["components"]["schemas"].keys())
