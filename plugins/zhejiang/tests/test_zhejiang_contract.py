"""Zhejiang passes the plugin contract; its settings reject bad values; its policy page uses them."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from cme_platform.plugins.manager import get_plugin_manager
from cme_platform.tenancy.sync import parse_tenant_file
from cme_platform.testkit.contract import PluginContract
from cme_zhejiang.credits import CREDIT_CATEGORIES
from cme_zhejiang.pages import effective_delay_text
from cme_zhejiang.settings import ZhejiangSettings
from cme_zhejiang.standards import guided_standards

TENANT_FILE = Path(__file__).resolve().parents[3] / "tenants" / "zhejiang.toml"


class TestZhejiangContract(PluginContract):
    __test__ = True
    plugin_name = "zhejiang"


@pytest.mark.parametrize(
    "settings",
    [
        {"credit_effective_delay_days": -1},
        {"credit_effective_delay_days": 31},
        {"credit_effective_delay_days": 1.5},
        {"learner_self_entry_requires_grant": "true"},
        {"out_of_province_credits_need_review": 1},
        {"credit_delay": 1},
    ],
)
def test_invalid_settings_are_rejected(settings):
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(settings, ZhejiangSettings)


def test_defaults_follow_the_seeds():
    defaults = msgspec.convert({}, ZhejiangSettings)
    assert defaults.credit_effective_delay_days == 1
    assert defaults.learner_self_entry_requires_grant is True
    assert defaults.out_of_province_credits_need_review is True


def test_the_tenant_file_validates():
    spec = parse_tenant_file(TENANT_FILE, get_plugin_manager())
    assert spec.plugin == "zhejiang" and spec.name == "浙江省继续医学教育委员会"
    assert msgspec.convert(spec.settings, ZhejiangSettings).credit_effective_delay_days == 1


@pytest.mark.parametrize(("days", "text"), [(0, "当日生效"), (1, "次日生效"), (3, "3日后生效")])
def test_effective_delay_wording(days, text):
    assert text in effective_delay_text(days)


def test_vocabulary_has_class_one_and_two_and_the_guided_rules():
    assert [c.name for c in CREDIT_CATEGORIES] == ["I类学分", "II类学分"]
    assert "省级继续医学教育项目" in CREDIT_CATEGORIES[0].subcategories
    rules = guided_standards(2025)
    assert len(rules) == 13 and rules[0].name == "2025赴外省获得学分（国家级）"
    assert rules[0].text == "每3小时授予1分(最高限分10)"
    assert [r.text for r in rules[11:]] == [
        "第一作者（通讯作者）25分 第二作者15分 第三作者10分",
        "第一作者（通讯作者）15分 第二作者10分",
    ]


async def test_policy_page_shows_the_tenants_settings(cme_client, tenant_factory):
    await tenant_factory(
        slug="zj",
        plugin="zhejiang",
        settings={"credit_effective_delay_days": 0, "learner_self_entry_requires_grant": False},
    )
    page = await cme_client.get("/t/zj/p/zhejiang/policy")
    assert page.status_code == 200
    assert "审核通过的个人学分当日生效" in page.text and "无需单位另行开通权限" in page.text
    assert "II类学分" in page.text and "赴国（境）外进修或培训满三个月" in page.text
    assert "年度学分不少于25分；I类学分不少于5分" in page.text
