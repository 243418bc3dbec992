"""Two-tenant isolation: what tenant A owns is invisible and unchangeable from tenant B.

Covers every tenant-owned table (through the ORM scope) and every JSON API route and org page (through
HTTP, signed in as tenant B's commission admin and guessing tenant A's IDs). A new table or route that
this test does not know fails it, so isolation is checked for everything added later too.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cme_platform.approvals.tables import ApprovalAction, ApprovalRequest
from cme_platform.attendance.tables import Answer, Attendance, Exam, ExamAttempt, ExternalAttendee, ScanRecord
from cme_platform.audit.service import record
from cme_platform.audit.tables import AppendOnlyError, AuditEvent
from cme_platform.certificates.seal import KEY_ID, SealedRecord, name_hash, seal
from cme_platform.certificates.tables import Certificate, Recognition
from cme_platform.compliance.tables import ComplianceResult, ComplianceRun
from cme_platform.credits.tables import CreditEvidence, CreditRecord, SelfEntryGrant, StandardGrant
from cme_platform.documents.tables import DocumentExport
from cme_platform.files.links import LinkClaims, issue_token
from cme_platform.files.tables import StoredFile
from cme_platform.identity import throttle
from cme_platform.identity.roles import Role
from cme_platform.identity.setup_links import issue_setup_link
from cme_platform.identity.tables import Account, ApiToken, LoginThrottle, RoleGrant, SetupLink, SmsCode
from cme_platform.jobs.tables import ScheduleMark
from cme_platform.notifications.tables import Notification
from cme_platform.orgs.tables import Department, Institution, Region
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.service import document_columns
from cme_platform.personnel.tables import Person, PersonImport, PersonNumberCounter, PersonYear
from cme_platform.plugins.manager import get_plugin_manager
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
from cme_platform.settings import get_settings
from cme_platform.tenancy.scope import scope
from cme_platform.tenancy.tables import TENANT_OWNED_TABLES
from cme_platform.testkit.isolation import plugin_rows

PARAM_RE = re.compile(r"\{(\w+)(?::\w+)?\}")


def _ids_by_table(world: Any) -> dict[type, list[int]]:
    return {
        Region: [world.region_id, world.other_region_id],
        Institution: [world.institution_id, world.other_institution_id],
        Department: [world.department_id, world.other_department_id],
        Account: list(world.accounts.values()),
        RoleGrant: [],  # filled from the database below
        SetupLink: [],  # issued in the test below
        LoginThrottle: [],  # a failed sign-in counted in the test below
        SmsCode: [],  # an SMS code sent in the test below
        ApiToken: [A_TOKEN_ID],  # see _seed_api_token
        StoredFile: [FILE_IDS[0]],  # see _seed_files
        AuditEvent: [],  # see _seed_audit
        Person: [PERSON_IDS[0]],  # see _seed_people
        PersonYear: [YEAR_IDS[0]],
        PersonNumberCounter: [],
        PersonImport: [IMPORT_IDS[0]],  # see _seed_imports
        ApprovalRequest: [REQUEST_IDS[0]],  # see _seed_credits
        ApprovalAction: [REQUEST_IDS[0]],
        CreditRecord: [CREDIT_IDS[0]],
        CreditEvidence: [CREDIT_IDS[0]],
        SelfEntryGrant: [ENTRY_GRANT_IDS[0]],
        StandardGrant: [ENTRY_GRANT_IDS[0]],
        ComplianceResult: [CREDIT_IDS[0]],
        ComplianceRun: [RUN_IDS[0]],
        ScheduleMark: [RUN_IDS[0]],
        Notification: [RUN_IDS[0]],
        Project: [PROJECT_IDS[0]],
        ProjectNumberCounter: [PROJECT_IDS[0]],
        ProjectRun: [RUN_IDS[0]],
        ProjectSession: [SESSION_IDS[0]],
        RunMaterial: [RUN_IDS[0]],
        ExpertReview: [PROJECT_IDS[0]],
        Attendance: [SESSION_IDS[0]],
        ScanRecord: [SESSION_IDS[0]],
        Answer: [SESSION_IDS[0]],
        ExternalAttendee: [SESSION_IDS[0]],
        Exam: [RUN_IDS[0]],
        ExamAttempt: [RUN_IDS[0]],
        AttendeeList: [RUN_IDS[0]],
        AttendeeEntry: [RUN_IDS[0]],
        Certificate: [CREDIT_IDS[0]],
        DocumentExport: [RUN_IDS[0]],
        Recognition: [RUN_IDS[0]],
    }


A_TOKEN_ID = 900_001
"""Tenant A's API token gets a fixed id, so that routes can name it."""


