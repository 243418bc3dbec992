"""Entering personal credits: 向导录入 through the standard table, 非向导录入 by hand, and editing.

Seed 003 §3 (图-3..图-5) for learners, seed 002 §5.2 (个人学分录入管理) for administrators, who use the
same forms with a person picker (人员编号 or 证件号码, resolved within their reach).

The forms are ``multipart/form-data`` with one optional evidence file (证明材料). The route streams the
form to disk itself (:func:`cme_platform.files.receive.receive_file`; it is exempt from the CSRF
middleware, which would buffer the body, and checks the token here), stores the file as an ``evidence``
upload through the files service, and only then asks the ledger to save the record. When the ledger
refuses the record, the stored file's id comes back in a hidden field, so the person does not upload it
again.
"""

from __future__ import annotations

from typing import Annotated, Any

from cme_platform import clock
from cme_platform.api.params import Id, row_ids
from cme_platform.api.state import plugin_manager
from cme_platform.credits import service as ledger
from cme_platform.credits.schemas import CreditIn, CreditOut, EntryOptions
from cme_platform.errors import Conflict, DomainError, Forbidden, InvalidInput
from cme_platform.files import service as files
from cme_platform.files.checks import human_size
from cme_platform.files.intake import UPLOAD_ROUTE_OPT
from cme_platform.files.purposes import KINDS, PURPOSES, size_limit
from cme_platform.files.receive import FormShape, ReceivedFile
from cme_platform.identity.csrf import CSRF_FIELD
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.personnel import service as personnel
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.schemas import PersonFilter
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.standards import catalogue
from cme_platform.standards.catalogue import StandardOut
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import ENTRY_ROLES, back, current_principal, is_admin
from cme_admin_ui.pages.forms import FormErrors, domain_form_errors, parse_form
from cme_admin_ui.pages.standards import INPUT_LABELS
from cme_admin_ui.shell import page_context
from cme_admin_ui.uploads import keep_upload, read_upload_form

EVIDENCE = "evidence"
LEVEL_SEPARATOR = "::"
TEXT_FIELDS = ("activity_name", "activity_number", "form", "discipline", "subdiscipline", "issuer", "note")
AUTHOR_RANKS = (
    (1, "第一作者（通讯作者）"),
    (2, "第二作者"),
    (3, "第三作者"),
    (4, "第四作者"),
    (5, "第五作者"),
)
FIELD_ALIASES = {
    "category": "level",
    "subcategory": "level",
    "evidence_ids": "file",
    "person_id": "person",
    "standard_code": "_",
}
"""Service field names shown next to another form field (学分级别 holds category and subcategory)."""
REQUIRED_COMMON = {
    "activity_name": "请填写活动名称",
    "activity_date": "请填写活动日期",
    "discipline": "请选择二级学科",
}
REQUIRED_FREE = {
    "level": "请选择学分级别",
    "credits": "请填写学分",
    "hours": "请填写学时",
    "issuer": "请填写发证机构",
}
Year = Annotated[int | None, QueryParameter(ge=2000, le=2100)]


def _year(year: int | None) -> int:
    return year or clock.today().year


async def _options(request: Request[Any, Any, Any], principal: Principal, year: int) -> EntryOptions:
    return await ledger.entry_options(plugin_manager(request), principal, year)


def _standards(request: Request[Any, Any, Any], year: int) -> list[Any]:
    return tenant_hooks(plugin_manager(request), current_tenant()).cme_credit_standards(year=year)


def _denied(request: Request[Any, Any, Any], options: EntryOptions) -> Template:
    return Template(
        template_name="credits/denied.html",
        context={**page_context(request), "reason": options.reason or "您暂时不能录入学分"},
        status_code=403,
    )


def evidence_facts(request: Request[Any, Any, Any]) -> dict[str, str]:
    """What the evidence field says it takes: ``accept`` (extensions), ``kinds`` and ``limit``."""
    purpose = PURPOSES[EVIDENCE]
    return {
        "accept": ",".join(f".{e}" for k in purpose.kinds for e in KINDS[k].extensions),
        "kinds": purpose.kind_labels(),
        "limit": human_size(size_limit(purpose, request.app.state.settings.upload_max_bytes)),
    }


