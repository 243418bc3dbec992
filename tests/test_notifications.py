"""站内消息: a learner is told when his credit is returned (with the reason), approved or effective; the
header counts what is unread; reading one or all; nobody reads another's; the SMS copy a province asks for;
the uploader of an import is told how it ended."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from cme_platform.events import CreditChange, emit
from cme_platform.identity.tables import Account
from cme_platform.notifications.service import notify
from cme_platform.notifications.tables import Notification
from cme_platform.plugins import hookimpl
from cme_platform.plugins.manager import build_plugin_manager, using_plugin_manager
from cme_platform.plugins.types import PluginInfo
from cme_platform.tenancy.scope import scope
from test_credits_entry import API, guided, open_grant
from test_credits_entry import zj as zj  # the fixture, shared
from test_credits_review import decide, submitted

PAGES = "/t/beta"


async def messages(client: Any, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/notifications", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_returned_credit_reaches_the_learner_with_its_reason(cme_client, zj, login):
    await open_grant(zj.w)
    record = await submitted(cme_client, login, zj, guided("zj-05", days=2))
    assert (await messages(cme_client))["total"] == 0
    await login(cme_client, zj.w.tenant, "department")
    await decide(cme_client, record["id"], "return", "请补充进修证明")
    assert (await messages(cme_client))["total"] == 0  # the approver gets nothing

    await login(cme_client, zj.w.tenant, "learner")
    mine = await messages(cme_client)
    assert mine["unread"] == 1 and mine["total"] == 1
    message = mine["items"][0]
    assert message["kind"] == "credits.returned" and message["kind_label"] == "学分退回"
    assert message["title"].startswith("学分被退回") and message["body"] == "审核意见：请补充进修证明"
    assert message["path"] == f"/credits/{record['id']}" and message["read"] is False

    home = (await cme_client.get(f"{PAGES}/")).text
    assert 'aria-label="1 条未读"' in home
    page = (await cme_client.get(f"{PAGES}/notifications")).text
    assert "请补充进修证明" in page and "未读" in page and "全部标为已读" in page
    opened = await cme_client.get(f"{PAGES}/notifications/{message['id']}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"{PAGES}/credits/{record['id']}"
    assert (await messages(cme_client))["unread"] == 0
    assert "条未读" not in (await cme_client.get(f"{PAGES}/")).text

    await login(cme_client, zj.w.tenant, "surgeon")  # another learner of the same hospital
    assert (await cme_client.post(f"{API}/notifications/{message['id']}/read")).status_code == 404
    assert (await cme_client.get(f"{API}/notifications/{message['id']}")).status_code == 404
    assert (await messages(cme_client))["total"] == 0


async def test_approval_and_effect_are_announced_and_read_all_clears_them(cme_app, cme_client, zj, login):
    await open_grant(zj.w)
    record = await submitted(cme_client, login, zj, guided("zj-05", days=2))
    for approver in ("department", "institution"):
        await login(cme_client, zj.w.tenant, approver)
        assert (await decide(cme_client, record["id"], "approve")).status_code == 200
    change = CreditChange(
        action="effective", record_ids=(record["id"],), person_ids=(zj.person_id,), years=(2026,)
    )
    with scope(zj.w.tenant):  # what the daily job raises the next day (Zhejiang counts from then)
        await emit(cme_app.state.plugin_manager, zj.w.tenant, "cme_credit_effective", change=change)
    await login(cme_client, zj.w.tenant, "learner")
    mine = await messages(cme_client)
    assert [m["kind"] for m in mine["items"]] == ["credits.effective", "credits.approved"]
    assert "将于" in mine["items"][1]["body"] and "已计入本年度学分" in mine["items"][0]["body"]
    assert (await messages(cme_client, unread="true"))["total"] == 2
    done = await cme_client.post(f"{PAGES}/notifications/read-all", follow_redirects=True)
    assert "已将 2 条消息标为已读" in done.text
    assert (await messages(cme_client, unread="true"))["total"] == 0
    again = await cme_client.post(f"{API}/notifications/read-all")
    assert again.status_code == 200 and again.json() == {"marked": 0, "unread": 0}


class SmsProvince:
    """A province that asks for an SMS copy of returned credits only."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="smsprov", title="短信测试省", province="测试省", version="1")

    @hookimpl
    def cme_notification_sms(self, tenant: Any, notification: Any) -> bool:
        return notification.kind == "credits.returned"


async def test_a_province_sends_chosen_messages_by_sms_too(tenant_factory, account_factory, caplog):
    pm = build_plugin_manager({"smsprov": SmsProvince()})
    tenant = await tenant_factory(slug="smsprov", plugin="smsprov")
    nurse = await account_factory(tenant, "nurse")
    with scope(tenant), using_plugin_manager(pm), caplog.at_level(logging.INFO, logger="cme.sms"):
        await Account.update({Account.phone: "13800138000"}).where(Account.id == nurse)
        await notify([nurse], kind="credits.returned", title="学分被退回：甲", path="/credits/1")
        await notify([nurse, nurse], kind="credits.approved", title="学分审核通过：乙")
        rows = await Notification.select(Notification.kind).where(Notification.account == nurse)
    assert sorted(r["kind"] for r in rows) == ["credits.approved", "credits.returned"]  # duplicates once
    sent = [r.getMessage() for r in caplog.records if r.name == "cme.sms"]
    assert len(sent) == 1 and "【" in sent[0] and "学分被退回：甲" in sent[0] and "13800138000" not in sent[0]


@pytest.mark.parametrize("bad", ["0", "abc", "99999999999999999999"])
async def test_bad_message_ids_are_refused(cme_client, zj, login, bad):
    await login(cme_client, zj.w.tenant, "learner")
    response = await cme_client.post(f"{API}/notifications/{bad}/read")
    assert response.status_code in (400, 404) and response.json()["message"]
