"""The contract every province plugin must pass. Subclass :class:`PluginContract` in the plugin's tests::

    from cme_platform.testkit.contract import PluginContract


    class TestContract(PluginContract):
        __test__ = True
        plugin_name = "beijing"

The class loads the plugin from its ``cme.plugins`` entry point and overrides the test kit's
``cme_plugins`` fixture so that the app holds exactly two provinces: the plugin under test and
:class:`StandInProvince` (``contract_other``), a province with nothing but its metadata. The checks
therefore run the same wherever the plugin is installed, whatever other plugins sit next to it.

What is checked: the entry point and the plugin's metadata; that every ``cme_*`` function of the plugin
is a hook implementation of a hook in ``hookspecs``; the settings schema (defaults, a JSON round trip as
``cme tenants sync`` stores it, unknown keys rejected, every field described); menu entries (well
formed, every page under ``/p/<name>/`` answers 200 to its own tenant, visitors for public entries and a
signed-in account for the others, and 404 to a tenant of the other province, even to its commission
administrator); template directories; institution levels; the SMS gateway (an async ``send``, and the
console for other provinces); and the demo organisation (consistent with the levels and the core's
vocabularies, loaded twice by ``cme demo``'s loader with nothing new the second time and nothing written
to another tenant).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import msgspec.inspect
import pluggy
import pytest

from cme_platform.identity.roles import Role
from cme_platform.plugins import ENTRY_POINT_GROUP, PROJECT_NAME, hookimpl, hookspecs
from cme_platform.plugins.manager import build_plugin_manager, plugin_info, tenant_hooks
from cme_platform.plugins.types import DemoOrganisation, MenuEntry, PluginInfo
from cme_platform.tenancy.context import TenantContext
from cme_platform.testkit import contract_rules as rules

OTHER_PLUGIN = "contract_other"
"""The name of the stand-in province that the contract registers next to the plugin under test."""

OWN_SLUG = "contract-own"
OTHER_SLUG = "contract-other"
CONTRACT_USERNAME = "contract_admin"


class StandInProvince:
    """A second province with nothing but its metadata: its tenants must not reach the plugin's pages."""

    @hookimpl
    def cme_plugin_info(self) -> PluginInfo:
        """The stand-in's metadata."""
        return PluginInfo(
            name=OTHER_PLUGIN,
            title="契约测试省继续医学教育管理",
            province="契约测试省",
            version="0",
            code="qy",
        )


def entry_point_plugin(name: str) -> Any:
    """Load the plugin object registered as ``name`` in the ``cme.plugins`` entry-point group."""
    matches = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if len(matches) != 1:
        pytest.fail(f"expected one {ENTRY_POINT_GROUP!r} entry point named {name!r}, found {len(matches)}")
    return matches[0].load()


def spec_names() -> set[str]:
    """Names of every hook specified in :mod:`cme_platform.plugins.hookspecs`."""
    return {name for name in dir(hookspecs) if name.startswith("cme_")}


def _description(field: msgspec.inspect.Field) -> str:
    meta = field.type if isinstance(field.type, msgspec.inspect.Metadata) else None
    return str(((meta.extra_json_schema or {}) if meta is not None else {}).get("description", "")).strip()


def _excerpt(html: str) -> str:
    """The page's ``<main>`` (or its start), short enough for an assertion message."""
    start = html.find("<main")
    return " ".join((html[start:] if start >= 0 else html).split())[:400]


def _roles(entries: list[MenuEntry]) -> list[Role]:
    """Commission administrator plus every known role the entries name, for a contract account."""
    named = {Role(r) for e in entries for r in e.roles if r in Role._value2member_map_}
    return sorted({Role.COMMISSION_ADMIN, *named})


async def _row_counts(tenant: TenantContext) -> dict[str, int]:
    import cme_platform.demo  # noqa: F401  (imports every table the demo loader writes)
    from cme_platform.tenancy.scope import scope
    from cme_platform.tenancy.tables import TENANT_OWNED_TABLES

    with scope(tenant):
        return {table._meta.tablename: await table.count() for table in TENANT_OWNED_TABLES}


