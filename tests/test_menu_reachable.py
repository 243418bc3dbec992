"""No menu entry leads to a refusal: every entry of every demo role of every shipped tenant opens.

The tenants are the ones in ``tenants/`` (synced as ``cme demo`` does, settings included), each loaded with
its demo organisation and accounts; every role signs in, reads its menu from the start page and opens
each entry. A 403 or 404 there is a menu bug: the shell offered a page its role may not use.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cme_platform.demo import DEMO_LEARNER_ID, load_demo
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account
from cme_platform.personnel.account_link import find_login_account
from cme_platform.tenancy.registry import load_tenants
from cme_platform.tenancy.scope import scope
from cme_platform.tenancy.sync import read_tenant_dir, sync_tenants

TENANTS = Path(__file__).resolve().parents[1] / "tenants"
MENU_LINK = re.compile(r'<li><a href="([^"]+)"')


def _menu_links(html: str) -> list[str]:
    nav = html[html.find('<nav class="menu"') : html.find("</nav>")]
    return sorted(set(MENU_LINK.findall(nav)))


@pytest.mark.parametrize("slug", sorted(p.stem for p in TENANTS.glob("*.toml")))
async def test_every_menu_entry_of_every_demo_role_opens(
    cme_app: Any, cme_client: Any, login: Any, slug: str
):
    pm = cme_app.state.plugin_manager
    await sync_tenants([spec for spec in read_tenant_dir(TENANTS, pm) if spec.slug == slug])
    tenant = next(t for t in await load_tenants() if t.slug == slug)
    logins = await load_demo(pm, tenant)
    assert {demo.role for demo in logins} == set(Role)
    with scope(tenant):
        learner = await find_login_account(DEMO_LEARNER_ID)
        await Account.update({Account.must_change_password: False}).where(Account.id == learner.id)
    refused: list[str] = []
    for demo in logins:
        cme_client.cookies.clear()
        await login(cme_client, tenant, demo.username, demo.password)
        home = await cme_client.get(f"/t/{slug}/")
        links = _menu_links(home.text)
        assert links, f"{demo.role}: no menu on the start page"
        for link in links:
            response = await cme_client.get(link, follow_redirects=False)
            if response.status_code in (403, 404) or response.status_code >= 500:
                refused.append(f"{demo.role.value} {link} → {response.status_code}")
    assert not refused, "menu entries that lead to a refusal:\n" + "\n".join(refused)
