"""The core's Piccolo app: its tables and its migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from cme_platform.approvals.tables import ApprovalAction, ApprovalRequest
from cme_platform.attendance.tables import Answer, Attendance, Exam, ExamAttempt, ExternalAttendee, ScanRecord
from cme_platform.audit.tables import AuditEvent, PlatformAuditEvent
from cme_platform.certificates.tables import Certificate, Recognition
from cme_platform.compliance.tables import ComplianceResult, ComplianceRun
from cme_platform.credits.tables import CreditEvidence, CreditRecord, SelfEntryGrant, StandardGrant
from cme_platform.documents.tables import DocumentExport
from cme_platform.files.tables import StoredFile
from cme_platform.identity.tables import (
    Account,
    ApiToken,
    Captcha,
    LoginThrottle,
    PlatformLoginThrottle,
    PlatformOperator,
    RoleGrant,
    Session,
    SetupLink,
    SmsCode,
)
from cme_platform.jobs.tables import ScheduleMark
from cme_platform.notifications.tables import Notification
from cme_platform.orgs.tables import Department, Institution, Region
from cme_platform.personnel.tables import Person, PersonImport, PersonNumberCounter, PersonYear
from cme_platform.projects.tables import (
    AttendeeEntry,
    AttendeeList,
    ExpertReview,
    Project,
    ProjectNumberCounter,
    ProjectRun,
    ProjectSession,
    RunMaterial,
)
from cme_platform.ratelimit import RateCounter
from cme_platform.tenancy.tables import Tenant

APP_CONFIG = AppConfig(
    app_name="cme_platform",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[
        Tenant,
        Region,
        Institution,
        Department,
        Account,
        RoleGrant,
        ApiToken,
        SetupLink,
        SmsCode,
        LoginThrottle,
        Captcha,
        Session,
        PlatformOperator,
        PlatformLoginThrottle,
        AuditEvent,
        PlatformAuditEvent,
        StoredFile,
        Person,
        PersonYear,
        PersonNumberCounter,
        PersonImport,
        ApprovalRequest,
        ApprovalAction,
        CreditRecord,
        CreditEvidence,
        SelfEntryGrant,
        StandardGrant,
        ComplianceResult,
        ComplianceRun,
        ScheduleMark,
        Notification,
        Project,
        ProjectNumberCounter,
        ProjectRun,
        ProjectSession,
        RunMaterial,
        ExpertReview,
        ExternalAttendee,
        Attendance,
        ScanRecord,
        Answer,
        Exam,
        ExamAttempt,
        AttendeeList,
        AttendeeEntry,
        Certificate,
        Recognition,
        DocumentExport,
        RateCounter,
    ],
    migration_dependencies=[],
    commands=[],
)
