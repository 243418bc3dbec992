"""录入学分查询管理 / 学分情况查询 and one record's page.

The list (seed 003 图-6/图-7, seed 002 §5.1/§5.2): filters by date and 审核状态 (administrators also by
person keyword and 科室), the 图-7 table, the totals line, 导出Excel, 批量上报 of saved or returned
records and 编辑/删除 on records that are not effective. The detail shows every field, the credits
explanation, the evidence, the approval progress and the buttons the caller may use; the commission
corrects an approved record there (更正) with a required reason.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec
from cme_platform.api.params import Id, PageNumber, row_ids
from cme_platform.certificates.service import certificate_policy
from cme_platform.credits import service as ledger
from cme_platform.credits.api import provide_credit_filter
from cme_platform.credits.policy import OTHER_CATEGORY
from cme_platform.credits.schemas import Correction, CreditFilter, CreditOut
from cme_platform.errors import DomainError
from cme_platform.identity.guards import requires_login, requires_role
from cme_platform.identity.roles import Role
from cme_platform.orgs import service as orgs
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.pii_search import is_token, page_keyword, tokenized_query
from litestar import Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credit_entry import LEVEL_SEPARATOR
from cme_admin_ui.pages.credits import (
    PAGE_SIZE,
    STATUS_CHOICES,
    back,
    current_principal,
    is_admin,
    skipped_text,
)
from cme_admin_ui.pages.forms import FormErrors, domain_form_errors, parse_form
from cme_admin_ui.shell import page_context
from cme_admin_ui.slots import fill_slot

MAX_DEPARTMENTS = 5_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


QUERY_KEYS = ("date_from", "date_to", "status", "q", "q_field", "department_id")


def _query(filters: CreditFilter) -> dict[str, str]:
    """The filters as the form's values (empty strings for the unset ones)."""
    raw = msgspec.to_builtins(filters)
    return {k: "" if raw.get(k) is None else str(raw[k]) for k in QUERY_KEYS}


async def _render_list(
    request: Request[Any, Any, Any],
    filters: CreditFilter,
    page: int,
    notice: str = "",
    error: str = "",
    warning: str = "",
) -> Template:
    principal = await current_principal(request)
    result = await ledger.list_records(
        principal, filters, page, PAGE_SIZE, pm=request.app.state.plugin_manager
    )
    departments: list[Any] = []
    if is_admin(principal):
        departments = (
            await orgs.list_departments(
                PersonAccess.of(principal).org, active=True, page_size=MAX_DEPARTMENTS
            )
        ).items
    query = _query(filters)
    query["q"], shown = page_keyword(filters.q_field, filters.q)  # an ID number or phone: links carry a token
    qs = urlencode({k: v for k, v in query.items() if v})
    q_token, query["q"] = (query["q"] if is_token(query["q"]) else ""), shown
    return Template(
        template_name="credits/list.html",
        context={
            **page_context(request),
            "result": result,
            "query": query,
            "q_token": q_token,
            "qs": qs,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "statuses": STATUS_CHOICES,
            "admin": is_admin(principal),
            "credit_certificates": not is_admin(principal)
            and certificate_policy(request.app.state.plugin_manager).credit_certificates,
            "departments": departments,
            "other_category": OTHER_CATEGORY,
            "notice": notice,
            "error": error,
            "warning": warning,
        },
        status_code=400 if error else 200,
    )


FILTERS = {"filters": Provide(provide_credit_filter, sync_to_thread=False)}
"""The list's filters, read from the query string as the JSON API reads them."""


@get("/credits", guards=[requires_login], include_in_schema=False, name="credits", dependencies=FILTERS)
async def list_page(
    request: Request[Any, Any, Any],
    filters: NamedDependency[CreditFilter],
    page: PageNumber = 1,
) -> Template:
    """The credit list with filters, totals, export and 批量上报."""
    notice = ""
    if request.query_params.get("deleted") == "1":
        notice = "已删除"
    return await _render_list(request, filters, page, notice=notice)


