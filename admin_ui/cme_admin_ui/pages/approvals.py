"""待我审核: the approver's one inbox of every kind of subject, with 通过 / 不通过 / 退回, one or many.

Each item is described by its subject's handler (a credit record, a province module's plan…); a filter
by kind narrows the list. 不通过 and 退回 need a comment (the engine says so in Chinese). A batch reports
what it did and what it skipped, by title and with the reason (e.g. another approver decided it first).
"""

from __future__ import annotations

from typing import Any

from cme_platform.api.params import Id, PageNumber, row_ids
from cme_platform.approvals import inbox as service
from cme_platform.approvals.schemas import BatchDecisionIn, DecisionIn
from cme_platform.errors import DomainError
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import ORG_ADMIN_ROLES
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import PAGE_SIZE, back, current_principal, skipped_text
from cme_admin_ui.pages.forms import FormErrors, parse_form
from cme_admin_ui.shell import page_context

ACTIONS = (("approve", "通过"), ("reject", "不通过"), ("return", "退回"))
ACTION_LABELS = dict(ACTIONS)
GUARDS = [requires_role(*ORG_ADMIN_ROLES)]


def _kind(request: Request[Any, Any, Any]) -> str | None:
    value = request.query_params.get("kind") or ""
    return value if value in service.engine.tenant_handlers(current_tenant().plugin) else None


async def _inbox(
    request: Request[Any, Any, Any], page: int = 1, *, notice: str = "", error: str = "", warning: str = ""
) -> Template:
    principal = await current_principal(request)
    result = await service.inbox(principal, _kind(request), page, PAGE_SIZE)
    return Template(
        template_name="approvals/inbox.html",
        context={
            **page_context(request),
            "result": result,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "actions": ACTIONS,
            "notice": notice,
            "warning": warning,
            "error": error,
        },
        status_code=400 if error else 200,
    )


@get("/approvals", guards=GUARDS, include_in_schema=False, name="approvals")
async def inbox_page(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """The items waiting for the caller, oldest first (``?kind=`` for one kind)."""
    notice = ""
    decided = request.query_params.get("decided")
    if decided in ACTION_LABELS:
        notice = f"已{ACTION_LABELS[decided]}"
    return await _inbox(request, page, notice=notice)


@post("/approvals/{request_id:int}/decision", guards=GUARDS, include_in_schema=False, status_code=303)
async def decide_one(request: Request[Any, Any, Any], request_id: Id) -> Template | Redirect:
    """通过 / 不通过 / 退回 one item (the version seen guards against a decision made meanwhile)."""
    principal = await current_principal(request)
    form = await request.form()
    values = {k: v.strip() for k, v in form.items() if isinstance(v, str) and not k.startswith("_")}
    data: dict[str, Any] = {"action": values.get("action", ""), "comment": values.get("comment", "")}
    if values.get("version", "").isdigit():
        data["version"] = values["version"]
    try:
        decision = parse_form(data, DecisionIn)
        await service.decide(request.app.state.plugin_manager, principal, request_id, decision)
    except FormErrors as exc:
        return await _inbox(request, error=next(iter(exc.errors.values()), exc.message))
    except DomainError as exc:
        return await _inbox(request, error=exc.message)
    return back(request, f"/approvals?decided={decision.action}")


@post("/approvals/batch", guards=GUARDS, include_in_schema=False, status_code=200)
async def decide_batch(request: Request[Any, Any, Any]) -> Template:
    """The same decision on every checked item; then "已处理 N 条，跳过 M 条（标题（原因）…）"."""
    principal = await current_principal(request)
    form = await request.form()
    ids = row_ids(form.getall("ids")) if "ids" in form else []
    if not ids:
        return await _inbox(request, error="请先勾选要审核的事项")
    action = form.get("action")
    comment = form.get("comment")
    try:
        data = parse_form(
            {"action": action, "ids": ids, "comment": comment.strip() if isinstance(comment, str) else ""},
            BatchDecisionIn,
        )
        done = await service.decide_many(request.app.state.plugin_manager, principal, data)
    except FormErrors as exc:
        return await _inbox(request, error=next(iter(exc.errors.values()), exc.message))
    except DomainError as exc:
        return await _inbox(request, error=exc.message)
    notice = f"已处理 {len(done.done)} 条，跳过 {len(done.skipped)} 条"
    warning = f"未处理：{skipped_text(done.skipped)}" if done.skipped else ""
    return await _inbox(request, notice=notice if done.done else "", warning=warning or "")


routes = [inbox_page, decide_one, decide_batch]
"""The approval pages' handlers."""
