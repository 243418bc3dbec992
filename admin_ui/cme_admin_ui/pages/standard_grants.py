"""按标准授分 pages: the grants made (``/credits/standard-grants``), one grant with its people, and the
3-step wizard of seed 000 (Beijing: 选择授分标准 → 选择人员 → 填写活动信息并上传附件 → 授予).

Step 2 is the UI kit's multi-select person picker; step 3 is a ``multipart/form-data`` form with the
activity, the standard's inputs and one attachment, which it keeps through a refused submission (as the
credit forms do). The chosen people travel as one ``people`` field, and a ``key`` made for the form makes
a second submission (a double tap, a retry) return the first grant.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import msgspec
from cme_platform import clock
from cme_platform.api.params import Id, PageNumber, row_ids
from cme_platform.api.state import plugin_manager
from cme_platform.credits import service as credit_service
from cme_platform.credits import standard_grants as grants
from cme_platform.credits.policy import GrantBases, GrantBasis
from cme_platform.errors import DomainError
from cme_platform.files.intake import UPLOAD_ROUTE_OPT
from cme_platform.files.receive import FormShape
from cme_platform.identity.csrf import CSRF_FIELD
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import GRANTORS as GRANTOR_ROLES
from cme_platform.personnel.vocab import ACTIVE_STATUS
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.standards import catalogue
from cme_platform.standards.rules import Standard
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credit_entry import (
    AUTHOR_RANKS,
    EVIDENCE,
    evidence_facts,
    evidence_names,
    keep_evidence,
    ledger_form_errors,
    readable_files,
)
from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.pages.forms import FormErrors, parse_form
from cme_admin_ui.pages.standards import INPUT_LABELS
from cme_admin_ui.person_selection import PersonSelection
from cme_admin_ui.shell import flash, page_context
from cme_admin_ui.uploads import read_upload_form

GRANTORS = [requires_role(*GRANTOR_ROLES)]
PAGE_SIZE = 20
INPUTS = ("hours", "days", "occurrences", "author_rank", "project_credits")
TEXTS = (
    "activity_name",
    "activity_date",
    "started_on",
    "ended_on",
    "form",
    "discipline",
    "subdiscipline",
    "basis_id",
)
GRANT_FORM = FormShape(
    text_fields=frozenset(
        {CSRF_FIELD, "action", "key", "people", "content", "evidence_ids", *TEXTS, *INPUTS}
    ),
    max_text=8192,
    max_segments=48,
    file_required=False,
)
"""Step 3's fields (``people``: the chosen ids, comma-separated) and its optional attachment."""
REQUIRED = {
    "activity_name": "请填写活动名称",
    "activity_date": "请填写实际完成时间",
    "form": "请选择活动形式",
    "discipline": "请选择二级学科",
}
FIELD_ALIASES = {"person_ids": "_", "evidence_ids": "file", "people": "_"}
"""The service's fields that the form shows elsewhere (the people above it, the attachment's field)."""


async def _start(request: Request[Any, Any, Any]) -> Principal:
    principal = await current_principal(request)
    grants.check_offered(plugin_manager(request), principal)
    return principal


def _rule(request: Request[Any, Any, Any], code: str) -> Standard:
    """The grantable standard ``code`` of this year's table (404 otherwise)."""
    return catalogue.find(grants.grantable(plugin_manager(request), clock.today().year), code)


def _standard(request: Request[Any, Any, Any], code: str) -> catalogue.StandardOut:
    """The grantable standard ``code`` as the table shows it (404 otherwise)."""
    return catalogue.describe(_rule(request, code))


