"""Beijing passes the plugin contract; its settings reject out-of-range values; its pages use them."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from cme_beijing.pages import ACTIVITY_FORMS
from cme_beijing.settings import BeijingSettings
from cme_beijing.standards import STANDARDS
from cme_platform.identity.roles import Role
from cme_platform.plugins.manager import get_plugin_manager
from cme_platform.plugins.settings_view import setting_rows
from cme_platform.tenancy.sync import parse_tenant_file
from cme_platform.testkit.contract import PluginContract

TENANT_FILE = Path(__file__).resolve().parents[3] / "tenants" / "beijing.toml"


class TestBeijingContract(PluginContract):
    __test__ = True
    plugin_name = "beijing"


@pytest.mark.parametrize(
    "settings",
    [
        {"audit_sample_rate": 1.5},
        {"audit_sample_rate": -0.1},
        {"credit_year_start_month": 0},
        {"credit_year_start_month": 13},
        {"self_study_credit_cap": 0},
        {"supervision_allow_late_reports": "yes"},
        {"audit_rate": 0.1},
    ],
)
def test_invalid_settings_are_rejected(settings):
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(settings, BeijingSettings)


def test_defaults_follow_the_seed():
    defaults = msgspec.convert({}, BeijingSettings)
    assert defaults.self_study_credit_cap == 10 and defaults.supervision_allow_late_reports is False
    assert defaults.credit_year_start_month == 1 and 0 < defaults.audit_sample_rate < 1


def test_the_tenant_file_validates():
    spec = parse_tenant_file(TENANT_FILE, get_plugin_manager())
    assert spec.plugin == "beijing" and spec.name == "北京市继续医学教育委员会"
    assert msgspec.convert(spec.settings, BeijingSettings).audit_sample_rate == 0.05


def test_vocabulary_has_the_seven_forms_and_twenty_standards():
    assert len(ACTIVITY_FORMS) == 7 and ACTIVITY_FORMS[5].name == "有计划的自学"
    assert len(STANDARDS) == 20 and STANDARDS[13].name == "住院医师规范化培训"


def test_setting_rows_describe_every_setting():
    rows = setting_rows(BeijingSettings, {"audit_sample_rate": 0.1})
    assert [r.key for r in rows] == list(BeijingSettings.__struct_fields__)
    changed = {r.key for r in rows if r.changed}
    assert changed == {"audit_sample_rate"} and all(r.description != r.key for r in rows)


async def test_policy_page_shows_the_tenants_settings(cme_client, tenant_factory):
    await tenant_factory(
        slug="bj",
        plugin="beijing",
        settings={"audit_sample_rate": 0.08, "supervision_allow_late_reports": True},
    )
    page = await cme_client.get("/t/bj/p/beijing/policy")
    assert page.status_code == 200
    assert "默认抽取比例为 8%" in page.text and "可补报" in page.text
    assert "统管医院" in page.text and "住院医师规范化培训" in page.text


async def test_settings_page_is_for_the_commission_only(cme_client, tenant_factory, account_factory, login):
    tenant = await tenant_factory(slug="bj", plugin="beijing")
    await account_factory(tenant, "inst", [(Role.INSTITUTION_ADMIN, {})])
    await login(cme_client, tenant, "inst")
    response = await cme_client.get("/t/bj/province/settings", follow_redirects=False)
    assert response.status_code == 403
    await account_factory(tenant, "chief", [(Role.COMMISSION_ADMIN, {})])
    await login(cme_client, tenant, "chief")
    page = await cme_client.get("/t/bj/province/settings")
    assert (
        page.status_code == 200 and "学分审验默认抽取比例" in page.text and "audit_sample_rate" in page.text
    )