async def readable_files(principal: Principal, ids: list[int]) -> list[files.FileRow]:
    """The files of ``ids`` the caller may read, in order (one removed or out of reach since is dropped)."""
    readable: list[files.FileRow] = []
    for file_id in dict.fromkeys(ids):
        try:
            readable.append(await files.get_file(principal, file_id))
        except DomainError:
            continue
    return readable


async def evidence_names(principal: Principal, ids: list[int]) -> list[tuple[int, str]]:
    """The kept files' ids and names for the form."""
    return [(row.id, row.original_name) for row in await readable_files(principal, ids)]


async def _form(
    request: Request[Any, Any, Any],
    principal: Principal,
    *,
    options: EntryOptions,
    standard: StandardOut | None,
    year: int,
    values: dict[str, Any],
    errors: dict[str, str],
    evidence_ids: list[int],
    record: CreditOut | None = None,
    saved: bool = False,
) -> Template:
    """The entry form (guided when ``standard`` is given), for a new record or ``record``."""
    return Template(
        template_name="credits/form.html",
        context={
            **page_context(request),
            **evidence_facts(request),
            "options": options,
            "standard": standard,
            "year": year,
            "values": values,
            "errors": errors,
            "labels": INPUT_LABELS,
            "author_ranks": AUTHOR_RANKS[: standard.author_ranks] if standard else (),
            "evidence": await evidence_names(principal, evidence_ids),
            "record": record,
            "saved": saved,
            "admin": is_admin(principal),
            "separator": LEVEL_SEPARATOR,
        },
        status_code=400 if errors else 200,
    )


ENTRY_FORM = FormShape(
    text_fields=frozenset(
        {
            CSRF_FIELD,
            "action",
            "person",
            "activity_name",
            "activity_number",
            "activity_date",
            "level",
            "form",
            "discipline",
            "subdiscipline",
            "author_rank",
            "hours",
            "days",
            "occurrences",
            "project_credits",
            "credits",
            "issuer",
            "note",
            "evidence_ids",
        }
    ),
    max_text=2048,
    max_segments=64,
    file_required=False,
)
"""The entry form's fields (``evidence_ids`` repeats, one per kept file) and its optional evidence file."""


async def _read_form(
    request: Request[Any, Any, Any], principal: Principal
) -> tuple[dict[str, str], list[int], ReceivedFile]:
    """The submitted text fields, the kept evidence ids and the received file (``has_file``: one was chosen).

    Streamed to a temporary file and refused as soon as the file passes the evidence limit; discard the
    file after.
    """
    received = await read_upload_form(request, principal, shape=ENTRY_FORM, purpose=EVIDENCE)
    values = {k: v for k, v in received.fields.items() if not k.startswith("_") and k != "evidence_ids"}
    kept = row_ids(received.values.get("evidence_ids", []))
    return values, kept, received


async def keep_evidence(
    request: Request[Any, Any, Any], principal: Principal, received: ReceivedFile, evidence_ids: list[int]
) -> dict[str, str] | None:
    """Keep the received file as evidence of the caller and add its id to ``evidence_ids``, unless one of
    them already holds the same content (a form sent again after an error); the form's errors when the
    file is refused (type, size)."""
    if not received.has_file:
        return None
    if await files.holds_content(principal.account_id, evidence_ids, received.sha256):
        return None
    try:
        evidence_ids.append(await keep_upload(request, principal, received, EVIDENCE))
    except DomainError as exc:
        return {"file": exc.message, "_": "证明材料未能上传：" + exc.message}
    return None


async def _resolve_person(principal: Principal, text: str) -> int:
    """The person an administrator names by 人员编号 or 证件号码, within his reach."""
    if not text:
        raise FormErrors("请填写人员", {"person": "请填写人员编号或证件号码"})
    access = PersonAccess.of(principal)
    for field in ("person_number", "id_number"):
        found = await personnel.list_people(access, PersonFilter(q=text, q_field=field), page=1, page_size=2)
        if found.total == 1:
            return found.items[0].id
    raise FormErrors("未找到该人员", {"person": "在您管理的范围内未找到该人员编号或证件号码"})


