"""The organisation pages: signed-in admins list, create, edit and deactivate; errors come back in Chinese."""

from __future__ import annotations

from cme_platform.orgs.tables import Department, Institution
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.pytest_plugin import submit_login

BASE = "/t/alpha"


async def test_anonymous_visitors_are_sent_to_the_login_page(cme_client, world):
    r = await cme_client.get(f"{BASE}/orgs/institutions", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{BASE}/login?next=%2Forgs%2Finstitutions"


async def test_login_failure_is_explained(cme_client, world):
    r = await submit_login(cme_client, world.tenant, "commission", "wrong")
    assert r.status_code == 400 and "用户名或密码错误" in r.text


async def test_commission_admin_creates_and_edits_an_institution(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    page = await cme_client.get(f"{BASE}/orgs/institutions")
    assert page.status_code == 200 and "A医院1" in page.text and "新增单位" in page.text
    form = await cme_client.get(f"{BASE}/orgs/institutions/new")
    assert "单位级别" in form.text and "A区1" in form.text

    bad = await cme_client.post(
        f"{BASE}/orgs/institutions/new",
        data={"name": "", "code": "N 1", "level": "三级医院", "staff_count": "x"},
    )
    assert bad.status_code == 400 and "field-error" in bad.text
    created = await cme_client.post(
        f"{BASE}/orgs/institutions/new",
        data={
            "name": "新建医院",
            "code": "NEW-9",
            "level": "三级医院",
            "category": "中医",
            "region_id": str(world.region_id),
            "staff_count": "80",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    duplicate = await cme_client.post(
        f"{BASE}/orgs/institutions/new",
        data={"name": "重复", "code": "NEW-9", "level": "三级医院", "category": "综合"},
    )
    assert duplicate.status_code == 400 and "该单位编码已被使用" in duplicate.text

    with scope(world.tenant):
        new = await Institution.objects().where(Institution.code == "NEW-9").first()
    assert new.category == "中医" and new.staff_count == 80 and new.region == world.region_id
    edit = await cme_client.get(f"{BASE}/orgs/institutions/{new.id}/edit")
    assert 'value="新建医院"' in edit.text
    saved = await cme_client.post(
        f"{BASE}/orgs/institutions/{new.id}/edit",
        data={
            "name": "新建医院（更名）",
            "code": "NEW-9",
            "level": "三级医院",
            "category": "中医",
            "region_id": "",
            "staff_count": "81",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    await cme_client.post(f"{BASE}/orgs/institutions/{new.id}/active", data={"active": "0"})
    with scope(world.tenant):
        new = await Institution.objects().where(Institution.id == new.id).first()
    assert new.name == "新建医院（更名）" and new.region is None and new.active is False
    inactive = await cme_client.get(f"{BASE}/orgs/institutions", params={"active": "0"})
    assert "新建医院（更名）" in inactive.text and "A医院1" not in inactive.text


async def test_institution_admin_manages_departments_of_his_institution(cme_client, world, login):
    await login(cme_client, world.tenant, "institution")
    home = await cme_client.get(f"{BASE}/")
    assert "科室" in home.text and "区域" not in home.text.split("<main")[0]
    page = await cme_client.get(f"{BASE}/orgs/departments")
    assert "A医院1" in page.text and "A医院2" not in page.text
    r = await cme_client.post(
        f"{BASE}/orgs/departments/new",
        data={"institution_id": str(world.institution_id), "name": "眼科"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    refused = await cme_client.post(
        f"{BASE}/orgs/departments/new",
        data={"institution_id": str(world.other_institution_id), "name": "眼科"},
    )
    assert refused.status_code == 400 and "所属单位不存在" in refused.text
    assert (await cme_client.get(f"{BASE}/orgs/regions")).status_code == 403
    with scope(world.tenant):
        names = {d["name"] for d in await Department.select(Department.name)}
    assert names == {"内科", "眼科"}


async def test_learners_get_a_friendly_403(cme_client, world, login):
    await login(cme_client, world.tenant, "learner")
    r = await cme_client.get(f"{BASE}/orgs/institutions")
    assert r.status_code == 403 and "没有权限" in r.text and "<html" in r.text