@get("/credits/standard-grants", guards=GRANTORS, include_in_schema=False)
async def grant_list(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """按标准授分: the grants made by the account or for the institutions it administers, newest first
    (readable after a province stops such grants; 新增授分 only while it offers them)."""
    principal = await current_principal(request)
    result = await grants.list_grants(principal, page=page, page_size=PAGE_SIZE)
    pages = max(1, -(-result.total // PAGE_SIZE))
    offered = bool(grants.grantable(plugin_manager(request), clock.today().year))
    return Template(
        template_name="credits/standard_grants.html",
        context={**page_context(request), "result": result, "pages": pages, "offered": offered},
    )


@get("/credits/standard-grants/{grant_id:int}", guards=GRANTORS, include_in_schema=False)
async def grant_page(request: Request[Any, Any, Any], grant_id: Id) -> Template:
    """One grant: the standard, the activity, the attachments and every person's credit."""
    principal = await current_principal(request)
    item = await grants.grant_detail(principal, grant_id)
    return Template(
        template_name="credits/standard_grant.html",
        context={
            **page_context(request),
            "item": item,
            "evidence": await readable_files(principal, item.evidence_ids),
        },
    )


@get("/credits/standard-grants/new", guards=GRANTORS, include_in_schema=False)
async def choose_standard(request: Request[Any, Any, Any]) -> Template:
    """Step 1: the standards the province grants this way (选择适用的授分标准)."""
    await _start(request)
    standards = grants.grantable(plugin_manager(request), clock.today().year)
    return Template(
        template_name="credits/standard_grant_step1.html",
        context={**page_context(request), "items": [catalogue.describe(s) for s in standards]},
    )


async def _people_step(
    request: Request[Any, Any, Any],
    standard: catalogue.StandardOut,
    selection: PersonSelection,
    *,
    error: str = "",
) -> Template:
    return Template(
        template_name="credits/standard_grant_step2.html",
        context={
            **page_context(request),
            "standard": standard,
            "people": await selection.view(),
            "error": error,
        },
        status_code=400 if error else 200,
    )


@get("/credits/standard-grants/new/{code:str}", guards=GRANTORS, include_in_schema=False)
async def choose_people(request: Request[Any, Any, Any], code: str) -> Template:
    """Step 2: the people (根据卡号、姓名、所属部门选择要授予学分的人员名单)."""
    principal = await _start(request)
    access = grants.grantor_access(principal)
    selection = PersonSelection(None, access, limit=grants.MAX_PEOPLE, status=ACTIVE_STATUS)
    return await _people_step(request, _standard(request, code), selection)


@post("/credits/standard-grants/new/{code:str}", guards=GRANTORS, include_in_schema=False, status_code=200)
async def people_action(request: Request[Any, Any, Any], code: str) -> Template:
    """Step 2's buttons (the picker's, and 下一步 to the activity form)."""
    principal = await _start(request)
    standard = _standard(request, code)
    values = await request.form()
    selection = PersonSelection(values, grants.grantor_access(principal), limit=grants.MAX_PEOPLE)
    if values.get("action") != "next":
        await selection.apply(str(values.get("action") or ""))
        return await _people_step(request, standard, selection)
    chosen = await selection.people(selection.selected)
    if not chosen:
        return await _people_step(request, standard, selection, error="请先把要授予学分的人员加入已选人员")
    forms = tenant_hooks(plugin_manager(request), current_tenant()).cme_credit_entry_policy().forms
    form = standard.category if standard.category in forms else ""  # 进修学习 is a form too
    defaults = {"activity_date": clock.today().isoformat(), "form": form}
    return await _activity_step(request, principal, standard, chosen, defaults, {}, [], uuid.uuid4().hex)


async def _activity_step(
    request: Request[Any, Any, Any],
    principal: Principal,
    standard: catalogue.StandardOut,
    chosen: list[dict[str, Any]],
    values: dict[str, Any],
    errors: dict[str, str],
    evidence_ids: list[int],
    key: str,
) -> Template:
    year = clock.today().year
    activity_year = (_day(values.get("activity_date")) or clock.today()).year
    bases = await _form_bases(request, principal, _rule(request, standard.code), activity_year)
    return Template(
        template_name="credits/standard_grant_step3.html",
        context={
            **page_context(request),
            **evidence_facts(request),
            "standard": standard,
            "chosen": chosen,
            "values": values,
            "errors": errors,
            "evidence": await evidence_names(principal, evidence_ids),
            "key": key,
            "year": year,
            "options": await credit_service.entry_options(plugin_manager(request), principal, year),
            "labels": INPUT_LABELS,
            "author_ranks": AUTHOR_RANKS[: standard.author_ranks],
            "bases": bases,
        },
        status_code=400 if errors else 200,
    )


async def _form_bases(
    request: Request[Any, Any, Any], principal: Principal, rule: Standard, year: int
) -> GrantBases | None:
    """The bases the form offers: those of the activity's year and of the year before (an activity of
    December granted in January), each label with its year; the grant accepts its own year's only."""
    pm = plugin_manager(request)
    this = await grants.grant_bases(pm, principal, rule, year)
    if this is None:
        return None
    before = await grants.grant_bases(pm, principal, rule, year - 1)
    choices = [GrantBasis(id=c.id, label=f"{year}年度 · {c.label}") for c in this.choices]
    if before is not None:
        choices += [GrantBasis(id=c.id, label=f"{year - 1}年度 · {c.label}") for c in before.choices]
    return msgspec.structs.replace(this, choices=choices)


def _day(text: str | None) -> date | None:
    """The form's date, if it is one (the activity's year decides which filed plans it may name)."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _grant_in(
    values: dict[str, str],
    standard: catalogue.StandardOut,
    people: list[int],
    evidence_ids: list[int],
    key: str,
) -> grants.StandardGrantIn:
    missing = {name: message for name, message in REQUIRED.items() if not values.get(name)}
    for name in standard.inputs:
        if name != "days" and not values.get(name):
            missing[name] = f"请填写{INPUT_LABELS[name][0]}"
    if missing:
        raise FormErrors("请填写带 * 的必填项", missing)
    data: dict[str, Any] = {k: values[k] for k in (*TEXTS, "content") if values.get(k)}
    data.update(
        standard_code=standard.code,
        person_ids=people,
        evidence_ids=evidence_ids,
        key=key,
        inputs={name: values[name] for name in standard.inputs if values.get(name)},
    )
    return parse_form(data, grants.StandardGrantIn)


def _placed(errors: dict[str, str]) -> dict[str, str]:
    """The errors beside the form's fields; those about the people (and the form as a whole) above it."""
    placed: dict[str, str] = {}
    above: list[str] = []
    for field, message in errors.items():
        target = FIELD_ALIASES.get(field, field)
        if target == "_":
            above.append(message)
        else:
            placed.setdefault(target, message)
    placed["_"] = "；".join(dict.fromkeys(above))
    return placed


@post(
    "/credits/standard-grants/new/{code:str}/grant",
    guards=GRANTORS,
    include_in_schema=False,
    opt=UPLOAD_ROUTE_OPT,
    request_max_body_size=None,
    status_code=200,
)
async def grant_action(request: Request[Any, Any, Any], code: str) -> Template | Redirect:
    """Step 3: grant (授予学分), or go back to the people (上一步); the form again with what went wrong."""
    principal = await _start(request)
    standard = _standard(request, code)
    received = await read_upload_form(request, principal, shape=GRANT_FORM, purpose=EVIDENCE)
    try:
        values = {k: v for k, v in received.fields.items() if not k.startswith("_") and k != "evidence_ids"}
        evidence_ids = row_ids(received.values.get("evidence_ids", []))
        people = row_ids(values.get("people", "").split(","))[: grants.MAX_PEOPLE]
        key = values.get("key", "") or uuid.uuid4().hex
        access = grants.grantor_access(principal)
        if values.get("action") == "back":
            selected = FormMultiDict([("selected", str(i)) for i in people])
            return await _people_step(
                request, standard, PersonSelection(selected, access, limit=grants.MAX_PEOPLE)
            )
        problem = await keep_evidence(request, principal, received, evidence_ids)
    finally:
        received.discard()
    chosen = await PersonSelection(None, access, limit=grants.MAX_PEOPLE).people(people)
    if problem is None:
        try:
            made = await grants.grant(
                plugin_manager(request), principal, _grant_in(values, standard, people, evidence_ids, key)
            )
        except FormErrors as exc:
            problem = _placed({"_": exc.message, **exc.errors})
        except DomainError as exc:
            problem = _placed(ledger_form_errors(exc))
        else:
            flash(request, f"已向 {made.people} 人授予学分，共 {made.credits_text} 分")
            return back(request, f"/credits/standard-grants/{made.id}")
    return await _activity_step(request, principal, standard, chosen, values, problem, evidence_ids, key)


routes = [grant_list, grant_page, choose_standard, choose_people, people_action, grant_action]
