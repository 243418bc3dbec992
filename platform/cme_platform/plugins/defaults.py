"""The core's own answers to its hooks: a plugin registered ``trylast`` in every tenant's hook subset.

As datasette's ``DEFAULT_PLUGINS`` and pretix's always-active core receivers do, the core answers its
own hooks through the plugin machinery instead of with fallback code at each call site. A province
plugin's answer comes first (``firstresult`` hooks stop there); when it returns ``None`` or does not
implement the hook, :class:`CoreDefaults` answers. For the menu, the core's entries are contributed here
too, filtered by the province's own policy so that no entry leads to a refusal.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cme_platform import clock
from cme_platform.plugins import hookimpl

if TYPE_CHECKING:
    from collections.abc import Awaitable

    import pluggy

    from cme_platform.approvals.chains import ApprovalSubject, Chain
    from cme_platform.attendance.policy import AttendancePolicy
    from cme_platform.audit.actions import AuditLabels
    from cme_platform.certificates.policy import CertificatePolicy
    from cme_platform.certificates.schemas import CertificateFacts
    from cme_platform.compliance.standards import ComplianceStandard
    from cme_platform.credits.policy import CreditCategory, EntryPolicy
    from cme_platform.identity.principal import Principal
    from cme_platform.identity.sms_gateway import SmsGateway
    from cme_platform.jobs.kinds import JobKind
    from cme_platform.notifications.service import NotificationOut
    from cme_platform.plugins.types import MenuEntry, Todo
    from cme_platform.projects.policy import ProjectPolicy
    from cme_platform.standards.rules import Standard
    from cme_platform.tenancy.context import TenantContext

CORE_PLUGIN_NAME = "cme_core"
"""The name the default plugin is registered under; the core's other plugins are ``cme_core.<name>``."""

DEFAULT_INSTITUTION_LEVELS: tuple[str, ...] = ("三级医院", "二级医院", "一级医院", "其他")
"""单位级别 when the province names none."""


