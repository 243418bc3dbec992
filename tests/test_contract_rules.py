"""The contract checks a province's rules, not only their shapes: a copy of Zhejiang renamed as another
province fails until its rules are its own."""

from __future__ import annotations

from datetime import date
from typing import Any

import cme_zhejiang.plugin as zhejiang
import msgspec
from cme_platform.plugins import hookimpl
from cme_platform.plugins.manager import build_plugin_manager
from cme_platform.plugins.types import PluginInfo
from cme_platform.tenancy.context import TenantContext
from cme_platform.testkit import contract_rules as rules
from cme_zhejiang.settings import ZhejiangSettings


class RenamedCopy:
    """Zhejiang's rules copied as they are into a plugin called ``anhui``."""

    def __init__(self, code: str) -> None:
        self.code = code

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="anhui", title="安徽省继续医学教育管理", province="安徽省", version="1", code=self.code
        )

    @hookimpl
    def cme_credit_standards(self, tenant: TenantContext, year: int) -> Any:
        return zhejiang.cme_credit_standards(tenant, year)

    @hookimpl
    def cme_credit_categories(self, tenant: TenantContext, year: int) -> Any:
        return zhejiang.cme_credit_categories(tenant, year)

    @hookimpl
    def cme_compliance_standards(self, tenant: TenantContext, year: int) -> Any:
        return zhejiang.cme_compliance_standards(tenant, year)

    @hookimpl
    def cme_approval_chain(self, tenant: TenantContext, subject: Any) -> Any:
        return zhejiang.cme_approval_chain(tenant, subject)


def _tenant(plugin: str) -> TenantContext:
    settings = msgspec.to_builtins(msgspec.convert({}, ZhejiangSettings))
    return TenantContext(id=1, slug=plugin, name=plugin, plugin=plugin, settings=settings)


def test_zhejiang_itself_passes_the_rules() -> None:
    pm = build_plugin_manager({"zhejiang": zhejiang})
    tenant = _tenant("zhejiang")
    years = [date.today().year - 1, date.today().year]
    assert rules.own_code(pm, "zhejiang") == []
    assert rules.standards_and_categories(pm, tenant, years) == []
    assert rules.chains(pm, tenant) == []
    assert rules.effective_dates(pm, tenant) == []


def test_a_renamed_copy_fails_until_its_rules_are_its_own() -> None:
    pm = build_plugin_manager({"zhejiang": zhejiang, "anhui": RenamedCopy("ah")})
    tenant = _tenant("anhui")
    standards = rules.standards_and_categories(pm, tenant, [date.today().year])
    assert standards and all("is not the province's own (ah-…)" in p for p in standards)
    assert any("chain zj.personal is not the province's own (ah.…)" in p for p in rules.chains(pm, tenant))

    same_code = build_plugin_manager({"zhejiang": zhejiang, "anhui": RenamedCopy("zj")})
    assert rules.own_code(same_code, "anhui") == [
        "PluginInfo.code 'zj' is also the code of the installed plugin 'zhejiang'"
    ]
    assert rules.own_code(build_plugin_manager({"anhui": RenamedCopy("AnHui")}), "anhui")
