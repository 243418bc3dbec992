"""Jiangsu passes the plugin contract; its settings reject bad values; its workflow page uses them."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from cme_jiangsu.pages import CHECKIN_FIELDS, workflow_steps
from cme_jiangsu.settings import JiangsuSettings
from cme_platform.plugins.manager import get_plugin_manager
from cme_platform.tenancy.sync import parse_tenant_file
from cme_platform.testkit.contract import PluginContract

TENANT_FILE = Path(__file__).resolve().parents[3] / "tenants" / "jiangsu.toml"


class TestJiangsuContract(PluginContract):
    __test__ = True
    plugin_name = "jiangsu"


@pytest.mark.parametrize(
    "settings",
    [
        {"attendee_list_deadline_days": 0},
        {"attendee_list_deadline_days": 91},
        {"grant_review_deadline_days": "14"},
        {"qr_refresh_minutes": 0},
        {"qr_refresh_minutes": 10081},
        {"checkin_window": 30},
    ],
)
def test_invalid_settings_are_rejected(settings):
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(settings, JiangsuSettings)


def test_defaults_follow_the_seed():
    defaults = msgspec.convert({}, JiangsuSettings)
    assert defaults.attendee_list_deadline_days == 14 and defaults.grant_review_deadline_days == 14
    assert defaults.qr_refresh_minutes == 24 * 60


def test_the_tenant_file_validates():
    spec = parse_tenant_file(TENANT_FILE, get_plugin_manager())
    assert spec.plugin == "jiangsu" and spec.name == "江苏省继续医学教育委员会"
    assert msgspec.convert(spec.settings, JiangsuSettings).attendee_list_deadline_days == 14


def test_workflow_fills_in_the_deadlines():
    steps = workflow_steps(JiangsuSettings(attendee_list_deadline_days=10, qr_refresh_minutes=90))
    text = " ".join(s.detail for s in steps)
    assert "项目举办结束后10天内" in text and "每90分钟刷新" in text
    assert steps[0].title == "项目公布" and steps[-1].title == "证书查询与打印"
    assert "是否来自基层" in CHECKIN_FIELDS


async def test_workflow_page_shows_the_tenants_settings(cme_client, tenant_factory):
    await tenant_factory(slug="js", plugin="jiangsu", settings={"grant_review_deadline_days": 10})
    page = await cme_client.get("/t/js/p/jiangsu/workflow")
    assert page.status_code == 200
    assert "收到学员名单后 10 天内" in page.text and "每1天刷新" in page.text