def _credit_in(
    values: dict[str, str],
    *,
    standard: StandardOut | None,
    person_id: int | None,
    evidence_ids: list[int],
) -> CreditIn:
    """The form's values as the ledger's :class:`CreditIn` (required fields checked first, in Chinese)."""
    required = {**REQUIRED_COMMON, **({} if standard else REQUIRED_FREE)}
    missing = {name: message for name, message in required.items() if not values.get(name)}
    if standard:
        for name in standard.inputs:
            if name != "days" and not values.get(name):
                missing[name] = f"请填写{INPUT_LABELS[name][0]}"
    if missing:
        raise FormErrors("请填写带 * 的必填项", missing)
    data: dict[str, Any] = {k: values[k] for k in TEXT_FIELDS if values.get(k)}
    data.update(
        activity_date=values["activity_date"],
        person_id=person_id,
        evidence_ids=evidence_ids,
        submit=values.get("action") == "submit",
    )
    if standard:
        data["standard_code"] = standard.code
        data["inputs"] = {name: values[name] for name in standard.inputs if values.get(name)}
    else:
        category, _, subcategory = values["level"].partition(LEVEL_SEPARATOR)
        data.update(
            category=category, subcategory=subcategory, credits=values["credits"], hours=values["hours"]
        )
    return parse_form(data, CreditIn)


def ledger_form_errors(exc: DomainError) -> dict[str, str]:
    """The ledger's field errors placed next to the form's fields (``inputs.hours`` beside ``hours``)."""
    errors: dict[str, str] = {}
    for field, message in domain_form_errors(exc).errors.items():
        name = field.removeprefix("inputs.")
        errors.setdefault(FIELD_ALIASES.get(name, name), message)
    return errors


async def _save(
    request: Request[Any, Any, Any],
    *,
    standard_code: str | None,
    year: int,
    record: CreditOut | None = None,
) -> Template | Redirect:
    """Store the evidence, then create or update the record; re-show the form with what went wrong."""
    principal = await current_principal(request)
    values, evidence_ids, received = await _read_form(request, principal)
    try:
        options = await _options(request, principal, year)
        if not options.may_enter:
            return _denied(request, options)
        standard = (
            catalogue.describe(catalogue.find(_standards(request, year), standard_code))
            if standard_code
            else None
        )
        problem = await keep_evidence(request, principal, received, evidence_ids)
    finally:
        received.discard()

    async def again(errors: dict[str, str]) -> Template:
        return await _form(
            request,
            principal,
            options=options,
            standard=standard,
            year=year,
            values=values,
            errors=errors,
            evidence_ids=evidence_ids,
            record=record,
        )

    if problem is not None:
        return await again(problem)
    try:
        if record is not None:
            person_id = record.person_id if is_admin(principal) else None
        else:
            person_id = (
                await _resolve_person(principal, values.get("person", "")) if is_admin(principal) else None
            )
        data = _credit_in(values, standard=standard, person_id=person_id, evidence_ids=evidence_ids)
        if record is None:
            saved = await ledger.create_record(plugin_manager(request), principal, data)
        else:
            saved = await ledger.update_record(plugin_manager(request), principal, record.id, data)
    except FormErrors as exc:
        return await again({"_": exc.message, **exc.errors})
    except (InvalidInput, Conflict, Forbidden) as exc:
        return await again(ledger_form_errors(exc))
    if data.submit:
        return back(request, f"/credits/{saved.id}?submitted=1")
    return back(request, f"/credits/{saved.id}/edit?saved=1")


@get("/credits/new/guided", guards=[requires_role(*ENTRY_ROLES)], include_in_schema=False)
async def guided_table(
    request: Request[Any, Any, Any],
    year: Year = None,
    subcategory: Annotated[str | None, QueryParameter(max_length=100)] = None,
) -> Template:
    """向导录入 step one: the year's standard table with a 学分录入 button per standard."""
    principal = await current_principal(request)
    chosen = _year(year)
    options = await _options(request, principal, chosen)
    if not options.may_enter or not options.guided:
        return _denied(request, options)
    described = [catalogue.describe(s) for s in _standards(request, chosen)]
    enterable = [s for s in described if s.inputs]
    return Template(
        template_name="credits/guided.html",
        context={
            **page_context(request),
            "year": chosen,
            "subcategories": list(dict.fromkeys(s.subcategory for s in enterable if s.subcategory)),
            "subcategory": subcategory or "",
            "items": [s for s in enterable if not subcategory or s.subcategory == subcategory],
        },
    )


