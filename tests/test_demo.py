"""The demo: one account for every role in every tenant; a home page that shows only what each role may do."""

from __future__ import annotations

import re
from typing import Any

from cme_admin_ui.shell import menu_for
from cme_platform import pii
from cme_platform.certificates.demo import load_demo_recognitions
from cme_platform.certificates.tables import Certificate, Recognition
from cme_platform.demo import DEMO_LEARNER_ID, DEMO_PASSWORD, load_demo
from cme_platform.identity.id_number import is_id_number
from cme_platform.identity.password_login import password_matches
from cme_platform.identity.passwords import hash_password, verify_password
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.orgs.tables import Institution
from cme_platform.personnel import vocab
from cme_platform.personnel.account_link import find_login_account
from cme_platform.personnel.excel_template import EXAMPLE_ROW
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.scope import scope

CARD_RE = re.compile(r'<li class="card"><a href="([^"]+)">')


async def _demo_tenant(cme_app: Any, tenant_factory: Any) -> tuple[Any, list[Any]]:
    tenant = await tenant_factory(slug="zj", plugin="zhejiang", name="演示省继教委")
    return tenant, await load_demo(cme_app.state.plugin_manager, tenant)


async def test_demo_has_one_account_for_every_role_and_is_idempotent(cme_app, tenant_factory):
    tenant, logins = await _demo_tenant(cme_app, tenant_factory)
    assert [login.role for login in logins] == list(Role)
    learner = next(login for login in logins if login.role is Role.LEARNER)
    assert learner.username == DEMO_LEARNER_ID and is_id_number(DEMO_LEARNER_ID)
    assert learner.password == DEMO_LEARNER_ID[-6:]
    with scope(tenant):
        accounts = {a.username: a for a in await Account.objects()}
        people = await Person.count()
        # one account per role, and every other registered person has a learner account of its own
        assert len(accounts) == len(Role) - 1 + people
        assert await Person.count().where(Person.account.is_null()) == 0
        example = EXAMPLE_ROW["证件号码"]  # the import template's example row is nobody of the demo
        assert not await Person.exists().where(Person.id_hash == pii.lookup_hash(example))
        for login in logins:
            account = accounts.get(login.username) or await find_login_account(login.username)
            assert await password_matches(account, login.password)
            assert account.must_change_password is (login.role is Role.LEARNER)
        await Account.update({Account.password_hash: hash_password("Changed@2026")}).where(
            Account.username == "admin"
        )
        grants = await RoleGrant.count()
        # the demo learner's granted project credit comes with its certificate
        learner_person = await Person.select(Person.id).where(
            Person.id_hash == pii.lookup_hash(DEMO_LEARNER_ID)
        )
        held = await Certificate.select(Certificate.number, Certificate.status).where(
            Certificate.person == learner_person[0]["id"]
        )
        assert [c["status"] for c in held] == ["valid"] and held[0]["number"].startswith("ZJ")
    await load_demo(cme_app.state.plugin_manager, tenant)
    with scope(tenant):
        assert await Account.count() == len(accounts) and await RoleGrant.count() == grants
        assert await Person.count() == people
        admin = await Account.objects().where(Account.username == "admin").first()
        assert verify_password(admin.password_hash, "Changed@2026")
        assert not verify_password(admin.password_hash, DEMO_PASSWORD)


def _cards(html: str) -> set[str]:
    return set(CARD_RE.findall(html))


