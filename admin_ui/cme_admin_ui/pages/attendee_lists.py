"""A run's attendance page (考勤与学员名单): the live counts and attendees for the owner and the on-site
managers, 上报学员名单 after the last session, the institution's choice of who gets credit (单位审核上报,
with the deadline and the days left) and the commission's grant (审核通过并授予学分)."""

from __future__ import annotations

from typing import Any

from cme_platform.api.params import Id, row_id_or_none
from cme_platform.api.state import plugin_manager
from cme_platform.approvals import engine
from cme_platform.certificates import bulk
from cme_platform.errors import DomainError, NotFound
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.projects import attendee_lists
from cme_platform.projects.access import MANAGERS, OWNER_ROLES
from cme_platform.projects.attendee_lists import SelectionIn
from cme_platform.projects.states import ListStatus
from cme_platform.tenancy.urls import site_url
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.pages.forms import act
from cme_admin_ui.shell import flash, page_context

READERS = [requires_role(*MANAGERS, *OWNER_ROLES, Role.ONSITE_MANAGER)]
DECIDERS = [requires_role(Role.INSTITUTION_ADMIN, Role.REGION_ADMIN, Role.COMMISSION_ADMIN)]


def _here(run_id: int) -> str:
    return f"/projects/runs/{run_id}/attendance"


@get("/projects/runs/{run_id:int}/attendance", guards=READERS, include_in_schema=False)
async def run_attendance(request: Request[Any, Any, Any], run_id: Id) -> Template:
    """The run's sessions with their counts, and its attendees (live, or the list as submitted)."""
    principal = await current_principal(request)
    listed = await attendee_lists.run_attendance(plugin_manager(request), principal, run_id)
    return Template(
        template_name="projects/attendance.html",
        context={
            **page_context(request),
            "listed": listed,
            "sessions": await attendee_lists.session_rows(run_id),
            "history": await engine.history(listed.approval_id) if listed.approval_id else [],
            "may_print": listed.status == ListStatus.GRANTED and await bulk.may_print(principal, run_id),
        },
    )


@post(
    "/projects/runs/{run_id:int}/attendee-list",
    guards=[requires_role(*OWNER_ROLES)],
    include_in_schema=False,
    status_code=303,
)
async def submit_list(request: Request[Any, Any, Any], run_id: Id) -> Redirect:
    """上报学员名单."""
    principal = await current_principal(request)
    here = _here(run_id)
    return await act(
        request,
        "学员名单已上报本单位审核",
        here,
        here,
        attendee_lists.submit_list(plugin_manager(request), principal, run_id),
    )


@post(
    "/projects/attendee-lists/{list_id:int}/forward",
    guards=DECIDERS,
    include_in_schema=False,
    status_code=303,
)
async def forward(request: Request[Any, Any, Any], list_id: Id) -> Redirect:
    """保存选择并上报: the ticked people, sent on to the commission."""
    principal = await current_principal(request)
    form = await request.form()
    ids = [row_id_or_none(value) for value in form.getall("entry_ids")] if "entry_ids" in form else []
    data = SelectionIn(
        entry_ids=[i for i in ids if i is not None], comment=str(form.get("comment") or "")[:500]
    )
    here = _here(await attendee_lists.run_of(list_id))
    return await act(
        request,
        f"已上报继教委，拟授分 {len(set(data.entry_ids))} 人",
        here,
        here,
        attendee_lists.forward(plugin_manager(request), principal, list_id, data),
    )


@post(
    "/projects/attendee-lists/{list_id:int}/grant",
    guards=[requires_role(Role.COMMISSION_ADMIN)],
    include_in_schema=False,
    status_code=303,
)
async def grant(request: Request[Any, Any, Any], list_id: Id) -> Redirect:
    """审核通过并授予学分 (the commission's approval of the list)."""
    principal = await current_principal(request)
    here = _here(await attendee_lists.run_of(list_id))
    return await act(
        request,
        "已审核通过，学分已授予",
        here,
        here,
        attendee_lists.approve(plugin_manager(request), principal, list_id),
    )


@post(
    "/projects/runs/{run_id:int}/certificates/pdf",
    guards=[requires_role(*MANAGERS, *OWNER_ROLES)],
    include_in_schema=False,
    status_code=303,
)
async def print_certificates(request: Request[Any, Any, Any], run_id: Id) -> Redirect:
    """批量打印证书: the run's certificates as one PDF, made in the background (then 导出文件)."""
    principal = await current_principal(request)
    try:
        export = await bulk.start_run_certificates(
            principal, run_id, site_url=site_url(request), settings=request.app.state.settings
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        flash(request, exc.message)
        return back(request, _here(run_id))
    flash(request, f"已开始生成“{export.title}”，完成后会通知您，可在此下载")
    return back(request, "/documents")


routes = [run_attendance, submit_list, forward, grant, print_certificates]
