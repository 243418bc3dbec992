"""Hook specifications: every hook a province plugin can implement.

Hook names start with ``cme_``. Tenant-facing hooks are called through :class:`TenantHooks`, which only
reaches the tenant's own province plugin (plus the core's defaults); start-up hooks (routes, template
directories, Piccolo apps, metadata) are called once on every registered plugin. Each hook is documented
in ``docs/plugins.md`` as well; a test fails if a hook here has no docstring or no section there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cme_platform.plugins import hookspec
from cme_platform.plugins.types import DemoOrganisation, MenuEntry, PluginInfo


@hookspec(firstresult=True)
def cme_plugin_info() -> PluginInfo:
    """Describe the plugin.

    Called through the tenant's hooks by the shell (the start page shows the province and title) and by
    the contract test, which checks that ``name`` matches the entry-point name.
    Receives nothing. Returns a :class:`~cme_platform.plugins.types.PluginInfo` whose ``name`` equals
    the plugin's entry-point name in the ``cme.plugins`` group.
    """


@hookspec(firstresult=True)
def cme_settings_schema() -> type[Any] | None:
    """Give the type that validates a tenant's ``[settings]`` table.

    Called by ``cme tenants sync`` for every tenant that uses the plugin, before anything is written.
    Receives nothing. Returns a ``msgspec.Struct`` subclass (use ``forbid_unknown_fields=True`` and
    defaults for every optional field); the tenant's settings are converted with ``msgspec.convert``
    and stored with the defaults filled in. Returns ``None`` when the plugin takes no settings.
    """


@hookspec
def cme_routes() -> list[Any]:
    """Contribute HTTP route handlers (Litestar handlers, controllers or routers).

    Called once when the application is built, for every installed plugin. Receives nothing. Returns a
    list of Litestar route handlers; the platform mounts them under ``/p/<plugin name>/`` and answers 404
    to any tenant that does not use the plugin, so a handler only ever runs for its own province's
    tenants (the tenant is in scope, read it with ``current_tenant()``).
    """


@hookspec
def cme_template_dirs() -> list[Path]:
    """Contribute Jinja2 template directories.

    Called once when the application is built. Receives nothing. Returns directories whose templates
    become loadable; put them in a folder named after the plugin (``beijing/page.html``) so that names
    never collide with the shell's or another plugin's templates. Plugin templates may extend the shell's
    ``layout.html``.
    """


@hookspec
def cme_menu_entries(tenant: Any) -> list[MenuEntry]:
    """Contribute navigation entries for a tenant's web shell.

    Called per request by the shell through the tenant's hooks, so only the tenant's own plugin answers.
    Receives ``tenant``, the :class:`~cme_platform.tenancy.context.TenantContext`. Returns a list of
    :class:`~cme_platform.plugins.types.MenuEntry`; plugin pages live under ``/p/<plugin name>/``.
    """


@hookspec
def cme_piccolo_apps() -> list[str]:
    """Contribute Piccolo apps for the plugin's own tables.

    Called when Piccolo's configuration is loaded (``cme migrate`` and the server). Receives nothing.
    Returns dotted module paths of ``piccolo_app`` modules (each defining ``APP_CONFIG``); their
    migrations run after the core's. A plugin's tenant-owned tables must use
    :class:`~cme_platform.tenancy.tables.TenantOwned`.
    """


@hookspec(firstresult=True)
def cme_institution_levels(tenant: Any) -> list[str] | None:
    """Give the vocabulary of institution levels (单位级别) a tenant's organisation tree uses.

    Called through the tenant's hooks when an institution is created or edited and when the form is
    shown. Receives ``tenant`` (a ``TenantContext``). Returns the allowed level names in display order,
    or ``None`` to use the core's default (三级医院, 二级医院, 一级医院, 其他).
    """


@hookspec(firstresult=True)
def cme_demo_organisation(tenant: Any) -> DemoOrganisation | None:
    """Give the small demo organisation that ``cme demo`` loads into a tenant of this province.

    Called through the tenant's hooks by ``cme demo`` (and the demo test) once per tenant. Receives
    ``tenant`` (a ``TenantContext``). Returns a :class:`~cme_platform.plugins.types.DemoOrganisation`
    (regions → institutions → department names, using the plugin's own institution levels), or ``None``
    for no demo data. Loading is idempotent: existing codes and names are kept, never overwritten.
    """


@hookspec(firstresult=True)
def cme_sms_gateway(tenant: Any) -> Any:
    """Give the gateway that sends a tenant's text messages (SMS sign-in and password recovery codes).

    Called through the tenant's hooks each time a code is sent. Receives ``tenant`` (a
    ``TenantContext``). Returns an object with ``async def send(phone: str, text: str) -> None`` (the
    :class:`~cme_platform.identity.sms_gateway.SmsGateway` protocol; raise when the message could not be
    handed over), or ``None`` to use the core's console gateway, which only writes the message to the
    ``cme.sms`` log.
    """


@hookspec(firstresult=True)
def cme_credit_standards(tenant: Any, year: int) -> list[Any] | None:
    """Give the credit standards (授分标准) a tenant's credits are computed by in ``year``.

    Called through the tenant's hooks by the standards page and API (and, later, by credit entry and
    grants). Receives ``tenant`` (a ``TenantContext``) and the credit ``year``. Returns a list of
    :class:`~cme_platform.standards.rules.Standard` in display order, composed from the rule primitives
    of :mod:`cme_platform.standards.rules`; codes must be unique and stable across years, since credit
    records keep the code they were computed by. ``None`` means the province has no standard table.
    """


@hookspec(firstresult=True)
def cme_credit_categories(tenant: Any, year: int) -> list[Any] | None:
    """Give the credit categories (学分类别) and subcategories a tenant's credits are summed by in ``year``.

    Called through the tenant's hooks by credit entry (the free form's choices), the credit and
    compliance queries (their class totals, seed 003 图-7 and 图-9) and compliance evaluation.
    Receives ``tenant`` (a ``TenantContext``) and the credit ``year``. Returns a list of
    :class:`~cme_platform.credits.policy.CreditCategory` in display order; credits of any other
    category are summed as 其他. ``None`` means the province has no categories (one total only).
    """


@hookspec(firstresult=True)
def cme_credit_entry_policy(tenant: Any) -> Any:
    """Say how personal credits are entered in the tenant's province.

    Called through the tenant's hooks by the credit entry pages and API before a form is shown or a
    record is saved. Receives ``tenant`` (a ``TenantContext``). Returns a
    :class:`~cme_platform.credits.policy.EntryPolicy` (may learners enter their own credits, only
    once their institution opened the right, which entry forms exist, the 举办方式 vocabulary), or
    ``None`` for the core's default (administrators only, both forms).
    """


@hookspec(firstresult=True)
def cme_approval_chain(tenant: Any, subject: Any) -> Any:
    """Choose the approval chain for something submitted for review.

    Called through the tenant's hooks when a subject is submitted (a personal credit record now;
    projects and hosting applications later). Receives ``tenant`` (a ``TenantContext``) and
    ``subject``, an :class:`~cme_platform.approvals.chains.ApprovalSubject` (its kind, the role the
    submitter acted in and its facts). Returns a :class:`~cme_platform.approvals.chains.Chain` (steps
    from the lowest level up), or ``None`` for the core's default chain (the institution decides).
    """


@hookspec(firstresult=True)
def cme_credit_effective_on(tenant: Any, subject: Any, approved_on: Any) -> Any:
    """Give the date an approved credit becomes effective (counts toward compliance).

    Called through the tenant's hooks when the last step of a credit's chain approves it. Receives
    ``tenant`` (a ``TenantContext``), ``subject`` (the record's
    :class:`~cme_platform.approvals.chains.ApprovalSubject`) and ``approved_on``, the approval date
    (``datetime.date``, China time). Returns a ``datetime.date`` not before ``approved_on`` (Zhejiang:
    the next day), or ``None`` for the same day.
    """


@hookspec(firstresult=True)
def cme_compliance_standards(tenant: Any, year: int) -> list[Any] | None:
    """Give the compliance standards (达标标准) a tenant's people are judged by in ``year``.

    Called through the tenant's hooks by compliance evaluation (one person's page, a department's list,
    the tenant-wide recomputation) and by the 达标标准浏览 page. Receives ``tenant`` (a
    ``TenantContext``) and the ``year``. Returns a list of
    :class:`~cme_platform.compliance.standards.ComplianceStandard`; a person is judged by the first
    whose ``title_levels`` include his title level that year (an empty tuple matches every level).
    ``None`` means the province sets no standard: nobody is judged.
    """