class CoreDefaults:
    """The core's default answers; ``pm`` lets the menu ask the tenant's province for its policy."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._pm = pm

    @hookimpl
    def cme_job_kinds(self) -> list[JobKind]:
        """People imports, tenant-year compliance recomputation, the daily announcement of credits that
        start to count, the credit forms of many people, a run's certificates, the daily removal of expired
        documents."""
        from cme_platform.certificates.bulk import PRINT_RUN
        from cme_platform.compliance.forms import FORMS
        from cme_platform.compliance.jobs import RECOMPUTE
        from cme_platform.credits.daily import ANNOUNCE_EFFECTIVE
        from cme_platform.documents.service import PURGE
        from cme_platform.personnel.jobs import IMPORT

        return [IMPORT, RECOMPUTE, ANNOUNCE_EFFECTIVE, FORMS, PRINT_RUN, PURGE]

    @hookimpl
    def cme_audit_labels(self) -> AuditLabels:
        """The core's action names and object types."""
        from cme_platform.audit.actions import CORE_LABELS

        return CORE_LABELS

    @hookimpl
    def cme_todos(self, tenant: TenantContext, principal: Principal) -> Awaitable[list[Todo]]:
        """Approvals waiting by kind; a learner's returned, rejected and unsubmitted credits and his year."""
        from cme_platform.todos.core import core_todos

        return core_todos(self._pm, tenant, principal)

    @hookimpl(trylast=True)
    def cme_institution_levels(self, tenant: TenantContext) -> list[str]:
        """三级医院, 二级医院, 一级医院, 其他."""
        return list(DEFAULT_INSTITUTION_LEVELS)

    @hookimpl(trylast=True)
    def cme_credit_standards(self, tenant: TenantContext, year: int) -> list[Standard]:
        """No standard table."""
        return []

    @hookimpl(trylast=True)
    def cme_credit_categories(self, tenant: TenantContext, year: int) -> list[CreditCategory]:
        """No categories: credits are summed as one total."""
        return []

    @hookimpl(trylast=True)
    def cme_compliance_standards(self, tenant: TenantContext, year: int) -> list[ComplianceStandard]:
        """No compliance standard: nobody is judged."""
        return []

    @hookimpl(trylast=True)
    def cme_credit_entry_policy(self, tenant: TenantContext) -> EntryPolicy:
        """Administrators enter credits, with both forms; learners do not."""
        from cme_platform.credits.policy import EntryPolicy

        return EntryPolicy()

    @hookimpl(trylast=True)
    def cme_approval_chain(self, tenant: TenantContext, subject: ApprovalSubject) -> Chain:
        """单位确认 then 继教委审核 for a hosting application, 单位审核 then 继教委评审 for a declaration,
        单位审核上报 then 继教委授分 for an attendee list, 单位审核 then 继教委认可 for a recognised
        certificate;
        else 单位审核: the institution decides (escalating when the subject has no institution admin)."""
        from cme_platform.approvals import kinds
        from cme_platform.approvals.chains import DEFAULT_CHAIN
        from cme_platform.certificates.recognition import RECOGNITION_CHAIN
        from cme_platform.projects.policy import PROJECT_CHAINS

        return {**PROJECT_CHAINS, kinds.CREDIT_RECOGNITION: RECOGNITION_CHAIN}.get(
            subject.kind, DEFAULT_CHAIN
        )

    @hookimpl(trylast=True)
    def cme_project_number(self, tenant: TenantContext, year: int, level: str, sequence: int) -> str:
        """``2026-省级-001``: the year, the level and the sequence in three digits."""
        return f"{year}-{level}-{sequence:03d}"

    @hookimpl(trylast=True)
    def cme_project_policy(self, tenant: TenantContext) -> ProjectPolicy:
        """Levels 国家级/省级/市级 (national projects entered by their owners), 25 credits at most, and
        the 会议通知 and 会议日程 for a hosting application."""
        from cme_platform.projects.policy import DEFAULT_POLICY

        return DEFAULT_POLICY

    @hookimpl(trylast=True)
    def cme_attendance_policy(self, tenant: TenantContext) -> AttendancePolicy:
        """Check-in and check-out, codes rotating every 30 seconds, 80% of a session's time, the attendee
        list within 14 days of the run's end (a late list flagged)."""
        from cme_platform.attendance.policy import DEFAULT_POLICY

        return DEFAULT_POLICY

    @hookimpl(trylast=True)
    def cme_certificate_policy(self, tenant: TenantContext) -> CertificatePolicy:
        """继续医学教育学分证书, issued by the tenant (its name), numbers starting with ``CME``."""
        from cme_platform.certificates.policy import CertificatePolicy

        return CertificatePolicy()

    @hookimpl(trylast=True)
    def cme_recognised_category(self, tenant: TenantContext, facts: CertificateFacts, issuer: str) -> str:
        """The certificate's own category when this province has one of that name (or no categories)."""
        from cme_platform.plugins.manager import tenant_hooks

        categories = tenant_hooks(self._pm, tenant).cme_credit_categories(year=clock.today().year)
        names = [c.name for c in categories]
        return facts.category if not names or facts.category in names else ""

    @hookimpl(trylast=True)
    def cme_credit_effective_on(
        self, tenant: TenantContext, subject: ApprovalSubject, approved_on: date
    ) -> date:
        """The day of approval."""
        return approved_on

    @hookimpl(trylast=True)
    def cme_notification_sms(self, tenant: TenantContext, notification: NotificationOut) -> bool:
        """No SMS: messages stay in the platform."""
        return False

    @hookimpl(trylast=True)
    def cme_sms_gateway(self, tenant: TenantContext) -> SmsGateway:
        """The console gateway: messages go to the ``cme.sms`` log."""
        from cme_platform.identity.sms_gateway import ConsoleGateway

        return ConsoleGateway()

    @hookimpl(trylast=True)
    def cme_menu_entries(self, tenant: TenantContext) -> list[MenuEntry]:
        """The core's menu, as far as this province's policy gives each page something to do."""
        from cme_platform.plugins.default_menu import core_menu

        return core_menu(self._pm, tenant, clock.today().year)


def is_core(name: str) -> bool:
    """True for the names the core's own plugins are registered under (never a tenant's ``plugin``)."""
    return name == CORE_PLUGIN_NAME or name.startswith(f"{CORE_PLUGIN_NAME}.")


def core_plugins(pm: pluggy.PluginManager) -> list[tuple[str, object]]:
    """The core's plugins, registered in every manager before the provinces: the defaults, then the
    core's event listeners (each domain's reactions to another's events)."""
    from cme_platform.compliance.listeners import ComplianceListener
    from cme_platform.notifications.listeners import NotificationListener

    return [
        (CORE_PLUGIN_NAME, CoreDefaults(pm)),
        (f"{CORE_PLUGIN_NAME}.compliance", ComplianceListener(pm)),
        (f"{CORE_PLUGIN_NAME}.notifications", NotificationListener(pm)),
    ]