@post("/credits", guards=[requires_login], include_in_schema=False, status_code=303)
async def search(request: Request[Any, Any, Any]) -> Template | Redirect:
    """The filter form, posted so that no ID number or phone lands in a URL (see ``tokenized_query``)."""
    principal = await current_principal(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        query = await tokenized_query(PersonAccess.of(principal), form, QUERY_KEYS)
    except DomainError as exc:
        page = await _render_list(request, CreditFilter(), 1, error=exc.message)
        page.status_code = exc.status_code
        return page
    return back(request, f"/credits?{urlencode(query)}")


@get("/credits/export.xlsx", guards=[requires_login], include_in_schema=False, dependencies=FILTERS)
async def export_page(
    request: Request[Any, Any, Any],
    filters: NamedDependency[CreditFilter],
) -> Response[bytes]:
    """The filtered list as an Excel workbook (导出Excel)."""
    principal = await current_principal(request)
    content = await ledger.export_records(principal, filters, pm=request.app.state.plugin_manager)
    return Response(
        content,
        media_type=XLSX,
        headers={
            "Content-Disposition": "attachment; filename*=UTF-8''%E5%AD%A6%E5%88%86%E8%AE%B0%E5%BD%95.xlsx"
        },
    )


@post("/credits/submit", guards=[requires_login], include_in_schema=False, status_code=200)
async def batch_submit(request: Request[Any, Any, Any]) -> Template:
    """批量上报 the checked records; the list then says what was sent and what was skipped."""
    principal = await current_principal(request)
    form = await request.form()
    ids = row_ids(form.getall("ids")) if "ids" in form else []
    filters = CreditFilter()
    if not ids:
        return await _render_list(request, filters, 1, error="请先勾选要上报的学分")
    try:
        done = await ledger.submit_records(request.app.state.plugin_manager, principal, ids)
    except DomainError as exc:
        return await _render_list(request, filters, 1, error=exc.message)
    notice = f"已上报 {len(done.done)} 条" if done.done else ""
    warning = f"未上报 {len(done.skipped)} 条：{skipped_text(done.skipped)}" if done.skipped else ""
    return await _render_list(request, filters, 1, notice=notice, warning=warning)


async def _detail(
    request: Request[Any, Any, Any], record: CreditOut, *, notice: str = "", error: str = ""
) -> Template:
    step = record.approval.step if record.approval else 0
    return Template(
        template_name="credits/detail.html",
        context={
            **page_context(request),
            "item": record,
            "slots": await fill_slot(request, "credit_detail", record=record),
            "current_step": step,
            "notice": notice,
            "error": error,
        },
        status_code=400 if error else 200,
    )


NOTICES = {"submitted": "已保存并上报，等待审核", "saved": "已保存", "corrected": "已更正"}


@get("/credits/{record_id:int}", guards=[requires_login], include_in_schema=False)
async def detail_page(request: Request[Any, Any, Any], record_id: Id) -> Template:
    """One record: fields, credits explanation, evidence, approval progress and the allowed buttons."""
    principal = await current_principal(request)
    record = await ledger.get_record(principal, record_id)
    notice = next((text for key, text in NOTICES.items() if request.query_params.get(key) == "1"), "")
    return await _detail(request, record, notice=notice)


@post("/credits/{record_id:int}/submit", guards=[requires_login], include_in_schema=False, status_code=303)
async def submit_one(request: Request[Any, Any, Any], record_id: Id) -> Template | Redirect:
    """上报 one saved or returned record."""
    principal = await current_principal(request)
    done = await ledger.submit_records(request.app.state.plugin_manager, principal, [record_id])
    if done.skipped:
        record = await ledger.get_record(principal, record_id)
        return await _detail(request, record, error=f"未能上报：{skipped_text(done.skipped)}")
    return back(request, f"/credits/{record_id}?submitted=1")


@post("/credits/{record_id:int}/delete", guards=[requires_login], include_in_schema=False, status_code=303)
async def delete(request: Request[Any, Any, Any], record_id: Id) -> Redirect:
    """删除 a record that is not effective (under review: its approval request is withdrawn)."""
    principal = await current_principal(request)
    await ledger.delete_record(principal, record_id)
    return back(request, "/credits?deleted=1")


async def _correct_form(
    request: Request[Any, Any, Any], record: CreditOut, values: dict[str, Any], errors: dict[str, str]
) -> Template:
    options = await ledger.entry_options(
        request.app.state.plugin_manager, await current_principal(request), record.year
    )
    return Template(
        template_name="credits/correct.html",
        context={
            **page_context(request),
            "item": record,
            "options": options,
            "values": values,
            "errors": errors,
            "separator": LEVEL_SEPARATOR,
        },
        status_code=400 if errors else 200,
    )


@get(
    "/credits/{record_id:int}/correct", guards=[requires_role(Role.COMMISSION_ADMIN)], include_in_schema=False
)
async def correct_page(request: Request[Any, Any, Any], record_id: Id) -> Template:
    """更正: the commission's form for an approved record (new values and the reason)."""
    record = await ledger.get_record(await current_principal(request), record_id)
    values = {
        "activity_name": record.activity_name,
        "activity_date": record.activity_date.isoformat(),
        "level": f"{record.category}{LEVEL_SEPARATOR}{record.subcategory}",
        "credits": record.credits_text,
        "hours": record.hours_text,
        "reason": "",
    }
    return await _correct_form(request, record, values, {})


def _correction(values: dict[str, str], record: CreditOut) -> Correction:
    """Only the values that differ from the record travel, with the reason."""
    data: dict[str, Any] = {"reason": values.get("reason", "")}
    if not data["reason"]:
        raise FormErrors("请填写更正原因", {"reason": "请填写更正原因"})
    current = {
        "activity_name": record.activity_name,
        "activity_date": record.activity_date.isoformat(),
        "credits": record.credits_text,
        "hours": record.hours_text,
    }
    data.update({k: values[k] for k in current if values.get(k) and values[k] != current[k]})
    level = values.get("level", "")
    if level and level != f"{record.category}{LEVEL_SEPARATOR}{record.subcategory}":
        category, _, subcategory = level.partition(LEVEL_SEPARATOR)
        data.update(category=category, subcategory=subcategory)
    return parse_form(data, Correction)


@post(
    "/credits/{record_id:int}/correct",
    guards=[requires_role(Role.COMMISSION_ADMIN)],
    include_in_schema=False,
    status_code=303,
)
async def correct(request: Request[Any, Any, Any], record_id: Id) -> Template | Redirect:
    """Apply the correction; a missing reason or a bad value re-shows the form."""
    principal = await current_principal(request)
    record = await ledger.get_record(principal, record_id)
    form = await request.form()
    values = {k: v.strip() for k, v in form.items() if isinstance(v, str) and not k.startswith("_")}
    try:
        await ledger.correct_record(
            principal, record_id, _correction(values, record), pm=request.app.state.plugin_manager
        )
    except FormErrors as exc:
        return await _correct_form(request, record, values, {"_": exc.message, **exc.errors})
    except DomainError as exc:
        errors = domain_form_errors(exc).errors
        for name in ("category", "subcategory"):
            if name in errors:
                errors["level"] = errors.pop(name)
        return await _correct_form(request, record, values, errors)
    return back(request, f"/credits/{record_id}?corrected=1")


routes = [
    list_page,
    search,
    export_page,
    batch_submit,
    detail_page,
    submit_one,
    delete,
    correct_page,
    correct,
]
"""The list and detail pages' handlers."""
