"""The core's defaults are a plugin called after the province's, and every hook answer is type-checked."""

from __future__ import annotations

from datetime import date

import pytest
from cme_platform.approvals.chains import DEFAULT_CHAIN, ApprovalSubject
from cme_platform.credits.policy import CreditCategory, EntryPolicy
from cme_platform.identity.sms_gateway import ConsoleGateway
from cme_platform.plugins import hookimpl
from cme_platform.plugins.defaults import CORE_PLUGIN_NAME, DEFAULT_INSTITUTION_LEVELS
from cme_platform.plugins.manager import (
    HookAnswerError,
    UnknownPluginError,
    build_plugin_manager,
    province_names,
    startup_hooks,
    tenant_hooks,
)
from cme_platform.plugins.types import PluginInfo
from cme_platform.tenancy.context import TenantContext


class Quiet:
    """A province that implements nothing but its metadata and defers where it may."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="quiet", title="安静省", province="安静省", version="1")

    @hookimpl
    def cme_credit_entry_policy(self, tenant: TenantContext) -> None:
        return None


class Sloppy:
    """A province whose answers have the wrong types."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="sloppy", title="马虎省", province="马虎省", version="1")

    @hookimpl
    def cme_credit_categories(self, tenant: TenantContext, year: int) -> list[str]:
        return ["I类学分"]

    @hookimpl
    def cme_template_dirs(self) -> list[str]:
        return [42]  # type: ignore[list-item]


class Own:
    """A province with its own categories and an effective date before the approval."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="own", title="自有省", province="自有省", version="1")

    @hookimpl
    def cme_credit_categories(self, tenant: TenantContext, year: int) -> list[CreditCategory]:
        return [CreditCategory(name="I类学分")]

    @hookimpl
    def cme_credit_effective_on(
        self, tenant: TenantContext, subject: ApprovalSubject, approved_on: date
    ) -> date:
        return date(2000, 1, 1)


def _tenant(plugin: str) -> TenantContext:
    return TenantContext(id=1, slug=plugin, name=plugin, plugin=plugin)


@pytest.fixture
def pm():
    return build_plugin_manager({"quiet": Quiet(), "sloppy": Sloppy(), "own": Own()})


def test_the_core_answers_what_a_province_leaves_open(pm):
    hooks = tenant_hooks(pm, _tenant("quiet"))
    assert hooks.cme_credit_entry_policy() == EntryPolicy()
    assert hooks.cme_institution_levels() == list(DEFAULT_INSTITUTION_LEVELS)
    assert hooks.cme_credit_categories(year=2026) == []
    subject = ApprovalSubject(kind="credit.personal")
    assert hooks.cme_approval_chain(subject=subject) == DEFAULT_CHAIN
    assert hooks.cme_credit_effective_on(subject=subject, approved_on=date(2026, 3, 1)) == date(2026, 3, 1)
    assert isinstance(hooks.cme_sms_gateway(), ConsoleGateway)
    assert hooks.cme_settings_schema() is None and hooks.cme_demo_organisation() is None


def test_a_province_answer_comes_first_and_other_provinces_are_never_asked(pm):
    assert tenant_hooks(pm, _tenant("own")).cme_credit_categories(year=2026) == [
        CreditCategory(name="I类学分")
    ]
    assert tenant_hooks(pm, _tenant("quiet")).cme_credit_categories(year=2026) == []


def test_a_wrong_answer_type_raises_naming_the_hook_and_plugin(pm):
    with pytest.raises(HookAnswerError, match=r"cme_credit_categories answered list .*'sloppy'"):
        tenant_hooks(pm, _tenant("sloppy")).cme_credit_categories(year=2026)
    with pytest.raises(HookAnswerError, match="cme_template_dirs"):
        startup_hooks(pm, "cme_template_dirs")()


def test_the_core_plugin_is_no_province(pm):
    assert CORE_PLUGIN_NAME not in province_names(pm)
    assert province_names(pm) == ["own", "quiet", "sloppy"]
    with pytest.raises(UnknownPluginError):
        tenant_hooks(pm, CORE_PLUGIN_NAME)
    with pytest.raises(UnknownPluginError):
        tenant_hooks(pm, "absent")


async def test_an_effective_date_before_the_approval_raises(pm):
    from cme_platform.credits.review import effective_on
    from cme_platform.tenancy.scope import scope

    with scope(_tenant("own")), pytest.raises(HookAnswerError, match="before the approval"):
        effective_on(pm, ApprovalSubject(kind="credit.personal"), date(2026, 3, 1))