class PluginContract:
    """Base class of the contract tests; subclass it with ``__test__ = True`` and ``plugin_name``."""

    __test__ = False
    plugin_name: ClassVar[str] = ""
    """The plugin under test: its entry-point name in the ``cme.plugins`` group."""
    tenant_files: ClassVar[Path] = Path("tenants")
    """The folder of tenant files that ship with the plugin (relative to the working directory)."""

    # -- fixtures -------------------------------------------------------------------------------------

    @pytest.fixture
    def cme_plugins(self) -> dict[str, Any]:
        """The app gets the plugin under test (from its entry point) and the stand-in province."""
        assert self.plugin_name, "set plugin_name on the PluginContract subclass"
        return {self.plugin_name: entry_point_plugin(self.plugin_name), OTHER_PLUGIN: StandInProvince()}

    @pytest.fixture
    def contract_pm(self, cme_app: Any) -> pluggy.PluginManager:
        """The plugin manager of the app under test."""
        return cme_app.state.plugin_manager

    @pytest.fixture
    async def own_tenant(
        self, contract_pm: pluggy.PluginManager, tenant_factory: Callable[..., Awaitable[Any]]
    ) -> TenantContext:
        """A tenant of the plugin under test, with its settings as ``cme tenants sync`` stores them."""
        schema = tenant_hooks(contract_pm, self.plugin_name).cme_settings_schema()
        try:
            settings = msgspec.to_builtins(msgspec.convert({}, schema)) if schema is not None else {}
        except (msgspec.ValidationError, TypeError):
            settings = {}  # the settings test reports why the defaults do not validate
        return await tenant_factory(
            slug=OWN_SLUG, plugin=self.plugin_name, name="契约测试本省继教委", settings=settings
        )

    @pytest.fixture
    async def other_tenant(self, tenant_factory: Callable[..., Awaitable[Any]]) -> TenantContext:
        """A tenant of the stand-in province."""
        return await tenant_factory(slug=OTHER_SLUG, plugin=OTHER_PLUGIN, name="契约测试外省继教委")

    def _plugin_entries(self, pm: pluggy.PluginManager, tenant: TenantContext) -> list[MenuEntry]:
        entries = [e for group in tenant_hooks(pm, tenant).cme_menu_entries() for e in group]
        prefix = f"/p/{self.plugin_name}"
        return [e for e in entries if e.path == prefix or e.path.startswith(prefix + "/")]

    # -- registration and metadata ---------------------------------------------------------------------

    def test_registered_under_its_entry_point_name(self) -> None:
        """Installing the distribution registers the plugin under ``plugin_name``."""
        plugin = entry_point_plugin(self.plugin_name)
        pm = build_plugin_manager()
        assert pm.get_plugin(self.plugin_name) is plugin, (
            f"{self.plugin_name!r} is not loaded from entry points"
        )

    def test_plugin_info_names_the_plugin(self, contract_pm: pluggy.PluginManager) -> None:
        """``cme_plugin_info`` answers with a complete PluginInfo whose name is the entry-point name."""
        info = plugin_info(contract_pm, self.plugin_name)
        assert isinstance(info, PluginInfo), f"cme_plugin_info returned {info!r}"
        assert info.name == self.plugin_name, f"PluginInfo.name {info.name!r} != {self.plugin_name!r}"
        assert info.title.strip() and info.province.strip() and info.version.strip(), info

    def test_every_hook_implementation_has_a_spec(self, contract_pm: pluggy.PluginManager) -> None:
        """Every ``cme_*`` function is marked ``@hookimpl`` and implements a hook of ``hookspecs``."""
        plugin = contract_pm.get_plugin(self.plugin_name)
        pm = build_plugin_manager({self.plugin_name: plugin})
        pm.check_pending()
        specs = spec_names()
        marker = f"{PROJECT_NAME}_impl"
        functions = [n for n in dir(plugin) if n.startswith("cme_") and callable(getattr(plugin, n))]
        unmarked = [n for n in functions if getattr(getattr(plugin, n), marker, None) is None]
        assert not unmarked, f"cme_* functions without @hookimpl (pluggy would ignore them): {unmarked}"
        unknown = [n for n in functions if n not in specs]
        assert not unknown, f"hook implementations without a spec in hookspecs: {unknown}"
        implemented = {caller.name for caller in pm.get_hookcallers(plugin) or []}
        assert "cme_plugin_info" in implemented, "every plugin must implement cme_plugin_info"

    # -- settings -------------------------------------------------------------------------------------

    def test_settings_schema_defaults_round_trip_and_reject_unknown_keys(
        self, contract_pm: pluggy.PluginManager
    ) -> None:
        """The schema is a Struct with a default for every field, described, strict about unknown keys."""
        schema = tenant_hooks(contract_pm, self.plugin_name).cme_settings_schema()
        if schema is None:
            return  # the plugin takes no settings; sync then rejects any [settings] table
        assert isinstance(schema, type) and issubclass(schema, msgspec.Struct), f"{schema!r} is no Struct"
        defaults = msgspec.convert({}, schema)
        stored = msgspec.json.decode(msgspec.json.encode(msgspec.to_builtins(defaults)))
        assert msgspec.convert(stored, schema) == defaults, "stored defaults do not read back the same"
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert({"contract_unknown_setting": 1}, schema)
        info = msgspec.inspect.type_info(schema)
        assert isinstance(info, msgspec.inspect.StructType), f"{schema!r} is no Struct"
        undescribed = [f.name for f in info.fields if not _description(f)]
        assert not undescribed, f"settings without Meta(description=...): {undescribed}"

    # -- menu and pages -------------------------------------------------------------------------------

    async def test_menu_entries_are_well_formed(
        self, contract_pm: pluggy.PluginManager, own_tenant: TenantContext
    ) -> None:
        """Menu entries are MenuEntry values with a label, a tenant-relative path and known roles."""
        groups = tenant_hooks(contract_pm, self.plugin_name).cme_menu_entries(tenant=own_tenant)
        for entry in (e for group in groups for e in group):
            assert isinstance(entry, MenuEntry), f"{entry!r} is not a MenuEntry"
            assert entry.label.strip(), f"{entry!r} has no label"
            assert entry.path.startswith("/"), f"{entry.path!r} must start with '/'"
            unknown = [r for r in entry.roles if r not in Role._value2member_map_]
            assert not unknown, f"{entry.path}: unknown roles {unknown}"

    async def test_public_pages_answer_visitors_of_its_own_tenants(
        self, cme_client: Any, contract_pm: pluggy.PluginManager, own_tenant: TenantContext
    ) -> None:
        """Every public plugin page answers 200 to a visitor and is linked from the tenant's start page."""
        public = [e for e in self._plugin_entries(contract_pm, own_tenant) if e.public]
        for entry in public:
            response = await cme_client.get(f"/t/{own_tenant.slug}{entry.path}")
            assert response.status_code == 200, (
                f"{entry.path}: {response.status_code} {_excerpt(response.text)}"
            )
            assert response.headers["content-type"].startswith("text/html"), entry.path
        if public:
            home = await cme_client.get(f"/t/{own_tenant.slug}/")
            for entry in public:
                assert f'href="/t/{own_tenant.slug}{entry.path}"' in home.text, (
                    f"{entry.path} not on start page"
                )

    async def test_pages_answer_signed_in_accounts_of_its_own_tenants(
        self,
        cme_client: Any,
        contract_pm: pluggy.PluginManager,
        own_tenant: TenantContext,
        account_factory: Callable[..., Awaitable[int]],
        login: Callable[..., Awaitable[None]],
    ) -> None:
        """Every plugin page answers 200 to a commission administrator holding the entries' roles."""
        entries = self._plugin_entries(contract_pm, own_tenant)
        await account_factory(own_tenant, CONTRACT_USERNAME, [(role, {}) for role in _roles(entries)])
        await login(cme_client, own_tenant, CONTRACT_USERNAME)
        for entry in entries:
            response = await cme_client.get(f"/t/{own_tenant.slug}{entry.path}")
            assert response.status_code == 200, (
                f"{entry.path}: {response.status_code} {_excerpt(response.text)}"
            )

    async def test_pages_are_not_found_for_other_provinces(
        self,
        cme_client: Any,
        contract_pm: pluggy.PluginManager,
        own_tenant: TenantContext,
        other_tenant: TenantContext,
        account_factory: Callable[..., Awaitable[int]],
        login: Callable[..., Awaitable[None]],
    ) -> None:
        """A tenant of another province gets 404 on every plugin page, signed in or not, and no links."""
        entries = self._plugin_entries(contract_pm, own_tenant)
        paths = [e.path for e in entries]
        home = await cme_client.get(f"/t/{other_tenant.slug}/")
        assert f"/p/{self.plugin_name}/" not in home.text, "another province's start page links the plugin"
        for path in paths:
            response = await cme_client.get(f"/t/{other_tenant.slug}{path}", follow_redirects=False)
            assert response.status_code == 404, f"{path} answers {response.status_code} to another province"
        await account_factory(other_tenant, CONTRACT_USERNAME, [(role, {}) for role in _roles(entries)])
        await login(cme_client, other_tenant, CONTRACT_USERNAME)
        for path in paths:
            response = await cme_client.get(f"/t/{other_tenant.slug}{path}", follow_redirects=False)
            assert response.status_code == 404, f"{path} answers {response.status_code} to another province"

    # -- the province's rules --------------------------------------------------------------------------

    def test_the_plugin_has_a_code_of_its_own(self, contract_pm: pluggy.PluginManager) -> None:
        """``PluginInfo.code`` is 2–4 lowercase letters, and no other installed province uses it."""
        installed = build_plugin_manager()
        problems = rules.own_code(contract_pm, self.plugin_name)
        if self.plugin_name in rules.province_names(installed):
            problems += rules.own_code(installed, self.plugin_name)
        assert not problems, "\n".join(problems)

    async def test_standards_categories_and_requirements_agree(
        self, contract_pm: pluggy.PluginManager, own_tenant: TenantContext
    ) -> None:
        """Standard codes are the province's own, unique and stable; categories and requirements agree."""
        from cme_platform import clock

        year = clock.today().year
        problems = rules.standards_and_categories(contract_pm, own_tenant, [year - 3, year - 1, year])
        assert not problems, "\n".join(problems)

    async def test_every_subject_kind_gets_a_chain_that_resolves(
        self, contract_pm: pluggy.PluginManager, own_tenant: TenantContext
    ) -> None:
        """Every known subject kind, from every submitting role, gets a chain of the province's own code."""
        problems = rules.chains(contract_pm, own_tenant)
        assert not problems, "\n".join(problems)

    async def test_credits_never_count_before_their_approval(
        self, contract_pm: pluggy.PluginManager, own_tenant: TenantContext
    ) -> None:
        """``cme_credit_effective_on`` is never before the approval (nor more than a year after it)."""
        problems = rules.effective_dates(contract_pm, own_tenant)
        assert not problems, "\n".join(problems)

    def test_the_tenant_files_that_ship_are_accepted(self, contract_pm: pluggy.PluginManager) -> None:
        """Every tenant file of ``tenant_files`` that names the plugin is accepted as it is."""
        problems = rules.shipped_tenant_files(contract_pm, self.plugin_name, self.tenant_files)
        assert not problems, "\n".join(problems)

    # -- templates, vocabularies and demo data --------------------------------------------------------

    def test_template_dirs_exist_and_hold_only_the_plugins_folder(
        self, contract_pm: pluggy.PluginManager
    ) -> None:
        """Template directories exist and keep every template under ``<dir>/<plugin name>/``."""
        for contributed in tenant_hooks(contract_pm, self.plugin_name).cme_template_dirs():
            for directory in map(Path, contributed):
                assert directory.is_dir(), f"template directory {directory} does not exist"
                own = directory / self.plugin_name
                stray = [
                    p
                    for p in directory.rglob("*")
                    if p.is_file() and own not in p.parents and p.suffix != ".pyc"
                ]
                assert not stray, f"templates outside {own} could collide with other templates: {stray}"

    async def test_institution_levels_are_unique_names(
        self, contract_pm: pluggy.PluginManager, own_tenant: TenantContext
    ) -> None:
        """Institution levels, if given, are a non-empty list of unique, trimmed names that fit the column."""
        from cme_platform.orgs.tables import Institution

        levels = tenant_hooks(contract_pm, self.plugin_name).cme_institution_levels(tenant=own_tenant)
        if levels is None:
            return
        assert isinstance(levels, list | tuple) and levels, f"levels must be a non-empty list: {levels!r}"
        bad = [v for v in levels if not isinstance(v, str) or not v.strip() or v != v.strip()]
        assert not bad, f"levels must be trimmed non-empty strings: {bad}"
        assert len(set(levels)) == len(levels), f"duplicate levels: {levels}"
        limit = Institution.level.length
        too_long = [v for v in levels if limit is not None and len(v) > limit]
        assert not too_long, f"levels longer than {limit} characters (the column's length): {too_long}"

    async def test_sms_gateway_sends_asynchronously_and_only_for_its_own_tenants(
        self, contract_pm: pluggy.PluginManager, own_tenant: TenantContext, other_tenant: TenantContext
    ) -> None:
        """A gateway, if given, has ``async def send(phone, text)``; other provinces keep the console."""
        import inspect

        from cme_platform.identity.sms_gateway import ConsoleGateway, SmsGateway

        assert isinstance(tenant_hooks(contract_pm, other_tenant).cme_sms_gateway(), ConsoleGateway)
        gateway = tenant_hooks(contract_pm, self.plugin_name).cme_sms_gateway(tenant=own_tenant)
        if gateway is None:
            return
        assert isinstance(gateway, SmsGateway), f"the gateway has no send(phone, text): {gateway!r}"
        assert inspect.iscoroutinefunction(gateway.send), "the gateway's send must be ``async def``"

    async def test_demo_organisation_loads_idempotently(
        self, contract_pm: pluggy.PluginManager, own_tenant: TenantContext, other_tenant: TenantContext
    ) -> None:
        """The demo organisation is consistent, loads twice with nothing new, and stays in its tenant."""
        from cme_platform.demo import load_demo
        from cme_platform.orgs.service import CATEGORIES, REGION_KINDS

        organisation = tenant_hooks(contract_pm, self.plugin_name).cme_demo_organisation(tenant=own_tenant)
        if organisation is None:
            return
        assert isinstance(organisation, DemoOrganisation) and organisation.regions, organisation
        levels = tenant_hooks(contract_pm, own_tenant).cme_institution_levels()
        regions = organisation.regions
        institutions = [i for r in regions for i in r.institutions]
        assert len({r.code for r in regions}) == len(regions), "region codes must be unique"
        assert len({i.code for i in institutions}) == len(institutions), "institution codes must be unique"
        assert regions[0].institutions and regions[0].institutions[0].departments, (
            "the first institution of the first region needs departments (the demo accounts use them)"
        )
        for region in regions:
            assert region.kind in REGION_KINDS, f"{region.name}: kind {region.kind!r} not in {REGION_KINDS}"
        for inst in institutions:
            assert inst.level in levels, f"{inst.name}: level {inst.level!r} not in {levels}"
            assert inst.category in CATEGORIES, f"{inst.name}: category {inst.category!r} not in {CATEGORIES}"
            assert inst.staff_count >= 0, f"{inst.name}: negative staff count"
            assert len(set(inst.departments)) == len(inst.departments), f"{inst.name}: duplicate departments"

        assert await load_demo(contract_pm, own_tenant), "load_demo returned no demo logins"
        first = await _row_counts(own_tenant)
        assert first["org_region"] == len(regions)
        assert first["org_institution"] == len(institutions)
        assert first["org_department"] == sum(len(i.departments) for i in institutions)
        await load_demo(contract_pm, own_tenant)
        assert await _row_counts(own_tenant) == first, "a second demo load created rows"
        assert not any((await _row_counts(other_tenant)).values()), "the demo wrote into another tenant"
