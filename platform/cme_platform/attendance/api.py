"""The attendance JSON API.

- ``POST /api/attendance/scans``: redeem a scanned code (a learner, for himself);
- ``GET /api/attendance/mine``: 考勤记录, the learner's attendance;
- ``GET /api/attendance/sessions/{kind}/{session_id}/display``: a session's current codes and counts, for
  the venue's screen (rotating) or the printed sheet (static);
- ``GET /api/attendance/sessions/{kind}/{session_id}/counts``: its live counts;
- ``POST /api/attendance/sessions/{kind}/{session_id}/cards``: 刷卡签到, a card number read at the venue;
- ``/api/attendance/exams/{kind}/{group_id}``: 在线考试, written by the group's owner (``GET``, ``PUT``),
  taken by a learner who attended (``GET …/paper``, ``POST …/attempts``);
- ``POST /api/public/attendance/walk-ins``: 现场登记, the walk-in form (no sign-in), where allowed.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import Provide
from litestar.params import JSONBody, Parameter

from cme_platform.api.openapi import RATE_LIMITED
from cme_platform.api.params import Id, PageNumber, PageSize
from cme_platform.api.state import plugin_manager, secret_key
from cme_platform.attendance import cards, exams, records, scan, walk_in
from cme_platform.attendance.cards import CardIn, CardOut
from cme_platform.attendance.schemas import AttendancePage, DisplayOut, ScanIn, ScanOut, SessionCounts
from cme_platform.compliance.service import own_person_id
from cme_platform.errors import NotFound
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.tenancy.urls import site_url

Kind = Annotated[
    str, Parameter(pattern="^[a-z][a-z0-9_]{0,31}$", description="课程类型（project：项目课程）")
]
FOLLOWERS = (Role.PROJECT_OWNER, Role.DEPARTMENT_ADMIN, Role.ONSITE_MANAGER)
"""Roles that show a session's codes (the handler of its kind decides which sessions)."""
VIEWERS = (Role.COMMISSION_ADMIN, Role.REGION_ADMIN, Role.INSTITUTION_ADMIN, *FOLLOWERS)
"""Roles that follow a session's counts (the handler of its kind decides which sessions); the codes'
route admits them too, so that a session out of reach is a 404 and a session in reach but not one's own
is a 403 with its reason."""


class AttendanceController(Controller):
    """Scans, a learner's attendance and a session's codes."""

    path = "/api/attendance"
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["考勤 attendance"]  # noqa: RUF012

    @post(
        "/scans",
        status_code=200,
        guards=[requires_role(Role.LEARNER)],
        summary="签到/撤离: redeem a scanned code for oneself (a repeat returns the original time)",
    )
    async def scan(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[ScanIn]
    ) -> ScanOut:
        return await scan.scan(
            plugin_manager(request),
            principal,
            data.code,
            secret=secret_key(request),
            answers=data.answers,
            opened=data.opened,
        )

    @get("/mine", guards=[requires_role(Role.LEARNER)], summary="考勤记录: my attendance, newest first")
    async def mine(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> AttendancePage:
        person_id = await own_person_id(principal.account_id)
        return await records.person_attendance(
            plugin_manager(request), person_id, page=page, page_size=page_size
        )

    @get(
        "/sessions/{kind:str}/{session_id:int}/display",
        guards=[requires_role(*VIEWERS)],
        summary="A session's current check-in and check-out codes and its counts (the venue's screen)",
    )
    async def display(
        self, request: Request[Any, Any, Any], principal: Caller, kind: Kind, session_id: Id
    ) -> DisplayOut:
        return await records.display(
            plugin_manager(request),
            principal,
            kind,
            session_id,
            secret=secret_key(request),
            base_url=site_url(request),
        )

    @get(
        "/sessions/{kind:str}/{session_id:int}/counts",
        guards=[requires_role(*VIEWERS)],
        summary="How many checked in and out of a session so far",
    )
    async def counts(self, principal: Caller, kind: Kind, session_id: Id) -> SessionCounts:
        await records.viewed_session(principal, kind, session_id)
        return await records.session_counts(kind, session_id)

    @post(
        "/sessions/{kind:str}/{session_id:int}/cards",
        status_code=200,
        guards=[requires_role(*VIEWERS)],
        summary="刷卡签到: check a card's person in or out of a session (where the province allows it)",
    )
    async def card(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        kind: Kind,
        session_id: Id,
        data: JSONBody[CardIn],
    ) -> CardOut:
        return await cards.record_card(plugin_manager(request), principal, kind, session_id, data)


GroupId = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="项目期数（或活动）编号")]


class ExamController(Controller):
    """A group's online exam (在线考试): its owner writes it, a learner who attended takes it."""

    path = "/api/attendance/exams/{kind:str}/{group_id:int}"
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["考勤 attendance"]  # noqa: RUF012

    @get("/", guards=[requires_role(*VIEWERS)], summary="The exam with its answers (the group's owner)")
    async def read(self, principal: Caller, kind: Kind, group_id: GroupId) -> exams.ExamOut:
        exam = await exams.owner_exam(principal, kind, group_id)
        if exam is None:
            raise NotFound(exams.EXAM_NOT_FOUND)
        return exam

    @put("/", guards=[requires_role(*VIEWERS)], summary="Write the exam (until someone has taken it)")
    async def save(
        self, principal: Caller, kind: Kind, group_id: GroupId, data: JSONBody[exams.ExamIn]
    ) -> exams.ExamOut:
        return await exams.save_exam(principal, kind, group_id, data)

    @get("/paper", guards=[requires_role(Role.LEARNER)], summary="The paper and my attempts (I attended)")
    async def paper(
        self, request: Request[Any, Any, Any], principal: Caller, kind: Kind, group_id: GroupId
    ) -> exams.ExamOut:
        return await exams.learner_exam(plugin_manager(request), principal, kind, group_id)

    @post(
        "/attempts",
        status_code=200,
        guards=[requires_role(Role.LEARNER)],
        summary="Submit my answers: scored and stored (as often as the province allows)",
    )
    async def attempt(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        kind: Kind,
        group_id: GroupId,
        data: JSONBody[exams.AnswersIn],
    ) -> exams.AttemptOut:
        return await exams.take_exam(plugin_manager(request), principal, kind, group_id, data)


@post(
    "/api/public/attendance/walk-ins",
    status_code=200,
    tags=["考勤 attendance"],
    summary="现场登记: check in (registering) or out without an account, where the province allows it",
    responses=RATE_LIMITED,
)
async def walk_in_scan(request: Request[Any, Any, Any], data: JSONBody[walk_in.WalkInScanIn]) -> ScanOut:
    """A code redeemed with the walk-in form (no sign-in): matched to the registry by ID number, or an
    external attendee."""
    return await walk_in.walk_in(
        plugin_manager(request),
        data.code,
        data,
        secret=secret_key(request),
        opened=data.opened,
    )


def attendance_api_routes() -> list[Any]:
    """The attendance controller and the walk-in route."""
    return [AttendanceController, ExamController, walk_in_scan]
