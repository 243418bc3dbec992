"""Attendance pages (考勤): the learner's scan page and 考勤记录, the venue's screen of rotating codes (or
the printable sheet of static ones), and 现场签到, the sessions an owner or on-site manager shows codes for.

A QR code at the venue opens ``/attendance/scan/<code>`` on the learner's phone: signed out, he is sent
to sign in and comes back (or, where the province allows it, fills the walk-in form: 现场登记); signed in,
he confirms with one tap and sees what was recorded. The page carries a token of when the code was opened,
so a code that rotates while he signs in still counts.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from cme_platform.api.params import Id, PageNumber
from cme_platform.api.state import plugin_manager, secret_key
from cme_platform.attendance import cards, records, scan, walk_in
from cme_platform.attendance.api import FOLLOWERS, VIEWERS, Kind
from cme_platform.attendance.cards import CardIn
from cme_platform.attendance.policy import WALK_IN_FIELDS
from cme_platform.attendance.scan import ACTION_LABELS
from cme_platform.compliance.service import own_person_id
from cme_platform.errors import DomainError, FieldError, Forbidden
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.projects.attendance import followed_sessions
from cme_platform.tenancy.urls import site_url, tenant_url
from litestar import Request, get, post
from litestar.params import Parameter, QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.pages.forms import FormErrors, parse_form
from cme_admin_ui.shell import flash, page_context

PAGE_SIZE = 20
LEARNERS = [requires_role(Role.LEARNER)]
Code = Annotated[str, Parameter(max_length=200)]
Opened = Annotated[str, QueryParameter(max_length=40, description="扫码页的打开凭据")]


def _refused(request: Request[Any, Any, Any], exc: DomainError, code: str) -> Template:
    return Template(
        template_name="attendance/scan.html",
        context={**page_context(request), "refusal": exc.message, "code": code},
        status_code=exc.status_code,
    )


def _form_answers(form: Any, questions: Any) -> dict[str, list[str]]:
    return {q.code: [str(v)[:100] for v in form.getall(q.code)] for q in questions if q.code in form}


async def _scan_page(
    request: Request[Any, Any, Any],
    code: str,
    opened: str,
    *,
    values: dict[str, Any] | None = None,
    errors: list[FieldError] | None = None,
    message: str = "",
) -> Template | Redirect:
    """The code's page: the refusal, the sign-in (or, where the province allows it, the walk-in form)
    for a visitor, or the confirm button for a learner; with the questionnaire for a check-out."""
    principal = await principal_of(request)
    try:
        checked, token = await scan.open_code(
            plugin_manager(request), principal, code, secret=secret_key(request), opened=opened
        )
    except DomainError as exc:
        return _refused(request, exc, code)
    here = f"/attendance/scan/{code}?{urlencode({'opened': token})}"
    walk_in = principal is None and checked.policy.walk_in
    if principal is None and not walk_in:
        return Redirect(tenant_url(request, f"/login?{urlencode({'next': here})}"), status_code=303)
    if principal is not None and not principal.has_any(Role.LEARNER):
        raise Forbidden("请使用学员账号扫码签到")
    action = checked.code.action
    return Template(
        template_name="attendance/scan.html",
        context={
            **page_context(request),
            "code": code,
            "opened": token,
            "login": f"/login?{urlencode({'next': here})}",
            "session": checked.session,
            "action": action,
            "action_label": ACTION_LABELS[action],
            "questions": checked.policy.questionnaire if action == "check_out" else (),
            "walk_in": walk_in,
            "fields": [
                (f, WALK_IN_FIELDS[f], f in checked.policy.walk_in_required)
                for f in checked.policy.walk_in_fields
            ],
            "values": values or {},
            "errors": {e.field: e.message for e in errors or []},
            "message": message,
        },
        status_code=400 if errors else 200,
    )


@get("/attendance/scan/{code:str}", include_in_schema=False)
async def scan_page(request: Request[Any, Any, Any], code: Code, opened: Opened = "") -> Template | Redirect:
    """What the scanned code is for, with one button to confirm (nothing is recorded yet); a visitor
    signs in first, or registers at the venue where the province allows it."""
    return await _scan_page(request, code, opened)


@post("/attendance/scan/{code:str}", guards=LEARNERS, include_in_schema=False, status_code=200)
async def confirm_scan(request: Request[Any, Any, Any], code: Code) -> Template | Redirect:
    """确认签到/撤离: record it (a check-out with the questionnaire's answers; a repeat shows the original
    time) and say what was recorded."""
    principal = await current_principal(request)
    form = await request.form()
    opened = str(form.get("opened") or "")[:40]
    answers = _form_answers(form, scan.attendance_policy(plugin_manager(request)).questionnaire)
    try:
        result = await scan.scan(
            plugin_manager(request),
            principal,
            code,
            secret=secret_key(request),
            answers=answers,
            opened=opened,
        )
    except DomainError as exc:
        if exc.errors:
            return await _scan_page(
                request, code, opened, values=answers, errors=exc.errors, message=exc.message
            )
        return _refused(request, exc, code)
    return Template(template_name="attendance/scan.html", context={**page_context(request), "result": result})


@post("/attendance/scan/{code:str}/walk-in", include_in_schema=False, status_code=200)
async def walk_in_scan(request: Request[Any, Any, Any], code: Code) -> Template | Redirect:
    """现场登记: the walk-in form sent (check-in with the registration, check-out with ID number, phone
    and the questionnaire)."""
    form = await request.form()
    opened = str(form.get("opened") or "")[:40]
    policy = scan.attendance_policy(plugin_manager(request))
    answers = _form_answers(form, policy.questionnaire)
    values: dict[str, Any] = {
        name: str(form.get(name) or "").strip()
        for name in ("id_number", "name", "phone", *policy.walk_in_fields)
        if form.get(name)
    }
    try:
        data = parse_form({**values, "answers": answers}, walk_in.WalkInIn)
        result = await walk_in.walk_in(
            plugin_manager(request), code, data, secret=secret_key(request), opened=opened
        )
    except FormErrors as exc:
        errors = [FieldError(field, message) for field, message in exc.errors.items()]
        return await _scan_page(
            request, code, opened, values={**values, **answers}, errors=errors, message=exc.message
        )
    except DomainError as exc:
        if exc.errors:
            return await _scan_page(
                request, code, opened, values={**values, **answers}, errors=exc.errors, message=exc.message
            )
        return _refused(request, exc, code)
    return Template(template_name="attendance/scan.html", context={**page_context(request), "result": result})


@get("/attendance/mine", guards=LEARNERS, include_in_schema=False)
async def my_attendance(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """考勤记录: the sessions I attended, my times, the hours that count and where each credit stands."""
    principal = await current_principal(request)
    person_id = await own_person_id(principal.account_id)
    result = await records.person_attendance(
        plugin_manager(request), person_id, page=page, page_size=PAGE_SIZE
    )
    return Template(
        template_name="attendance/mine.html",
        context={**page_context(request), "result": result, "pages": max(1, -(-result.total // PAGE_SIZE))},
    )


@get("/attendance/sessions", guards=[requires_role(*FOLLOWERS)], include_in_schema=False)
async def sessions_page(request: Request[Any, Any, Any]) -> Template:
    """现场签到: the sessions of approved runs I show codes for, soonest first."""
    principal = await current_principal(request)
    return Template(
        template_name="attendance/sessions.html",
        context={**page_context(request), "sessions": await followed_sessions(principal)},
    )


@get(
    "/attendance/display/{kind:str}/{session_id:int}",
    guards=[requires_role(*VIEWERS)],
    include_in_schema=False,
)
async def display_page(request: Request[Any, Any, Any], kind: Kind, session_id: Id) -> Template:
    """The venue's screen (the code replaced every few seconds) or, where codes are static, the sheet to
    print; with the session's counts."""
    principal = await current_principal(request)
    shown = await records.display(
        plugin_manager(request),
        principal,
        kind,
        session_id,
        secret=secret_key(request),
        base_url=site_url(request),
    )
    return Template(
        template_name="attendance/display.html", context={**page_context(request), "shown": shown}
    )


@post(
    "/attendance/display/{kind:str}/{session_id:int}/cards",
    guards=[requires_role(*VIEWERS)],
    include_in_schema=False,
    status_code=303,
)
async def record_card(request: Request[Any, Any, Any], kind: Kind, session_id: Id) -> Redirect:
    """刷卡签到: the number a card reader typed; says whose card it was and what was recorded."""
    principal = await current_principal(request)
    form = await request.form()
    here = f"/attendance/display/{kind}/{session_id}"
    try:
        data = parse_form({"card": str(form.get("card") or "").strip(), "action": form.get("action")}, CardIn)
        done = await cards.record_card(plugin_manager(request), principal, kind, session_id, data)
    except FormErrors:
        flash(request, "卡号只能是数字和字母，请重新刷卡")
    except DomainError as exc:
        flash(request, exc.message)
    else:
        flash(request, f"{done.name}（{done.person_number}）：{done.scan.message}")
    return back(request, here)


routes = [scan_page, confirm_scan, walk_in_scan, my_attendance, sessions_page, display_page, record_card]