@get("/credits/new/guided/{code:str}", guards=[requires_role(*ENTRY_ROLES)], include_in_schema=False)
async def guided_form(request: Request[Any, Any, Any], code: FromPath[str], year: Year = None) -> Template:
    """向导录入 step two: the activity form of one standard."""
    principal = await current_principal(request)
    chosen = _year(year)
    options = await _options(request, principal, chosen)
    if not options.may_enter or not options.guided:
        return _denied(request, options)
    standard = catalogue.describe(catalogue.find(_standards(request, chosen), code))
    return await _form(
        request,
        principal,
        options=options,
        standard=standard,
        year=chosen,
        values={"activity_date": clock.today().isoformat()},
        errors={},
        evidence_ids=[],
    )


UPLOAD_GUARDS = [requires_role(*ENTRY_ROLES)]
"""The entry forms' POST routes read the multipart body and check the CSRF token themselves."""


@post(
    "/credits/new/guided/{code:str}",
    guards=UPLOAD_GUARDS,
    include_in_schema=False,
    request_max_body_size=None,
    opt=UPLOAD_ROUTE_OPT,
    status_code=303,
)
async def guided_save(
    request: Request[Any, Any, Any], code: FromPath[str], year: Year = None
) -> Template | Redirect:
    """Save (保存) or save and submit (保存并上报) a guided entry."""
    return await _save(request, standard_code=code, year=_year(year))


@get("/credits/new/free", guards=[requires_role(*ENTRY_ROLES)], include_in_schema=False)
async def free_form(request: Request[Any, Any, Any]) -> Template:
    """非向导录入: the hand-filled form of 图-4."""
    principal = await current_principal(request)
    year = _year(None)
    options = await _options(request, principal, year)
    if not options.may_enter or not options.free:
        return _denied(request, options)
    return await _form(
        request,
        principal,
        options=options,
        standard=None,
        year=year,
        values={"activity_date": clock.today().isoformat()},
        errors={},
        evidence_ids=[],
    )


@post(
    "/credits/new/free",
    guards=UPLOAD_GUARDS,
    include_in_schema=False,
    request_max_body_size=None,
    opt=UPLOAD_ROUTE_OPT,
    status_code=303,
)
async def free_save(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Save (保存) or save and submit (保存并上报) a hand-filled entry."""
    return await _save(request, standard_code=None, year=_year(None))


def _record_values(record: CreditOut) -> dict[str, Any]:
    """A record's values as the form shows them."""
    values: dict[str, Any] = {
        "activity_name": record.activity_name,
        "activity_number": record.activity_number,
        "activity_date": record.activity_date.isoformat(),
        "form": record.form,
        "discipline": record.discipline,
        "subdiscipline": record.subdiscipline,
        "issuer": record.issuer,
        "note": record.note,
        "level": f"{record.category}{LEVEL_SEPARATOR}{record.subcategory}",
        "credits": record.credits_text,
        "hours": record.hours_text,
    }
    values.update({k: "" if v is None else str(v) for k, v in record.inputs.items()})
    return values


@get("/credits/{record_id:int}/edit", guards=[requires_role(*ENTRY_ROLES)], include_in_schema=False)
async def edit_form(request: Request[Any, Any, Any], record_id: Id) -> Template:
    """The entry form prefilled with a record; after 保存 it shows the computed credits."""
    principal = await current_principal(request)
    record = await ledger.get_record(principal, record_id)
    if not record.can_edit:
        raise Conflict("该学分当前状态不能修改（已上报审核或已生效）")
    options = await _options(request, principal, record.year)
    standard = (
        catalogue.describe(catalogue.find(_standards(request, record.year), record.standard_code))
        if record.standard_code
        else None
    )
    return await _form(
        request,
        principal,
        options=options,
        standard=standard,
        year=record.year,
        values=_record_values(record),
        errors={},
        evidence_ids=[e.file_id for e in record.evidence],
        record=record,
        saved=request.query_params.get("saved") == "1",
    )


@post(
    "/credits/{record_id:int}/edit",
    guards=UPLOAD_GUARDS,
    include_in_schema=False,
    request_max_body_size=None,
    opt=UPLOAD_ROUTE_OPT,
    status_code=303,
)
async def edit_save(request: Request[Any, Any, Any], record_id: Id) -> Template | Redirect:
    """Save the changed record (保存) or save and submit it (保存并上报)."""
    principal = await current_principal(request)
    record = await ledger.get_record(principal, record_id)
    return await _save(request, standard_code=record.standard_code or None, year=record.year, record=record)


routes = [guided_table, guided_form, guided_save, free_form, free_save, edit_form, edit_save]
"""The entry pages' handlers."""
