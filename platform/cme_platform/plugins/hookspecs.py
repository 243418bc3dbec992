"""Hook specifications: every hook a province plugin can implement, grouped by when it is called.

Hook names start with ``cme_``. Sections, in the order of a request's life:

* **Start-up** hooks are called once, on every installed plugin, while the application, the template
  loader or Piccolo's app registry is built.
* **Rules** hooks give a tenant's province rules (vocabularies, standards, categories, compliance).
* **Workflow** hooks decide how things move (who enters credits, which approval chain, when a credit
  counts, how a text message is sent).
* **UI** hooks contribute to the web shell: its menu and the named slots of core pages.
* **Events** are called after the transaction that raised them commits (:mod:`cme_platform.events`), on
  the core's listeners and the tenant's province plugin; a listener may return an awaitable, and one
  that fails is logged, never raised into the change.

Tenant-facing hooks are called through :func:`~cme_platform.plugins.manager.tenant_hooks`, which reaches
the tenant's own province plugin and then the core's default plugin (:mod:`cme_platform.plugins.defaults`,
registered ``trylast``). For a ``firstresult`` hook the province's answer wins; a province that returns
``None`` leaves the answer to the core's default, so ``None`` always means "the province does not say".
Every answer is checked against the spec's return type: a wrong type raises
:class:`~cme_platform.plugins.manager.HookAnswerError` naming the hook and the plugin.

Each hook is documented in ``docs/plugins.md`` as well; a test fails if a hook here has no docstring, or
no section there showing its signature.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cme_platform.plugins import hookspec

if TYPE_CHECKING:
    from collections.abc import Awaitable
    from datetime import date

    import msgspec
    from litestar import Controller, Router
    from litestar.handlers import BaseRouteHandler

    from cme_platform.approvals.chains import ApprovalSubject, Chain
    from cme_platform.attendance.policy import AttendancePolicy
    from cme_platform.audit.actions import AuditLabels
    from cme_platform.certificates.policy import CertificatePolicy
    from cme_platform.certificates.schemas import CertificateFacts
    from cme_platform.compliance.standards import ComplianceStandard
    from cme_platform.credits.policy import CreditCategory, EntryPolicy, GrantBases
    from cme_platform.events import AttendanceRecorded, CreditChange, PersonChange
    from cme_platform.identity.principal import Principal
    from cme_platform.identity.sms_gateway import SmsGateway
    from cme_platform.jobs.kinds import JobKind
    from cme_platform.notifications.service import NotificationOut
    from cme_platform.plugins.types import DemoOrganisation, MenuEntry, PageSlot, PluginInfo, Todo
    from cme_platform.projects.policy import ProjectPolicy
    from cme_platform.standards.rules import Standard
    from cme_platform.tenancy.context import TenantContext


def answer_namespace() -> dict[str, Any]:
    """The names the annotations below refer to, imported for the run-time check of hook answers.

    The same imports as the ``TYPE_CHECKING`` block (a test checks that every annotation resolves); they
    are imported late because the modules they come from call hooks themselves.
    """
    from collections.abc import Awaitable  # noqa: F401
    from datetime import date  # noqa: F401

    import msgspec  # noqa: F401
    from litestar import Controller, Router  # noqa: F401
    from litestar.handlers import BaseRouteHandler  # noqa: F401

    from cme_platform.approvals.chains import ApprovalSubject, Chain  # noqa: F401
    from cme_platform.attendance.policy import AttendancePolicy  # noqa: F401
    from cme_platform.audit.actions import AuditLabels  # noqa: F401
    from cme_platform.certificates.policy import CertificatePolicy  # noqa: F401
    from cme_platform.certificates.schemas import CertificateFacts  # noqa: F401
    from cme_platform.compliance.standards import ComplianceStandard  # noqa: F401
    from cme_platform.credits.policy import CreditCategory, EntryPolicy, GrantBases  # noqa: F401
    from cme_platform.events import AttendanceRecorded, CreditChange, PersonChange  # noqa: F401
    from cme_platform.identity.principal import Principal  # noqa: F401
    from cme_platform.identity.sms_gateway import SmsGateway  # noqa: F401
    from cme_platform.jobs.kinds import JobKind  # noqa: F401
    from cme_platform.notifications.service import NotificationOut  # noqa: F401
    from cme_platform.plugins.types import DemoOrganisation, MenuEntry, PageSlot, PluginInfo, Todo  # noqa: F401
    from cme_platform.projects.policy import ProjectPolicy  # noqa: F401
    from cme_platform.standards.rules import Standard  # noqa: F401
    from cme_platform.tenancy.context import TenantContext  # noqa: F401

    return {**globals(), **locals()}


# -------------------------------------------------------------------------------------------------------
# Start-up: called once per installed plugin while the application is built
# -------------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def cme_plugin_info() -> PluginInfo | None:
    """Describe the plugin. **firstresult**; the core's default plugin does not answer it.

    Called by the shell (the start page shows the province and title) through ``plugin_info(pm, name)``
    and by the contract test, which checks that ``name`` matches the entry-point name.
    Receives nothing. Returns a :class:`~cme_platform.plugins.types.PluginInfo` whose ``name`` equals
    the plugin's entry-point name in the ``cme.plugins`` group. Every plugin must implement it.
    """


@hookspec(firstresult=True)
def cme_settings_schema() -> type[msgspec.Struct] | None:
    """Give the type that validates a tenant's ``[settings]`` table. **firstresult**.

    Called by ``cme tenants sync`` for every tenant that uses the plugin, before anything is written, and
    by the 本省参数 page. Receives nothing. Returns a ``msgspec.Struct`` subclass (use
    ``forbid_unknown_fields=True`` and defaults for every optional field); the tenant's settings are
    converted with ``msgspec.convert`` and stored with the defaults filled in. ``None`` (the default):
    the plugin takes no settings, and a ``[settings]`` table is refused.
    """


@hookspec
def cme_routes() -> list[BaseRouteHandler | Router | type[Controller]]:
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
def cme_piccolo_apps() -> list[str]:
    """Contribute Piccolo apps for the plugin's own tables.

    Called when Piccolo's configuration is loaded (``cme migrate`` and the server). Receives nothing.
    Returns dotted module paths of ``piccolo_app`` modules (each defining ``APP_CONFIG``); their
    migrations run after the core's. A plugin's tenant-owned tables must use
    :class:`~cme_platform.tenancy.tables.TenantOwned`.
    """


@hookspec
def cme_job_kinds() -> list[JobKind]:
    """Contribute kinds of background job (:class:`~cme_platform.jobs.kinds.JobKind`).

    Called once when a process opens the job queue (the application, ``cme worker``), on every installed
    plugin; the core's own kinds come from its default plugin. Receives nothing. Returns kinds with
    unique dotted names (``beijing.plan_export``); a kind with ``cron`` runs on that schedule (China
    time) on one worker of the platform. Start a job with :func:`cme_platform.jobs.queue.enqueue`.
    """


@hookspec
def cme_audit_labels() -> AuditLabels:
    """Name the plugin's audit action names and object types in Chinese.

    Called when the application is built (a name labelled by two plugins stops it there) and for a
    tenant's audit page, whose filter offers the core's and its own province's labels. Receives nothing.
    Returns an :class:`~cme_platform.audit.actions.AuditLabels` with ``actions``
    (``{"beijing.activity_plan.create": "上传活动计划"}``) and ``objects``
    (``{"beijing_activity_plan": "活动计划"}``); a name labelled by two plugins is an error. The core's
    labels come from its default plugin; a name nobody labels is shown as recorded.
    """


# -------------------------------------------------------------------------------------------------------
# Rules: the province's vocabularies, standards and categories
# -------------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def cme_institution_levels(tenant: TenantContext) -> list[str] | None:
    """Give the vocabulary of institution levels (单位级别) a tenant's organisation tree uses.

    **firstresult**. Called when an institution is created or edited and when the form is shown.
    Receives ``tenant``. Returns the allowed level names in display order; ``None`` leaves it to the
    core's default (三级医院, 二级医院, 一级医院, 其他).
    """


@hookspec(firstresult=True)
def cme_credit_standards(tenant: TenantContext, year: int) -> list[Standard] | None:
    """Give the credit standards (授分标准) a tenant's credits are computed by in ``year``.

    **firstresult**. Called by the standards page and API and by guided credit entry. Receives ``tenant``
    and the credit ``year``. Returns a list of :class:`~cme_platform.standards.rules.Standard` in display
    order, composed from the rule primitives of :mod:`cme_platform.standards.rules`; codes must be
    unique and stable across years, since credit records keep the code they were computed by. ``None``
    leaves it to the core's default: no standard table (and no guided entry).
    """


@hookspec(firstresult=True)
def cme_credit_categories(tenant: TenantContext, year: int) -> list[CreditCategory] | None:
    """Give the credit categories (学分类别) and subcategories a tenant's credits are summed by in ``year``.

    **firstresult**. Called by credit entry (the free form's choices), the credit and compliance queries
    (their class totals, seed 003 图-7 and 图-9) and compliance evaluation. Receives ``tenant`` and the
    credit ``year``. Returns a list of :class:`~cme_platform.credits.policy.CreditCategory` in display
    order; credits of any other category are summed as 其他. ``None`` leaves it to the core's default: no
    categories (one total only).
    """


@hookspec(firstresult=True)
def cme_compliance_standards(tenant: TenantContext, year: int) -> list[ComplianceStandard] | None:
    """Give the compliance standards (达标标准) a tenant's people are judged by in ``year``.

    **firstresult**. Called by compliance evaluation (one person's page, a department's list, the
    tenant-wide recomputation) and by the 达标标准浏览 page. Receives ``tenant`` and the ``year``. Returns a
    list of :class:`~cme_platform.compliance.standards.ComplianceStandard`; a person is judged by the
    first whose ``title_levels`` include his title level that year (an empty tuple matches every level).
    ``None`` leaves it to the core's default: no standard, nobody is judged.
    """


@hookspec(firstresult=True)
def cme_project_policy(tenant: TenantContext) -> ProjectPolicy | None:
    """Give the province's project vocabulary and hosting rules.

    **firstresult**. Called by project entry and the project pages (the form's choices, the checks),
    and when a run's hosting application is shown or submitted (its materials). Receives ``tenant``.
    Returns a :class:`~cme_platform.projects.policy.ProjectPolicy`: 项目级别, which levels owners enter
    themselves because they were declared outside the platform, 项目性质, 举办方式, 考核方式, the most
    credits and hours a project may give and the materials of a hosting application; ``None`` leaves it
    to the core's default (国家级/省级/市级, national projects entered, 会议通知 and 会议日程).
    """


@hookspec(firstresult=True)
def cme_attendance_policy(tenant: TenantContext) -> AttendancePolicy | None:
    """Give the province's attendance rules (考勤: 签到 and 撤离 codes, and what counts).

    **firstresult**. Called when a session's codes are shown, when a code is scanned, and when an
    attendee list is built and submitted. Receives ``tenant``. Returns an
    :class:`~cme_platform.attendance.policy.AttendancePolicy`: whether check-out is required, the window
    of each code around the session's start and end, the rotation period of the venue's screen (0:
    static, printed codes), card sign-in at the venue, walk-in registration and its form's fields, the
    check-out questionnaire, whether the online exam must be passed and how often it may be taken, the
    share of a session's time that makes it count, the attendee list's
    deadline and what happens to a late list; ``None`` leaves it to the core's default (check-in and
    check-out, rotating every 30 seconds, no cards, walk-ins or questionnaire, 80%, 14 days, late lists
    flagged).
    """


@hookspec(firstresult=True)
def cme_certificate_policy(tenant: TenantContext) -> CertificatePolicy | None:
    """Give the province's electronic credit certificate (电子学分证书): its title, issuing body and number.

    **firstresult**. Called when certificates are issued (the grant of an attendee list, a correction) and
    when they are shown. Receives ``tenant``. Returns a
    :class:`~cme_platform.certificates.policy.CertificatePolicy`: the heading, the issuing body printed
    bottom right (empty: the tenant's name), the capital letters that start every number, and whether
    anyone may find certificates by project number and name (学员证书查询); ``None`` leaves it to the
    core's default (继续医学教育学分证书, the tenant's name, ``CME``, no public look-up). The PDF's layout
    is the template ``certificates/pdf.html``, which a province replaces under its own template folder.
    """


@hookspec(firstresult=True)
def cme_recognised_category(tenant: TenantContext, facts: CertificateFacts, issuer: str) -> str | None:
    """Map the category of another province's certificate to one of this province's (外省学分认可).

    **firstresult**. Called when a learner submits a certificate of another issuer for recognition, after
    its signature and live state were verified. Receives ``tenant`` (the receiving province), the
    certificate's verified ``facts`` (:class:`~cme_platform.certificates.schemas.CertificateFacts`: its
    ``category``, the project's ``level``, credits and hours) and the ``issuer`` its seal names. Returns
    the category name the credit record gets here, or ``""`` when this province cannot recognise it
    (the learner is told so); ``None`` leaves it to the core's default (the same category name when this
    province has it, or when it has no categories; else ``""``).
    """


@hookspec(firstresult=True)
def cme_project_number(tenant: TenantContext, year: int, level: str, sequence: int) -> str | None:
    """Give the number of a declared project when the commission publishes it.

    **firstresult**. Called inside the transaction of the last approval of a declaration (新项目申报).
    Receives ``tenant``, the project's ``year`` and ``level`` and ``sequence``, the next value of the
    counter of that year and level (1, 2, …; never handed out twice). Returns the number, at most 40
    characters and unique in the tenant (a number already used refuses the publication with 409); ``None``
    leaves it to the core's default, ``<year>-<level>-<sequence, three digits>`` (``2026-省级-001``).
    """


@hookspec(firstresult=True)
def cme_demo_organisation(tenant: TenantContext) -> DemoOrganisation | None:
    """Give the small demo organisation that ``cme demo`` loads into a tenant of this province.

    **firstresult**; the core has no default. Called by ``cme demo`` (and the demo test) once per tenant.
    Receives ``tenant``. Returns a :class:`~cme_platform.plugins.types.DemoOrganisation` (regions →
    institutions → department names, using the plugin's own institution levels), or ``None`` for no
    demo data. Loading is idempotent: existing codes and names are kept, never overwritten.
    """


@hookspec
def cme_demo_data(tenant: TenantContext) -> Awaitable[None] | None:
    """Load a plugin module's demo records into a tenant of this province (its plans, its activities).

    Called by ``cme demo`` once per tenant, after the core's demo organisation, accounts, people and
    credits, in the tenant's scope and inside the demo's write transaction. Receives ``tenant``. Returns
    ``None`` or an awaitable. Must be idempotent: a second ``cme demo`` adds nothing.
    """


# -------------------------------------------------------------------------------------------------------
# Workflow: who enters, who approves, when it counts, how people are told
# -------------------------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def cme_credit_entry_policy(tenant: TenantContext) -> EntryPolicy | None:
    """Say how personal credits are entered in the tenant's province.

    **firstresult**. Called by the credit entry pages and API before a form is shown or a record is saved,
    and by the core's menu. Receives ``tenant``. Returns a
    :class:`~cme_platform.credits.policy.EntryPolicy` (may learners enter their own credits, only once
    their institution opened the right, which entry forms exist, the 举办方式 vocabulary); ``None`` leaves
    it to the core's default (administrators only, both forms).
    """


@hookspec(firstresult=True)
def cme_grant_bases(
    tenant: TenantContext, principal: Principal, standard: Standard, year: int
) -> Awaitable[GrantBases | None] | GrantBases | None:
    """Say what a grant under ``standard`` must name as its basis (按标准授分: 学分授予需与备案计划核对).

    **firstresult**. Called by 按标准授分 when its activity form is shown and again when the grant is made.
    Receives ``tenant``, the granting ``principal``, the ``standard`` and the activity's ``year``. Returns
    :class:`~cme_platform.credits.policy.GrantBases` (the records he may name: the form offers them and the
    grant must name one of them), ``None`` when the standard needs no basis (the core's answer), or an
    awaitable of either (to read the database first).
    """


@hookspec(firstresult=True)
def cme_approval_chain(tenant: TenantContext, subject: ApprovalSubject) -> Chain | None:
    """Choose the approval chain for something submitted for review.

    **firstresult**. Called when a subject is submitted (a personal credit record, a plugin module's
    subject such as Beijing's activity plan). Receives ``tenant`` and ``subject``, an
    :class:`~cme_platform.approvals.chains.ApprovalSubject` (its kind, one of the constants of
    :mod:`cme_platform.approvals.kinds` or a plugin's own, the role the submitter acted in and its
    facts). Returns a :class:`~cme_platform.approvals.chains.Chain` (steps from the lowest level up);
    ``None`` leaves it to the core's default chain (the institution decides).
    """


@hookspec(firstresult=True)
def cme_credit_effective_on(
    tenant: TenantContext, subject: ApprovalSubject, approved_on: date
) -> date | None:
    """Give the date an approved credit becomes effective (counts toward compliance).

    **firstresult**. Called when the last step of a credit's chain approves it. Receives ``tenant``,
    ``subject`` (the record's :class:`~cme_platform.approvals.chains.ApprovalSubject`) and
    ``approved_on``, the approval date (China time). Returns a ``datetime.date`` not before
    ``approved_on`` (Zhejiang: the next day); ``None`` leaves it to the core's default, the same day. A
    date before ``approved_on`` raises.
    """


@hookspec(firstresult=True)
def cme_sms_gateway(tenant: TenantContext) -> SmsGateway | None:
    """Give the gateway that sends a tenant's text messages (SMS sign-in and password recovery codes).

    **firstresult**. Called each time a code is sent. Receives ``tenant``. Returns an object with
    ``async def send(phone: str, text: str) -> None`` (the
    :class:`~cme_platform.identity.sms_gateway.SmsGateway` protocol; raise when the message could not be
    handed over); ``None`` leaves it to the core's console gateway, which only writes the message to
    the ``cme.sms`` log.
    """


@hookspec(firstresult=True)
def cme_notification_sms(tenant: TenantContext, notification: NotificationOut) -> bool | None:
    """Decide whether a 站内消息 also goes to the account's mobile phone by SMS.

    **firstresult**; the core's default answers ``False``. Called after a message has committed, for
    each message (the core's kinds: ``credits.returned``, ``credits.rejected``, ``credits.approved``,
    ``credits.effective``, ``personnel.import``, ``compliance.recompute``, ``projects.hosting.approved``,
    ``projects.hosting.returned``, ``projects.hosting.rejected`` and the same three of
    ``projects.declaration``). Receives ``tenant`` and the
    :class:`~cme_platform.notifications.service.NotificationOut`. Returns ``True`` to send its title
    through the tenant's ``cme_sms_gateway`` (the console gateway by default), ``False`` not to.
    """


# -------------------------------------------------------------------------------------------------------
# UI: what the web shell shows
# -------------------------------------------------------------------------------------------------------


@hookspec
def cme_menu_entries(tenant: TenantContext) -> list[MenuEntry]:
    """Contribute navigation entries for a tenant's web shell.

    Called per request by the shell, so only the tenant's own plugin (and the core's default plugin,
    which gives the core menu as the province's policy allows) answers. Receives ``tenant``. Returns a
    list of :class:`~cme_platform.plugins.types.MenuEntry`; plugin pages live under
    ``/p/<plugin name>/``. An entry must lead to a page its roles may open in this tenant.
    """


@hookspec
def cme_page_slot(
    tenant: TenantContext, slot: str, principal: Principal | None, context: dict[str, Any]
) -> Awaitable[PageSlot | None] | PageSlot | None:
    """Fill a named slot of a core page with a fragment of the province's own.

    Called by the core page that offers ``slot`` (``home``: every role's start page; ``person_detail``:
    a person's page, ``context["person"]``; ``credit_detail``: a credit's page, ``context["record"]``),
    before it renders, for the tenant's plugin. Receives ``tenant``, ``slot``, the signed-in
    ``principal`` (``None`` for a visitor) and the page's ``context``. Returns a
    :class:`~cme_platform.plugins.types.PageSlot` (the plugin's template and its context), ``None`` to
    leave the slot empty, or an awaitable of either (to read the database first).
    """


@hookspec
def cme_todos(tenant: TenantContext, principal: Principal) -> Awaitable[list[Todo]] | list[Todo]:
    """Say what waits for the signed-in user: items to review, records sent back, work not finished.

    Called when the home page is shown and by ``GET /api/todos``, on the tenant's province plugin and the
    core's default plugin (approvals waiting by kind, the learner's returned, rejected and unsubmitted
    credits, the year's progress). Receives ``tenant`` and the signed-in ``principal``. Returns a list of
    :class:`~cme_platform.plugins.types.Todo` (an empty list when nothing waits), or an awaitable of one
    to read the database first; each links to the page where the work is done, which the user's roles
    must be able to open.
    """


# -------------------------------------------------------------------------------------------------------
# Events: called after the transaction that raised them commits
# -------------------------------------------------------------------------------------------------------


@hookspec
def cme_credit_changed(tenant: TenantContext, change: CreditChange) -> Awaitable[None] | None:
    """React to credit records that changed: posted, entered, decided, corrected or deleted.

    Called after the transaction that changed them commits, in the tenant's scope, on the core's
    listeners (the stored compliance results of the people concerned are refreshed) and the tenant's
    province plugin. Receives ``tenant`` and a :class:`~cme_platform.events.CreditChange` (action,
    record ids, person ids, years). Returns ``None`` or an awaitable that the platform awaits. Raising
    is logged and never undoes the change.
    """


@hookspec
def cme_credit_effective(tenant: TenantContext, change: CreditChange) -> Awaitable[None] | None:
    """React to credit records that now count toward compliance (生效).

    Called after the transaction that approved (or granted) credits whose effective date has come, in
    the tenant's scope. Receives ``tenant`` and a :class:`~cme_platform.events.CreditChange` with action
    ``approved`` or ``posted``. Returns ``None`` or an awaitable. Raising is logged, never raised.
    """


@hookspec
def cme_person_changed(tenant: TenantContext, change: PersonChange) -> Awaitable[None] | None:
    """React to people whose registry facts changed (title, unit, status), one or many at once.

    Called after the transaction of an edit, an import or a year's facts commits, in the tenant's scope;
    the core's listener refreshes their stored compliance results. Receives ``tenant`` and a
    :class:`~cme_platform.events.PersonChange` (person ids, changed fields, years of per-year facts).
    Returns ``None`` or an awaitable. Raising is logged, never raised.
    """


@hookspec
def cme_attendance_recorded(tenant: TenantContext, record: AttendanceRecorded) -> Awaitable[None] | None:
    """React to a first check-in or check-out at a session of any activity (projects, or a module's own).

    Called once per attendee, session and action, whatever the number of scans: by a scanned code, an
    IC card typed at the venue or the walk-in form; repeats and refusals raise nothing. Called after the
    write commits, in the tenant's scope. Receives ``tenant`` and an
    :class:`~cme_platform.events.AttendanceRecorded` (session kind, session, group, action, way, person
    or external attendee, time). Returns ``None`` or an awaitable. Raising is logged, never raised.
    """


@hookspec
def cme_notification_created(
    tenant: TenantContext, account_id: int, notification: NotificationOut
) -> Awaitable[None] | None:
    """React to a 站内消息 left for an account (deliver it elsewhere: SMS, a hospital's own app).

    Called after the transaction that wrote it commits, in the tenant's scope, on the core's listener
    (which sends it by SMS where ``cme_notification_sms`` says so) and the tenant's province plugin.
    Receives ``tenant``, the ``account_id`` it is for and the
    :class:`~cme_platform.notifications.service.NotificationOut`. Returns ``None`` or an awaitable that
    the platform awaits. Raising is logged and never undoes the message.
    """