async def test_home_page_shows_each_role_only_its_own_entries(cme_app, cme_client, tenant_factory, login):
    tenant, logins = await _demo_tenant(cme_app, tenant_factory)
    pm = cme_app.state.plugin_manager
    prefix = f"/t/{tenant.slug}"
    with scope(tenant):
        # The forced first-login change of the learner is tested elsewhere; here it is done already.
        learner_account = await find_login_account(DEMO_LEARNER_ID)
        await Account.update({Account.must_change_password: False}).where(Account.id == learner_account.id)
        ids = {a["username"]: a["id"] for a in await Account.select(Account.username, Account.id)}
        ids[DEMO_LEARNER_ID] = learner_account.id
        expected: dict[Role, set[str]] = {}
        for demo in logins:
            principal = await load_principal_by_id(ids[demo.username])
            entries = [e for _, section in menu_for(pm, tenant, principal) for e in section if e.path != "/"]
            expected[demo.role] = {prefix + e.path for e in entries}
    every = set().union(*expected.values())
    assert expected[Role.LEARNER] != expected[Role.COMMISSION_ADMIN]
    assert f"{prefix}/accounts" in expected[Role.DEPARTMENT_ADMIN] - expected[Role.LEARNER]
    for demo in logins:
        cme_client.cookies.clear()
        await login(cme_client, tenant, demo.username, demo.password)
        page = await cme_client.get(f"{prefix}/")
        assert page.status_code == 200
        assert _cards(page.text) == expected[demo.role], demo.role
        for other in every - expected[demo.role]:
            assert f'href="{other}"' not in page.text, (demo.role, other)
        assert demo.role.label in page.text

    cme_client.cookies.clear()
    visitor = await cme_client.get(f"{prefix}/")
    public = {prefix + e.path for _, s in menu_for(pm, tenant, None) for e in s if e.path != "/"}
    assert _cards(visitor.text) == public
    assert f'href="{prefix}/login"' in visitor.text


async def test_home_page_names_the_org_units_of_the_roles(cme_app, cme_client, tenant_factory, login):
    tenant, logins = await _demo_tenant(cme_app, tenant_factory)
    dept_admin = next(d for d in logins if d.role is Role.DEPARTMENT_ADMIN)
    await login(cme_client, tenant, dept_admin.username, dept_admin.password)
    page = await cme_client.get(f"/t/{tenant.slug}/")
    assert dept_admin.scope in page.text and Role.DEPARTMENT_ADMIN.label in page.text


async def test_demo_reload_finds_people_moved_renamed_or_deactivated(cme_app, tenant_factory):
    """Reloading after every demo person of an institution moved away neither fails nor duplicates anyone."""
    tenant, _ = await _demo_tenant(cme_app, tenant_factory)
    with scope(tenant):
        learner = await Person.select(Person.institution).where(
            Person.id_hash == pii.lookup_hash(DEMO_LEARNER_ID)
        )
        institutions = [row["id"] for row in await Institution.select(Institution.id)]
        source = next(i for i in reversed(institutions) if i != learner[0]["institution"])
        target = next(i for i in institutions if i != source)
        moved = [row["id"] for row in await Person.select(Person.id).where(Person.institution == source)]
        assert moved
        await Person.update({Person.institution: target, Person.department: None}).where(
            Person.institution == source
        )
        await Person.update({Person.name: "改名演示", Person.status: vocab.STATUSES[1]}).where(
            Person.id == moved[0]
        )
        people, accounts = await Person.count(), await Account.count()
    await load_demo(cme_app.state.plugin_manager, tenant)
    with scope(tenant):
        assert await Person.count() == people and await Account.count() == accounts
        assert await Person.count().where(Person.institution == source) == 0
        hashes = [row["id_hash"] for row in await Person.select(Person.id_hash)]
        assert len(hashes) == len(set(hashes))


async def test_the_demo_recognises_a_zhejiang_certificate_in_jiangsu(cme_app, tenant_factory):
    pm = cme_app.state.plugin_manager
    jiangsu = await tenant_factory(slug="jiangsu", plugin="jiangsu", name="江苏省继续医学教育委员会")
    zhejiang = await tenant_factory(slug="zhejiang", plugin="zhejiang", name="浙江省继续医学教育委员会")
    for tenant in (jiangsu, zhejiang):
        await load_demo(pm, tenant)
    secret = cme_app.state.settings.secret_key
    assert await load_demo_recognitions(pm, secret, [jiangsu, zhejiang], DEMO_LEARNER_ID) == 2
    assert await load_demo_recognitions(pm, secret, [jiangsu, zhejiang], DEMO_LEARNER_ID) == 0
    with scope(jiangsu):
        [recognised] = await Recognition.select(
            Recognition.issuer, Recognition.number, Recognition.credit.status.as_alias("status")
        )
    assert recognised["issuer"] == "zhejiang" and recognised["number"].startswith("ZJ")
    assert recognised["status"] == "approved"