async def _seed_api_token(world: Any) -> None:
    with scope(world.tenant):
        await ApiToken.insert(
            ApiToken(
                id=A_TOKEN_ID,
                account=world.accounts["commission"],
                name="甲省令牌",
                jti="isolation-token-of-a",
                roles=["commission_admin"],
                expires_at=datetime.now(UTC) + timedelta(days=1),
            )
        )


FILE_IDS = (900_101, 900_102)
"""Fixed ids of one stored file in tenant A and one in tenant B (rows only; no stored bytes needed)."""


async def _seed_files(*worlds: Any) -> None:
    for world, file_id in zip(worlds, FILE_IDS, strict=False):
        with scope(world.tenant):
            await StoredFile.insert(
                StoredFile(
                    id=file_id,
                    key=f"t{world.tenant.id}/isolation-{file_id}",
                    purpose="evidence",
                    original_name="证明.pdf",
                    content_type="application/pdf",
                    extension="pdf",
                    size=1,
                    sha256="0" * 64,
                    uploaded_by=world.accounts["commission"],
                )
            )


async def _seed_audit(world: Any) -> None:
    """A change-log entry of tenant A's region (tenant B must never see it)."""
    with scope(world.tenant):
        await record("orgs.region.update", object_type="region", object_id=world.region_id, summary="甲省")


PERSON_IDS = (900_201, 900_202)
YEAR_IDS = (900_301, 900_302)
"""Fixed ids of one person (with a year's entry) in tenant A and one in tenant B."""


async def _seed_people(*worlds: Any) -> None:
    for world, person_id, year_id in zip(worlds, PERSON_IDS, YEAR_IDS, strict=False):
        with scope(world.tenant):
            number = (await reserve_person_numbers(1))[0]
            await Person.insert(
                Person(
                    id=person_id,
                    name="甲省人员",
                    gender="男",
                    person_number=number,
                    institution=world.institution_id,
                    **document_columns(f"E{person_id}"),
                )
            )
            await PersonYear.insert(
                PersonYear(id=year_id, person=person_id, year=2024, institution=world.institution_id)
            )


IMPORT_IDS = (900_401, 900_402)
"""Fixed ids of one people import in tenant A and one in tenant B."""


async def _seed_imports(*worlds: Any) -> None:
    for world, import_id in zip(worlds, IMPORT_IDS, strict=False):
        with scope(world.tenant):
            await PersonImport.insert(PersonImport(id=import_id, file_name="人员.xlsx", status="done"))


CREDIT_IDS = (900_501, 900_502)
REQUEST_IDS = (900_601, 900_602)
ENTRY_GRANT_IDS = (900_701, 900_702)
RUN_IDS = (900_801, 900_802)
PROJECT_IDS = (900_901, 900_902)
SESSION_IDS = (901_001, 901_002)
"""Fixed ids of one credit record (under review, with evidence), its approval request, a self-entry grant,
a compliance result and a recomputation run in tenant A and in tenant B (call after ``_seed_people`` and
``_seed_files``)."""


