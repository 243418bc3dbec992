"""JSON API of a run's attendance and attendee list (:mod:`cme_platform.projects.attendee_lists`).

- ``GET /api/project-runs/{run_id}/attendance``: the run's attendance (live) or its list as submitted;
- ``GET /api/project-runs/{run_id}/attendance/export``: the same as an Excel file;
- ``POST /api/project-runs/{run_id}/attendee-list``: 上报学员名单 (the owner, after the last session);
- ``PUT /api/attendee-lists/{list_id}/selection``: the institution's choice of who gets credit;
- ``POST /api/attendee-lists/{list_id}/forward``: that choice and the institution's approval at once.

The commission grants by approving the list in the approvals API (kind ``project.attendees``).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import Provide
from litestar.params import JSONBody

from cme_platform.api.params import Id
from cme_platform.api.state import plugin_manager
from cme_platform.files.service import content_disposition
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.projects import attendee_lists
from cme_platform.projects.access import MANAGERS, OWNER_ROLES
from cme_platform.projects.attendee_lists import AttendeeListOut, SelectionIn
from cme_platform.projects.export import attendance_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READERS = (*MANAGERS, *OWNER_ROLES, Role.ONSITE_MANAGER)


class RunAttendanceController(Controller):
    """A run's attendance and the owner's submission of its list."""

    path = "/api/project-runs/{run_id:int}"
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["考勤 attendance"]  # noqa: RUF012

    @get(
        "/attendance", guards=[requires_role(*READERS)], summary="The run's attendance, or its attendee list"
    )
    async def read(self, request: Request[Any, Any, Any], principal: Caller, run_id: Id) -> AttendeeListOut:
        return await attendee_lists.run_attendance(plugin_manager(request), principal, run_id)

    @get(
        "/attendance/export",
        guards=[requires_role(*READERS)],
        summary="The run's attendance as an Excel file (.xlsx)",
        media_type=XLSX,
    )
    async def export(self, request: Request[Any, Any, Any], principal: Caller, run_id: Id) -> Response[bytes]:
        listed = await attendee_lists.run_attendance(plugin_manager(request), principal, run_id)
        return Response(
            await attendance_workbook(listed),
            media_type=XLSX,
            headers={"Content-Disposition": content_disposition(f"学员名单-{run_id}.xlsx")},
        )

    @post(
        "/attendee-list",
        status_code=200,
        guards=[requires_role(*READERS)],
        summary="上报学员名单: send the run's attendance to the institution (after its last session)",
    )
    async def submit(self, request: Request[Any, Any, Any], principal: Caller, run_id: Id) -> AttendeeListOut:
        return await attendee_lists.submit_list(plugin_manager(request), principal, run_id)


class AttendeeListController(Controller):
    """The institution's step of an attendee list."""

    path = "/api/attendee-lists/{list_id:int}"
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["考勤 attendance"]  # noqa: RUF012

    @put(
        "/selection",
        guards=[requires_role(Role.INSTITUTION_ADMIN, Role.REGION_ADMIN, Role.COMMISSION_ADMIN)],
        summary="Choose who is sent on for credit (at the institution's step)",
    )
    async def select(self, principal: Caller, list_id: Id, data: JSONBody[SelectionIn]) -> dict[str, int]:
        return {"selected": await attendee_lists.select_entries(principal, list_id, data.entry_ids)}

    @post(
        "/forward",
        status_code=200,
        guards=[requires_role(Role.INSTITUTION_ADMIN, Role.REGION_ADMIN, Role.COMMISSION_ADMIN)],
        summary="保存选择并上报: the selection and the institution's approval, sent on to the commission",
    )
    async def forward(
        self, request: Request[Any, Any, Any], principal: Caller, list_id: Id, data: JSONBody[SelectionIn]
    ) -> dict[str, int]:
        await attendee_lists.forward(plugin_manager(request), principal, list_id, data)
        return {"selected": len(set(data.entry_ids))}


def attendee_api_routes() -> list[type[Controller]]:
    """The attendance controllers of runs and attendee lists."""
    return [RunAttendanceController, AttendeeListController]
