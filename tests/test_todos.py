"""What waits: the approver's inbox by kind, the learner's returned credit with its reason, drafts and the
year's progress, on the home page and from ``GET /api/todos``; a province adds its own through the hook."""

from __future__ import annotations

from typing import Any

from cme_platform import clock
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.identity.roles import Role
from cme_platform.plugins import hookimpl
from cme_platform.plugins.manager import build_plugin_manager
from cme_platform.plugins.types import PluginInfo, Todo
from cme_platform.tenancy.scope import scope
from cme_platform.todos.service import todos_for
from test_credits_entry import API, create, guided, open_grant, upload
from test_credits_entry import zj as zj  # the fixture, shared
from test_credits_review import decide, submitted

HOME = "/t/beta/"


async def todos(client: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/todos")
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_the_approver_and_the_learner_each_see_what_waits_for_them(cme_client, zj, login):
    await open_grant(zj.w)
    record = await submitted(cme_client, login, zj, guided("zj-05", days=2))
    evidence = [await upload(zj.w, "learner")]
    draft = await create(cme_client, {**guided("zj-05", days=4), "evidence_ids": evidence})
    assert draft["status"] == "draft"

    await login(cme_client, zj.w.tenant, "department")
    waiting = await todos(cme_client)
    assert [(t["label"], t["count"], t["path"]) for t in waiting] == [
        ("待我审核：个人学分", 1, "/approvals?kind=credit")
    ]
    home = await cme_client.get(HOME)
    assert "待办事项" in home.text and "待我审核：个人学分" in home.text
    assert 'href="/t/beta/approvals?kind=credit"' in home.text
    await decide(cme_client, record["id"], "return", "请补充进修证明")
    assert await todos(cme_client) == []
    assert "暂无待办事项" in (await cme_client.get(HOME)).text

    await login(cme_client, zj.w.tenant, "learner")
    mine = await todos(cme_client)
    returned, drafts, progress = mine
    assert returned["path"] == f"/credits/{record['id']}" and returned["label"].startswith("已退回")
    assert returned["hint"] == "审核意见：请补充进修证明" and returned["tone"] == "action"
    assert (drafts["label"], drafts["count"], drafts["path"]) == ("未上报的学分", 1, "/credits?status=draft")
    year = clock.today().year  # the test person has no title, so no standard of the province applies
    assert (progress["path"], progress["label"]) == (
        "/my/compliance",
        f"{year} 年度已获 0 学分（无适用标准）",
    )
    home = (await cme_client.get(HOME)).text
    assert "请补充进修证明" in home and f'href="/t/beta/credits/{record["id"]}"' in home
    for todo in mine:  # every link opens for the learner
        assert (await cme_client.get(f"/t/beta{todo['path']}")).status_code == 200


class TodoProvince:
    """A province with one to-do of its own for everybody."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="todoprov", title="待办测试省", province="测试省", version="1")

    @hookimpl
    def cme_todos(self, tenant: Any, principal: Any) -> list[Todo]:
        return [Todo(label=f"{principal.display_name}：请确认本年度培训计划", path="/", order=50)]


async def test_a_provinces_to_dos_join_the_cores_in_order(tenant_factory, account_factory, cme_client):
    pm = build_plugin_manager({"todoprov": TodoProvince()})
    tenant = await tenant_factory(slug="todos", plugin="todoprov")
    account_id = await account_factory(tenant, "chief", [(Role.COMMISSION_ADMIN, {})])
    with scope(tenant):
        principal = await load_principal_by_id(account_id)
        assert principal is not None
        labels = [t.label for t in await todos_for(pm, tenant, principal)]
    assert labels == ["chief 测试：请确认本年度培训计划"]
    assert (await cme_client.get("/t/todos/api/todos")).status_code == 401