async def _seed_credits(*worlds: Any) -> None:
    for index, world in enumerate(worlds):
        person_id, credit_id, request_id = PERSON_IDS[index], CREDIT_IDS[index], REQUEST_IDS[index]
        with scope(world.tenant):
            await ApprovalRequest.insert(
                ApprovalRequest(
                    id=request_id,
                    subject_type="credit",
                    subject_id=credit_id,
                    chain="default",
                    steps=[{"role": "institution_admin", "label": "单位审核"}],
                    waiting_role="institution_admin",
                    title="甲省学分",
                    institution=world.institution_id,
                    region=world.region_id,
                )
            )
            await ApprovalAction.insert(ApprovalAction(id=request_id, request=request_id, action="submit"))
            await CreditRecord.insert(
                CreditRecord(
                    id=credit_id,
                    person=person_id,
                    institution=world.institution_id,
                    year=2024,
                    activity_date=datetime(2024, 5, 18).date(),
                    activity_name="甲省学分",
                    category="I类学分",
                    credits=250,
                    status="submitted",
                    approval=request_id,
                    idempotency_key=f"isolation:{index}",
                )
            )
            await CreditEvidence.insert(CreditEvidence(id=credit_id, record=credit_id, file=FILE_IDS[index]))
            await SelfEntryGrant.insert(
                SelfEntryGrant(id=ENTRY_GRANT_IDS[index], institution=world.institution_id)
            )
            await StandardGrant.insert(
                StandardGrant(
                    id=ENTRY_GRANT_IDS[index],
                    key=f"isolation-{index}",
                    standard_code="bj-07",
                    activity_name="甲省授分",
                    activity_date=datetime(2024, 5, 18).date(),
                    institution=world.institution_id,
                )
            )
            await ComplianceResult.insert(
                ComplianceResult(id=credit_id, person=person_id, year=2024, institution=world.institution_id)
            )
            await ComplianceRun.insert(ComplianceRun(id=RUN_IDS[index], year=2024, status="done"))
            await ScheduleMark.insert(ScheduleMark(id=RUN_IDS[index], name="credits.announce_effective"))
            learner = world.accounts["learner"]
            await Notification.insert(Notification(id=RUN_IDS[index], account=learner, title="甲省消息"))
            await _seed_project(world, index)


async def _seed_project(world: Any, index: int) -> None:
    """A published project with a run (its id is the compliance run's: one ``run_id`` serves both), a
    session and a material."""
    day = datetime(2024, 5, 18, 8, 0, tzinfo=UTC)
    await Project.insert(
        Project(
            id=PROJECT_IDS[index],
            year=2024,
            number=f"2024-ISO-{index}",
            name="甲省项目",
            level="国家级",
            institution=world.institution_id,
            credits=500,
        )
    )
    await ProjectRun.insert(
        ProjectRun(
            id=RUN_IDS[index],
            project=PROJECT_IDS[index],
            seq=1,
            venue="甲省",
            starts_on=day.date(),
            ends_on=day.date(),
        )
    )
    await ProjectSession.insert(
        ProjectSession(
            id=SESSION_IDS[index],
            run=RUN_IDS[index],
            title="甲省课程",
            starts_at=day,
            ends_at=day + timedelta(hours=2),
        )
    )
    await ProjectNumberCounter.insert(
        ProjectNumberCounter(id=PROJECT_IDS[index], year=2024, level="省级", last_value=1)
    )
    await RunMaterial.insert(
        RunMaterial(id=RUN_IDS[index], run=RUN_IDS[index], kind="notice", file=FILE_IDS[index])
    )
    await ExpertReview.insert(
        ExpertReview(
            id=PROJECT_IDS[index],
            project=PROJECT_IDS[index],
            approval=REQUEST_IDS[index],
            expert=world.accounts["commission"],
        )
    )
    await _seed_attendance(world, index)


