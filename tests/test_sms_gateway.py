"""Choosing the SMS gateway: a province plugin's ``cme_sms_gateway`` answer replaces the console gateway,
and a failing gateway keeps nothing."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity import sms
from cme_platform.identity.sms_gateway import ConsoleGateway, SmsGateway
from cme_platform.identity.tables import Account, SmsCode
from cme_platform.plugins import hookimpl
from cme_platform.plugins.types import PluginInfo
from test_sms import CODE_RE, PHONE, send


class FailingGateway:
    """A gateway that cannot hand messages over."""

    async def send(self, phone: str, text: str) -> None:
        raise ConnectionError("gateway down")


class RecordingGateway:
    """A province gateway that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))


class SmsProvince:
    """A test province plugin whose tenants send through :attr:`gateway`."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="smsprov", title="短信测试省", province="测试省", version="1")

    @hookimpl
    def cme_sms_gateway(self, tenant: Any) -> Any:
        return self.gateway


GATEWAYS: dict[str, Any] = {"recording": RecordingGateway(), "failing": FailingGateway()}


@pytest.fixture(params=sorted(GATEWAYS))
def gateway(request: pytest.FixtureRequest) -> Any:
    return GATEWAYS[request.param]


@pytest.fixture(autouse=True)
def _sms_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="cme.sms")


@pytest.fixture
def cme_plugins(gateway: Any) -> dict[str, Any]:
    """Only the test province, which answers ``cme_sms_gateway`` with the test's gateway."""
    return {"smsprov": SmsProvince(gateway)}


async def test_a_province_gateway_is_chosen_through_the_hook(
    cme_client: Any,
    tenant_factory: Any,
    account_factory: Any,
    cme_scope: Any,
    gateway: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    province = await tenant_factory(slug="alpha", plugin="smsprov")
    alice = await account_factory(province, "alice")
    with cme_scope(province):
        await Account.update({Account.phone: PHONE}).where(Account.id == alice)
    response = await send(cme_client, "/t/alpha/login/sms")
    assert not [r for r in caplog.records if CODE_RE.search(r.getMessage())]  # not the console
    with cme_scope(province):
        kept = await SmsCode.count()
        sent = await AuditEvent.count().where(AuditEvent.action == "auth.sms_sent")
    if isinstance(gateway, FailingGateway):
        assert response.status_code == 503 and sms.SEND_FAILED in response.text
        assert kept == 0 and sent == 0  # rolled back: the person may try again at once
    else:
        assert response.status_code == 200
        phone, text = gateway.sent[-1]
        assert phone == PHONE and re.search(r"验证码为 \d{6}", text) and "测试租户 alpha" in text
        assert kept == 1 and sent == 1


class Silent:
    """A province plugin that leaves the gateway to the core."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="silent", title="默认短信省", province="测试省", version="1")


def test_without_a_province_gateway_the_console_gateway_is_used(gateway: Any) -> None:
    from cme_platform.plugins.manager import build_plugin_manager, tenant_hooks
    from cme_platform.tenancy.context import TenantContext

    pm = build_plugin_manager({"silent": Silent(), "smsprov": SmsProvince(gateway)})
    silent = TenantContext(id=1, slug="s", name="默认", plugin="silent")
    chosen = tenant_hooks(pm, silent).cme_sms_gateway()
    assert isinstance(chosen, ConsoleGateway) and isinstance(chosen, SmsGateway)
    other = TenantContext(id=2, slug="p", name="省", plugin="smsprov")
    assert tenant_hooks(pm, other).cme_sms_gateway() is gateway
