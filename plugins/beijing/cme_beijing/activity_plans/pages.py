"""教学活动计划上传 (institutions) and the plans' list and detail for their reviewers.

Reviewing (教学活动计划审核) happens in the one approvals inbox, filtered to this kind; the menu entry leads
there. Built from the UI kit (:mod:`cme_admin_ui.kit`) like the core's pages.
"""

from __future__ import annotations

from typing import Any

import msgspec
from cme_admin_ui.kit import (
    UPLOAD_ROUTE_OPT,
    FormErrors,
    back,
    domain_form_errors,
    keep_upload,
    page_context,
    parse_form,
    read_upload_form,
)
from cme_platform.api.params import Id, PageNumber
from cme_platform.approvals.engine import history
from cme_platform.errors import DomainError
from cme_platform.files.receive import FormShape
from cme_platform.identity.csrf import CSRF_FIELD
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_beijing.activity_plans import ACTIVITY_FORMS, FILE_PURPOSE, PLAN_TYPES, service
from cme_beijing.activity_plans.api import READERS

TEMPLATES = "beijing/activity_plans"
PAGE_SIZE = 20
UPLOADERS = [requires_role(Role.INSTITUTION_ADMIN)]
DONE = {"created": "已保存", "submitted": "已提交到主管部门审核"}
"""What the list and the detail say after ``?done=``."""
PLAN_FORM = FormShape(
    text_fields=frozenset({CSRF_FIELD, "name", "plan_type", "activity_form", "year", "note", "action"}),
    max_text=1024,
    max_segments=12,
    file_required=False,
)


async def _principal(request: Request[Any, Any, Any]) -> Principal:
    principal = await principal_of(request)
    assert principal is not None  # the guards admit signed-in accounts only
    return principal


def _choices() -> dict[str, Any]:
    return {"plan_types": PLAN_TYPES, "activity_forms": ACTIVITY_FORMS, "this_year": service.this_year()}


@get("/activity-plans", guards=[requires_role(*READERS)], include_in_schema=False)
async def plan_list(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """The plans the caller reaches, with their status; institutions get the 新增 button."""
    principal = await _principal(request)
    result = await service.list_plans(principal, page, PAGE_SIZE)
    notice = DONE.get(request.query_params.get("done", ""), "")
    return Template(
        template_name=f"{TEMPLATES}/list.html",
        context={
            **page_context(request),
            "result": result,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "may_upload": principal.has_any(Role.INSTITUTION_ADMIN),
            "notice": notice,
        },
    )


def _form(
    request: Request[Any, Any, Any], values: dict[str, str], errors: dict[str, str], status: int
) -> Template:
    return Template(
        template_name=f"{TEMPLATES}/form.html",
        context={**page_context(request), **_choices(), "values": values, "errors": errors},
        status_code=status,
    )


@get("/activity-plans/new", guards=UPLOADERS, include_in_schema=False)
async def plan_form(request: Request[Any, Any, Any]) -> Template:
    """The 新增 form: 计划名称, 计划类型, 活动形式, 年度, 备注 and the plan file."""
    return _form(request, {}, {}, 200)


@post(
    "/activity-plans",
    guards=UPLOADERS,
    include_in_schema=False,
    request_max_body_size=None,
    opt=UPLOAD_ROUTE_OPT,
    status_code=303,
)
async def plan_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Save (保存) or save and submit (提交) a new plan with its file."""
    principal = await _principal(request)
    received = await read_upload_form(request, principal, shape=PLAN_FORM, purpose=FILE_PURPOSE)
    values = {k: v.strip() for k, v in received.fields.items() if not k.startswith("_")}
    try:
        fields = {k: values.get(k, "") for k in ("name", "plan_type", "activity_form", "year", "note")}
        # the fields are checked before the file is kept, so a refused form stores nothing
        data = parse_form(
            {**fields, "file_id": 1, "submit": values.get("action") == "submit"}, service.PlanIn
        )
        service.check_fields(data)
        if not received.has_file:
            raise FormErrors("请上传计划文件", {"file": "请选择计划文件（PDF、Excel 或图片）"})
        try:
            file_id = await keep_upload(request, principal, received, FILE_PURPOSE)
        except DomainError as exc:
            raise FormErrors(exc.message, {"file": exc.message}) from exc
        data = msgspec.structs.replace(data, file_id=file_id)
        plan = await service.create_plan(request.app.state.plugin_manager, principal, data)
    except FormErrors as exc:
        return _form(request, values, {"_": exc.message, **exc.errors}, 400)
    except DomainError as exc:
        errors = domain_form_errors(exc)
        return _form(request, values, {"_": errors.message, **errors.errors}, 400)
    finally:
        received.discard()
    return back(
        request, f"/p/beijing/activity-plans/{plan.id}?done={'submitted' if data.submit else 'created'}"
    )


@get("/activity-plans/{plan_id:int}", guards=[requires_role(*READERS)], include_in_schema=False)
async def plan_detail(request: Request[Any, Any, Any], plan_id: Id) -> Template:
    """One plan: its facts, the file, where its review stands and the history."""
    principal = await _principal(request)
    plan = await service.get_plan(principal, plan_id)
    notice = DONE.get(request.query_params.get("done", ""), "")
    return Template(
        template_name=f"{TEMPLATES}/detail.html",
        context={
            **page_context(request),
            "plan": plan,
            "history": await history(plan.approval_id) if plan.approval_id else [],
            "notice": notice,
        },
    )


@post("/activity-plans/{plan_id:int}/submit", guards=UPLOADERS, include_in_schema=False, status_code=303)
async def plan_submit(request: Request[Any, Any, Any], plan_id: Id) -> Redirect:
    """提交 a saved or returned plan."""
    principal = await _principal(request)
    await service.submit_plan(request.app.state.plugin_manager, principal, plan_id)
    return back(request, f"/p/beijing/activity-plans/{plan_id}?done=submitted")


routes = [plan_list, plan_form, plan_create, plan_detail, plan_submit]
"""The activity plans' page handlers."""
