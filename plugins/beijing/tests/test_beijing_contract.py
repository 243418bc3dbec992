"""Beijing passes the plugin contract; its settings reject out-of-range values; its pages use them."""

from __future__ import annotations

import importlib
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
        {"credit_year_start_month": 1},  # removed: the credit year is the calendar year everywhere
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


def test_the_tenant_file_validates():
    spec = parse_tenant_file(TENANT_FILE, get_plugin_manager())
    assert spec.plugin == "beijing" and spec.name == "北京市继续医学教育委员会"
    assert msgspec.convert(spec.settings, BeijingSettings).self_study_credit_cap == 10


def test_vocabulary_has_the_seven_forms_and_twenty_standards():
    assert len(ACTIVITY_FORMS) == 7 and ACTIVITY_FORMS[5].name == "有计划的自学"
    assert len(STANDARDS) == 20 and STANDARDS[13].name == "住院医师规范化培训"


def test_setting_rows_describe_every_setting():
    rows = setting_rows(BeijingSettings, {"self_study_credit_cap": 8})
    assert [r.key for r in rows] == list(BeijingSettings.__struct_fields__)
    changed = {r.key for r in rows if r.changed}
    assert changed == {"self_study_credit_cap"} and all(r.description != r.key for r in rows)


async def test_policy_page_shows_the_tenants_settings(cme_client, tenant_factory):
    await tenant_factory(
        slug="bj",
        plugin="beijing",
        settings={"self_study_credit_cap": 8, "supervision_allow_late_reports": True},
    )
    page = await cme_client.get("/t/bj/p/beijing/policy")
    assert page.status_code == 200
    assert "总分不超过 8 分" in page.text and "可补报" in page.text
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
        page.status_code == 200
        and "有计划的自学每份自学计划可授学分上限" in page.text
        and "self_study_credit_cap" not in page.text  # in Chinese, not configuration keys
        and "平台运维人员" in page.text
    )


async def test_retired_settings_are_removed_from_stored_tenants(tenant_factory):
    from cme_platform.tenancy.tables import Tenant

    await tenant_factory(
        slug="bj", plugin="beijing", settings={"credit_year_start_month": 1, "audit_sample_rate": 0.1}
    )
    migration = importlib.import_module("cme_beijing.activity_plans.piccolo_migrations.0002_retired_settings")
    await (await migration.forwards()).run()
    stored = await Tenant.select(Tenant.settings).where(Tenant.slug == "bj").output(load_json=True).first()
    assert stored == {"settings": {}}