async def _seed_attendance(world: Any, index: int) -> None:
    """A check-in to the project's session, its scan, and the run's attendee list with the person."""
    day = datetime(2024, 5, 18, 8, 0, tzinfo=UTC)
    session_id, run_id, person_id = SESSION_IDS[index], RUN_IDS[index], PERSON_IDS[index]
    await Attendance.insert(
        Attendance(
            id=session_id, session_kind="project", session_id=session_id, group_id=run_id, person=person_id
        )
    )
    await ScanRecord.insert(
        ScanRecord(id=session_id, session_kind="project", session_id=session_id, outcome="accepted")
    )
    await Answer.insert(
        Answer(id=session_id, session_kind="project", group_id=run_id, question="q1", option="是", chosen=1)
    )
    await ExternalAttendee.insert(
        ExternalAttendee(id=session_id, name="甲省登记", **document_columns(f"E{900_300 + index}"))
    )
    await Exam.insert(Exam(id=run_id, session_kind="project", group_id=run_id, questions=[]))
    await ExamAttempt.insert(ExamAttempt(id=run_id, exam=run_id, person=person_id, score=80, passed=True))
    await AttendeeList.insert(AttendeeList(id=run_id, run=run_id, deadline=day.date()))
    await AttendeeEntry.insert(AttendeeEntry(id=run_id, attendee_list=run_id, person=person_id, first_in=day))
    await Certificate.insert(
        Certificate(
            id=CREDIT_IDS[index],
            number=CERTIFICATE_NUMBERS[index],
            person=person_id,
            credit=CREDIT_IDS[index],
            source_type="credit",
            source_id=CREDIT_IDS[index],
            year=2024,
            seal=_seal(world, index),
            issued_on=day.date(),
        )
    )

    await Recognition.insert(
        Recognition(
            id=run_id,
            person=person_id,
            issuer="elsewhere",
            number=f"EW2024-{index}",
            credit=CREDIT_IDS[index],
            created_by=world.accounts["learner"],
        )
    )
    await DocumentExport.insert(
        DocumentExport(
            id=run_id,
            kind="compliance.forms",
            title="多年度学分验证表（1 人）",
            status="done",
            file=FILE_IDS[index],
            created_by=world.accounts["commission"],
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
    )


CERTIFICATE_NUMBERS = ("ISO2024-AAAA-AAAA-A0", "ISO2024-AAAA-AAAA-A1")


def _seal(world: Any, index: int) -> str:
    """The seal of tenant A's (``index`` 0) or B's certificate, signed with its tenant's key."""
    record = SealedRecord(
        issuer=world.tenant.slug,
        key_id=KEY_ID,
        number=CERTIFICATE_NUMBERS[index],
        name_hash=name_hash("甲省学员"),
        credits=250,
        category="I类学分",
        issued_on=date(2024, 5, 18),
    )
    return seal(get_settings().secret_key, record)


def _download_token(world: Any) -> str:
    """A valid signed download link for tenant A's file (tenant B must answer it with 404)."""
    claims = LinkClaims(tenant_id=world.tenant.id, file_id=FILE_IDS[0], expires_at=2**40)
    return issue_token(get_settings().secret_key, claims)


async def _snapshot(world: Any) -> dict[str, list[dict[str, Any]]]:
    with scope(world.tenant):
        return {t._meta.tablename: await t.select().order_by(t.id) for t in TENANT_OWNED_TABLES}


async def test_every_tenant_owned_table_is_isolated(world, other_world):
    with scope(world.tenant):
        await issue_setup_link(world.accounts["learner"], created_by=world.accounts["commission"])
        await throttle.begin("commission", world.accounts["commission"], "203.0.113.9")
        await SmsCode(
            phone="13800138000", purpose="login", code_hash="0" * 64, expires_at=datetime.now(UTC)
        ).save()
    await _seed_api_token(world)
    await _seed_files(world)
    await _seed_audit(world)
    await _seed_people(world)
    await _seed_imports(world)
    await _seed_credits(world)
    known = {**_ids_by_table(world), **await plugin_rows(world, get_plugin_manager())}
    assert set(TENANT_OWNED_TABLES) <= set(known), (
        f"tables without an isolation case: {set(TENANT_OWNED_TABLES) - set(known)}"
    )
    before = await _snapshot(world)
    for table in TENANT_OWNED_TABLES:
        a_ids = [row["id"] for row in before[table._meta.tablename]]
        assert a_ids, f"tenant A has no {table.__name__} rows: the world fixture must create some"
        with scope(other_world.tenant):
            seen = {row["id"] for row in await table.select(table.id)}
            assert not seen & set(a_ids), f"{table.__name__}: tenant B sees tenant A's rows"
            for a_id in a_ids:
                assert await table.objects().where(table.id == a_id).first() is None
                assert not await table.exists().where(table.id == a_id)
            if table is AuditEvent:  # append-only: the ORM refuses any change, in every scope
                with pytest.raises(AppendOnlyError):
                    table.update({table.id: table.id})
                continue
            await table.update({table.id: table.id}).where(table.id.is_in(a_ids))
            await table.delete().where(table.id.is_in(a_ids))
    assert await _snapshot(world) == before, "tenant B changed tenant A's rows"


# Bodies for create routes that point at tenant A's objects (from tenant B they must be refused).
CREATE_BODIES = {
    "/api/orgs/regions": None,  # a region has no parent: nothing of A to point at
    "/api/orgs/institutions": lambda w: {
        "name": "越权",
        "code": "X-1",
        "level": "三级医院",
        "region_id": w.region_id,
    },
    "/api/orgs/departments": lambda w: {"institution_id": w.institution_id, "name": "越权科室"},
    "/api/identity/tokens": None,  # a new token belongs to the caller: nothing of A to point at
    "/api/files": None,  # an upload points at nothing of A (cross-tenant links: tests/test_files.py)
    "/api/identity/tokens/{token_id:int}/revoke": lambda w: {},
    "/api/account/password": lambda w: {
        "current_password": "x",
        "new_password": "y",
        "confirm_password": "y",
    },
    "/api/identity/accounts": lambda w: {
        "username": "intruder",
        "display_name": "越权",
        "roles": [{"role": "learner", "institution_id": w.institution_id}],
    },
    "/api/identity/accounts/{account_id:int}/password-reset": lambda w: {"password_mode": "link"},
    "/api/identity/accounts/{account_id:int}/roles": lambda w: {
        "role": "learner",
        "institution_id": w.institution_id,
    },
    "/api/personnel/people": lambda w: {
        "institution_id": w.institution_id,
        "id_type": "护照",
        "id_number": "E900201",
        "name": "越权人员",
        "gender": "男",
        "title": "医师",
        "specialty": "内科学",
        "phone": "13900000000",
    },
    # a token stands for the caller's own keyword and searches only the caller's tenant: nothing of A
    "/api/personnel/people/search-token": None,
    "/api/personnel/people/batch": lambda w: {"ids": [PERSON_IDS[0]], "status": "退休"},
    "/api/personnel/people/{person_id:int}/years": lambda w: {"year": 2020},
    "/api/standards/{code:str}/compute": lambda w: {"hours": "2", "project_credits": "3"},
    "/api/personnel/imports": None,  # an upload (multipart); a named institution of A: test_personnel_import
    # an upload (multipart); tenant B has no list "external" (404 before the body is read), and rows naming
    # institutions outside the importer's scope are refused: tests/test_projects_import.py
    "/api/project-imports/{list_code:str}": None,
    "/api/compliance/runs": None,  # recomputes the caller's own tenant: nothing of A to point at
    "/api/compliance/runs/{run_id:int}/cancel": lambda w: {},
    "/api/notifications/read-all": None,  # marks the caller's own messages: nothing of A to point at
    "/api/notifications/{notification_id:int}/read": lambda w: {},
    "/api/personnel/imports/{import_id:int}/cancel": lambda w: {},
    "/api/credits": lambda w: {
        "activity_name": "越权学分",
        "activity_date": "2024-05-18",
        "person_id": PERSON_IDS[0],
        "category": "I类学分",
        "credits": "1",
    },
    "/api/credits/submit": lambda w: {"ids": [CREDIT_IDS[0]]},
    "/api/credits/{record_id:int}/correction": lambda w: {"reason": "越权更正", "credits": "1"},
    "/api/credits/self-entry-grants": lambda w: {"institution_id": w.institution_id},
    "/api/credits/standard-grants": lambda w: {
        "standard_code": "bj-07",
        "person_ids": [PERSON_IDS[0]],
        "activity_name": "越权授分",
        "activity_date": "2024-05-18",
        "inputs": {"hours": "6"},
        "evidence_ids": [FILE_IDS[0]],
    },
    "/api/approvals/{request_id:int}/decision": lambda w: {"action": "approve"},
    "/api/approvals/batch": lambda w: {"action": "approve", "ids": [REQUEST_IDS[0]]},
    "/api/projects": None,  # 项目录入 creates under the caller's own institution: nothing of A to point at
    "/api/projects/declarations": None,  # a declaration is the caller's own unit's: nothing of A to point at
    "/api/projects/{project_id:int}/submit": lambda w: {},
    "/api/projects/{project_id:int}/runs": lambda w: RUN_BODY,
    "/api/project-runs/{run_id:int}/sessions": lambda w: {
        "title": "越权课程",
        "starts_at": "2024-05-18T09:00:00",
        "ends_at": "2024-05-18T10:00:00",
    },
    "/api/project-runs/{run_id:int}/materials": lambda w: {"kind": "notice", "file_id": FILE_IDS[0]},
    "/api/project-runs/{run_id:int}/submit": lambda w: {},
    "/api/projects/{project_id:int}/experts": lambda w: {"account_ids": [w.accounts["commission"]]},
    "/api/project-runs/{run_id:int}/attendee-list": lambda w: {},
    "/api/attendance/sessions/{kind:str}/{session_id:int}/cards": lambda w: {"card": "X1"},
    # a walk-in names a code, signed per tenant: another tenant's code is refused (test_attendance_scan)
    "/api/public/attendance/walk-ins": None,
    "/api/attendee-lists/{list_id:int}/forward": lambda w: {"entry_ids": [RUN_IDS[0]]},
    "/api/certificates/{certificate_id:int}/withdraw": lambda w: {"reason": "越权撤销"},
    # tenant A's certificate by its project and holder: found only in A (B offers no look-up at all)
    "/api/public/certificates/lookup": lambda w: {"project_number": "2024-ISO-0", "name": "甲省学员"},
    "/api/project-runs/{run_id:int}/certificates/pdf": lambda w: {},
    "/api/compliance/forms": lambda w: {"form": "years", "person_ids": [PERSON_IDS[0]], "years": [2024]},
    "/api/documents/{export_id:int}/link": lambda w: {},
    "/api/documents/{export_id:int}/cancel": lambda w: {},
}
RUN_BODY = {"venue": "越权", "starts_on": "2024-05-18", "ends_on": "2024-05-18"}
# Bodies for replace (PUT) routes: a valid body, so only the ID decides.
PUT_BODIES = {
    "/api/projects/{project_id:int}": {
        "year": 2024,
        "number": "越权-1",
        "name": "越权修改",
        "level": "国家级",
        "leader": "越权",
        "credits": "1",
    },
    "/api/project-runs/{run_id:int}": RUN_BODY,
    "/api/project-reviews/{review_id:int}": {"score": 80, "opinion": "approve"},
    "/api/attendee-lists/{list_id:int}/selection": {"entry_ids": [RUN_IDS[0]]},
    "/api/attendance/exams/{kind:str}/{group_id:int}": {
        "pass_mark": 60,
        "questions": [{"text": "越权", "options": ["甲", "乙"], "answers": [0]}],
    },
    "/api/projects/{project_id:int}/delegate": {"department_id": None},
    "/api/credits/{record_id:int}": {
        "activity_name": "越权修改",
        "activity_date": "2024-05-18",
        "category": "I类学分",
        "credits": "1",
    },
}
OWN_ACCOUNT_ROUTES = {"/api/account"}
# Bodies for edit routes whose schema has no ``name`` (a valid body, so only the ID decides).
PATCH_BODIES = {
    "/api/identity/accounts/{account_id:int}": {"display_name": "越权修改"},
    "/api/personnel/people/{person_id:int}/years/{year_id:int}": {"note": "越权修改"},
}
# The learner's own record: no id to guess, and tenant B's commission admin is no learner.
LEARNER_ROUTES = {
    "/api/profile",
    "/api/my/compliance",
    "/api/my/compliance/export",
    "/api/attendance/mine",
    "/api/attendance/scans",  # a scan redeems a code for the learner himself (codes: test_attendance_scan)
    "/api/attendance/exams/{kind:str}/{group_id:int}/paper",  # the learner's own exam (test_attendance_exams)
    "/api/attendance/exams/{kind:str}/{group_id:int}/attempts",
    "/api/certificates",  # the learner's own certificates
    "/api/certificates/{certificate_id:int}",
    "/api/certificates/{certificate_id:int}/credential",
    "/api/certificates/credits",  # the learner's own credits' certificates (test_credit_certificates)
    "/api/recognitions",  # the learner's own recognitions (other tenants' certificates: test_recognition)
}
PARAM_IDS = {
    "region_id": lambda w: w.region_id,
    "institution_id": lambda w: w.institution_id,
    "department_id": lambda w: w.department_id,
    "item_id": None,  # page routes: filled per kind below
    "account_id": lambda w: w.accounts["learner"],
    "grant_id": lambda w: 1,  # the account is not found first
    "token_id": lambda w: A_TOKEN_ID,
    "file_id": lambda w: FILE_IDS[0],
    "token": _download_token,
    "object_type": lambda w: "region",
    "object_id": lambda w: w.region_id,
    "person_id": lambda w: PERSON_IDS[0],
    "year_id": lambda w: YEAR_IDS[0],
    "import_id": lambda w: IMPORT_IDS[0],
    "run_id": lambda w: RUN_IDS[0],
    "notification_id": lambda w: RUN_IDS[0],
    "record_id": lambda w: CREDIT_IDS[0],
    "request_id": lambda w: REQUEST_IDS[0],
    "self_entry_grant_id": lambda w: ENTRY_GRANT_IDS[0],
    "project_id": lambda w: PROJECT_IDS[0],
    "session_id": lambda w: SESSION_IDS[0],
    "review_id": lambda w: PROJECT_IDS[0],
    "code": lambda w: "bj-01",  # a standard of tenant A's province (Beijing); tenant B is Zhejiang
    "kind": lambda w: "project",  # a session kind: the session id decides
    "list_id": lambda w: RUN_IDS[0],  # the attendee list of tenant A's run
    "group_id": lambda w: RUN_IDS[0],  # tenant A's run, whose exam it is
    "list_code": lambda w: "external",  # Beijing's 申报项目导入; Zhejiang imports no project lists
    "certificate_id": lambda w: CREDIT_IDS[0],
    "number": lambda w: CERTIFICATE_NUMBERS[0],
    "seal": lambda w: _seal(w, 0),  # tenant A's seal: another issuer's, never looked up in B
    "standard_grant_id": lambda w: ENTRY_GRANT_IDS[0],
    "export_id": lambda w: RUN_IDS[0],  # tenant A's commission administrator's document
}
# Change logs: tenant A's object id from tenant B gives an empty log (there is no object to 404 on).
EMPTY_HISTORY_ROUTES = {"/api/audit/objects/{object_type:str}/{object_id:str}"}
LIST_IDS = {
    "/api/orgs/regions": lambda w: {w.region_id, w.other_region_id},
    "/api/orgs/institutions": lambda w: {w.institution_id, w.other_institution_id},
    "/api/orgs/departments": lambda w: {w.department_id, w.other_department_id},
    "/api/identity/accounts": lambda w: set(w.accounts.values()),
    "/api/files": lambda w: {FILE_IDS[0]},
    "/api/personnel/people": lambda w: {PERSON_IDS[0]},
    "/api/personnel/imports": lambda w: {IMPORT_IDS[0]},
    "/api/credits": lambda w: {CREDIT_IDS[0]},
}
PAGE_KIND_IDS = {
    "regions": lambda w: w.region_id,
    "institutions": lambda w: w.institution_id,
    "departments": lambda w: w.department_id,
}


def _api_routes(app: Any) -> list[tuple[str, str]]:
    routes = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", ())):
            if method in ("OPTIONS", "HEAD"):
                continue
            if route.path.startswith(("/api/", "/orgs/", "/accounts", "/files", "/audit")):
                routes.append((method, route.path))
    return routes


async def test_every_route_refuses_other_tenants_ids(cme_app, cme_client, world, other_world, login):
    await _seed_api_token(world)
    await _seed_files(world, other_world)
    await _seed_audit(world)
    await _seed_people(world, other_world)
    await _seed_imports(world, other_world)
    await _seed_credits(world, other_world)
    before = await _snapshot(world)
    with scope(other_world.tenant):  # B's commission administrator is also one of B's experts (专家评审)
        await RoleGrant(account=other_world.accounts["commission"], role=Role.AUDIT_EXPERT.value).save()
    await login(cme_client, other_world.tenant, "commission")
    prefix = f"/t/{other_world.tenant.slug}"
    routes = _api_routes(cme_app)
    assert routes
    for method, path in routes:
        params = PARAM_RE.findall(path)
        url = path
        for name in params:
            if name == "item_id":
                kind = path.split("/")[2]
                value = PAGE_KIND_IDS[kind](world)
            else:
                assert name in PARAM_IDS, f"{method} {path}: no isolation case for path parameter {name}"
                value = PARAM_IDS[name](world)
            url = PARAM_RE.sub(str(value), url, count=1)
        if path in LEARNER_ROUTES:
            response = await cme_client.request(method, prefix + url, json={"phone": "13900000001"})
            assert response.status_code == 403, f"{method} {path}: {response.status_code}"
        elif method == "GET" and path in EMPTY_HISTORY_ROUTES:
            response = await cme_client.get(prefix + url)
            assert response.status_code == 200 and response.json()["total"] == 0, f"GET {path} shows A's log"
        elif method == "GET" and params:
            response = await cme_client.get(prefix + url)
            assert response.status_code == 404, (
                f"GET {path} with tenant A's id answered {response.status_code}"
            )
        elif method == "GET":
            response = await cme_client.get(
                prefix + url, params={"page_size": 200} if path.startswith("/api/") else {}
            )
            assert response.status_code == 200, f"GET {path}: {response.status_code}"
            if path in LIST_IDS:
                listed = {item["id"] for item in response.json()["items"]}
                assert listed and listed.isdisjoint(LIST_IDS[path](world)), (
                    f"GET {path} lists tenant A's rows"
                )
        elif method == "PATCH" and path in OWN_ACCOUNT_ROUTES:
            # "my account" has no id to guess: it only ever changes the caller's own account
            response = await cme_client.patch(prefix + url, json={"email": "b@example.cn"})
            assert response.status_code == 200 and response.json()["id"] not in world.accounts.values()
        elif method == "PATCH":
            response = await cme_client.patch(prefix + url, json=PATCH_BODIES.get(path, {"name": "越权修改"}))
            assert response.status_code == 404, f"PATCH {path}: {response.status_code}"
        elif method == "PUT":
            response = await cme_client.put(prefix + url, json=PUT_BODIES[path])
            assert response.status_code == 404, f"PUT {path}: {response.status_code}"
        elif method == "DELETE":
            response = await cme_client.delete(prefix + url)
            assert response.status_code == 404, f"DELETE {path}: {response.status_code}"
        elif method == "POST" and path.startswith("/api/"):
            assert path in CREATE_BODIES, f"POST {path}: add an isolation case to CREATE_BODIES"
            body = CREATE_BODIES[path]
            if body is not None:
                response = await cme_client.post(prefix + url, json=body(world))
                assert response.status_code in (400, 404), f"POST {path}: {response.status_code}"
        elif method == "POST":
            form = {
                "name": "越权",
                "code": "X-2",
                "active": "0",
                "level": "三级医院",
                "institution_id": str(world.institution_id),
            }
            response = await cme_client.post(prefix + url, data=form, follow_redirects=False)
            if params:
                assert response.status_code == 404, f"POST {path}: {response.status_code}"
            else:
                assert response.status_code in (303, 400), f"POST {path}: {response.status_code}"
    assert await _snapshot(world) == before, "requests from tenant B changed tenant A's rows"


async def test_a_session_of_one_tenant_is_not_valid_in_another(cme_client, world, other_world, login):
    await login(cme_client, world.tenant, "commission")
    assert (await cme_client.get(f"/t/{world.tenant.slug}/api/orgs/regions")).status_code == 200
    r = await cme_client.get(f"/t/{other_world.tenant.slug}/api/orgs/regions")
    assert r.status_code == 401
