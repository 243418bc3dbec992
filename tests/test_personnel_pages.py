"""The people registry's pages: list, add, edit, detail with years, reveal, batch, change log, profile."""

from __future__ import annotations

import re
from typing import Any

from cme_platform.audit.tables import AuditEvent
from cme_platform.identity.tables import Account
from cme_platform.personnel.tables import Person, PersonYear
from cme_platform.tenancy.scope import scope
from test_personnel_api import MALE_ID, resident_id

BASE = "/t/alpha"


def form(world: Any, **extra: str) -> dict[str, Any]:
    values = {
        "institution_id": str(world.institution_id),
        "department_id": str(world.department_id),
        "id_type": "居民身份证",
        "id_number": MALE_ID,
        "name": "张三",
        "gender": "男",
        "phone": "13912345678",
        "title": "主治医师",
        "specialty": "心血管内科",
        "establishment": "在编",
        "status": "正常",
    }
    return {**values, **extra}


async def add(client: Any, world: Any, **extra: str) -> int:
    response = await client.post(f"{BASE}/personnel/new", data=form(world, **extra), follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    match = re.search(r"/personnel/(\d+)\?saved=1", response.headers["location"])
    assert match
    return int(match.group(1))


async def test_admin_adds_edits_and_lists_people(cme_client, world, login):
    await login(cme_client, world.tenant, "institution")
    page = await cme_client.get(f"{BASE}/personnel/new")
    assert page.status_code == 200 and "添加人员" in page.text and 'name="_csrf"' in page.text
    bad = await cme_client.post(
        f"{BASE}/personnel/new", data=form(world, id_number=MALE_ID[:-1] + "0"), follow_redirects=False
    )
    assert bad.status_code == 400 and "校验位不正确" in bad.text and "field-error" in bad.text
    person_id = await add(cme_client, world)
    detail = await cme_client.get(f"{BASE}/personnel/{person_id}")
    assert detail.status_code == 200 and "显示完整证件号" in detail.text and MALE_ID not in detail.text
    assert "状态/职称变动情况" in detail.text

    listing = await cme_client.get(f"{BASE}/personnel", params={"q": "张", "sort": "name", "desc": "true"})
    assert listing.status_code == 200
    assert f"{MALE_ID[:3]}*****{MALE_ID[-2:]}" in listing.text and "139****5678" in listing.text
    assert MALE_ID not in listing.text and "13912345678" not in listing.text
    assert "/personnel/export.xlsx?" in listing.text and "点击后将影响达标结果" in listing.text

    edit = await cme_client.get(f"{BASE}/personnel/{person_id}/edit")
    assert edit.status_code == 200 and MALE_ID not in edit.text
    values = form(world, id_number="", specialty="全科医学")
    saved = await cme_client.post(f"{BASE}/personnel/{person_id}/edit", data=values, follow_redirects=False)
    assert saved.status_code == 303, saved.text[-2000:]
    with scope(world.tenant):
        row = await Person.select(Person.specialty, Person.id_hash).where(Person.id == person_id).first()
        assert row["specialty"] == "全科医学"

    revealed = await cme_client.post(f"{BASE}/personnel/{person_id}/reveal", follow_redirects=False)
    assert revealed.status_code == 200 and MALE_ID in revealed.text
    log = await cme_client.get(f"{BASE}/personnel/{person_id}/log")
    assert log.status_code == 200 and "机构添加人员" in log.text and "全科医学" in log.text
    assert "专业：" in log.text and "单位：（空） → " in log.text  # labels, and the unit by name
    assert "title_level" not in log.text and "（空） → （空）" not in log.text
    assert f"单位：（空） → {world.institution_id}<" not in log.text


async def test_years_batch_and_department_admin(cme_client, world, login, cme_scope):
    await login(cme_client, world.tenant, "institution")
    first = await add(cme_client, world)
    second = await add(cme_client, world, id_number=resident_id("19800101", "222"), name="李四", gender="女")
    new_year = await cme_client.post(
        f"{BASE}/personnel/{first}/years/new",
        data={"year": "2021", "title": "医师", "status": "正常", "institution_id": str(world.institution_id)},
        follow_redirects=False,
    )
    assert new_year.status_code == 303, new_year.text[-2000:]
    detail = (await cme_client.get(f"{BASE}/personnel/{first}")).text
    assert "2021" in detail and "医师" in detail
    with scope(world.tenant):
        entry = await PersonYear.select(PersonYear.id).where(PersonYear.year == 2021).first()
    assert f"/years/{entry['id']}/edit" in detail
    edit = await cme_client.post(
        f"{BASE}/personnel/{first}/years/{entry['id']}/edit",
        data={
            "year": "2021",
            "title": "主治医师",
            "status": "正常",
            "institution_id": str(world.institution_id),
        },
        follow_redirects=False,
    )
    assert edit.status_code == 303
    deleted = await cme_client.post(
        f"{BASE}/personnel/{first}/years/{entry['id']}/delete", follow_redirects=False
    )
    assert deleted.status_code == 303

    ask = await cme_client.post(
        f"{BASE}/personnel/batch", data={"ids": [first, second], "status": "退休"}, follow_redirects=False
    )
    assert ask.status_code == 200 and "确认修改" in ask.text and "点击后将影响达标结果" in ask.text
    done = await cme_client.post(
        f"{BASE}/personnel/batch",
        data={"ids": [first, second], "status": "退休", "confirmed": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("saved=2")
    with scope(world.tenant):
        assert await AuditEvent.count().where(AuditEvent.action == "personnel.person.batch_update") == 2

    await login(cme_client, world.tenant, "department")
    listing = await cme_client.get(f"{BASE}/personnel")
    assert listing.status_code == 200 and "李四" in listing.text
    detail = await cme_client.get(f"{BASE}/personnel/{first}")
    assert detail.status_code == 200 and "显示完整证件号" not in detail.text
    assert (
        await cme_client.post(f"{BASE}/personnel/{first}/reveal", follow_redirects=False)
    ).status_code == 403


async def test_learner_profile_page(cme_client, world, login, cme_scope):
    await login(cme_client, world.tenant, "institution")
    person_id = await add(cme_client, world)
    with scope(world.tenant):
        account_id = (await Person.select(Person.account).where(Person.id == person_id).first())["account"]
        await Account.update({Account.must_change_password: False}).where(Account.id == account_id)
    await login(cme_client, world.tenant, MALE_ID, MALE_ID[-6:])
    page = await cme_client.get(f"{BASE}/profile")
    assert page.status_code == 200 and "个人资料" in page.text and "状态/职称变动情况" in page.text
    assert MALE_ID not in page.text
    bad = await cme_client.post(f"{BASE}/profile", data={"phone": "123", "email": ""}, follow_redirects=False)
    assert bad.status_code == 400 and "应为11位手机号码" in bad.text
    ok = await cme_client.post(
        f"{BASE}/profile",
        data={"phone": "13800000002", "email": "a@b.cn", "name": "改名"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    with scope(world.tenant):
        row = await Person.select(Person.name, Person.phone).where(Person.id == person_id).first()
        assert row == {"name": "张三", "phone": "13800000002"}
    assert (await cme_client.get(f"{BASE}/personnel")).status_code in (303, 403)
