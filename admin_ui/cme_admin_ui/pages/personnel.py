"""Pages of the people registry (seed 002 §2): list with filters and batch change, add and edit a person,
the detail with the history by year, the full ID number on request (audited) and the change log.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from cme_platform.api.params import Id, PageNumber, row_ids
from cme_platform.errors import DomainError, NotFound
from cme_platform.identity.current import principal_of
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import ORG_ADMIN_ROLES
from cme_platform.identity.tables import Account
from cme_platform.orgs import schemas as orgs_schemas
from cme_platform.orgs import service as orgs
from cme_platform.personnel import pii_search, service, years
from cme_platform.personnel import schemas as s
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.api import vocabulary
from cme_platform.personnel.params import provide_person_filter
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.pages.forms import FormErrors, clean_form, domain_form_errors, parse_form
from cme_admin_ui.shell import page_context
from cme_admin_ui.slots import fill_slot

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE_SIZE = 20
BATCH_WARNING = "点击后将影响达标结果，请慎重批量修改人员"
SORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("person_number", "人员编号"),
    ("name", "姓名"),
    ("status", "人员状态"),
    ("department", "科室"),
    ("title", "当前职称"),
)


async def _access(request: Request[Any, Any, Any]) -> PersonAccess:
    principal = await principal_of(request)
    assert principal is not None  # the router's guard admits signed-in org admins only
    return PersonAccess.of(principal)


MAX_CHOICES = 5_000
"""The most institutions or departments a select offers (a province has about 2,000 institutions)."""


async def org_choices(
    access: PersonAccess, institution_id: int | None = None, *, every_department: bool = True
) -> dict[str, Any]:
    """Institutions within reach, departments and the vocabulary, for selects.

    The departments are those of ``institution_id`` (or of the only institution within reach); when
    neither applies, all departments within reach, or none without ``every_department`` (the list's
    filter, where a province's ten thousand departments make no usable select: choose the unit first).
    """
    institutions = await orgs.list_institutions(access.org, active=True, page_size=MAX_CHOICES)
    if institution_id is None and institutions.total == 1:
        institution_id = institutions.items[0].id
    if institution_id is None and not every_department:
        departments = orgs_schemas.DepartmentPage(items=[], total=0, page=1, page_size=MAX_CHOICES)
    else:
        departments = await orgs.list_departments(
            access.org, active=True, institution_id=institution_id, page_size=MAX_CHOICES
        )
    return {
        "vocab": vocabulary(),
        "title_options": [(title, f"{title}（{level}）") for title, level in vocabulary().titles.items()],
        "institution_choices": institutions.items,
        "department_choices": departments.items,
    }


def _back(request: Request[Any, Any, Any], path: str) -> Redirect:
    return Redirect(tenant_url(request, path), status_code=303)


@get("/", name="personnel", dependencies={"filters": Provide(provide_person_filter, sync_to_thread=False)})
async def list_page(
    request: Request[Any, Any, Any],
    filters: NamedDependency[s.PersonFilter],
    page: PageNumber = 1,
    sort: Annotated[s.SortKey, QueryParameter()] = "person_number",
    desc: Annotated[bool, QueryParameter()] = False,
) -> Template:
    """The people list: filters, masked table, batch change bar, paging and sorting."""
    access = await _access(request)
    return await _render_list(request, access, filters, page=page, sort=sort, desc=desc)


async def _render_list(
    request: Request[Any, Any, Any],
    access: PersonAccess,
    filters: s.PersonFilter,
    *,
    page: int = 1,
    sort: s.SortKey = "person_number",
    desc: bool = False,
    error: DomainError | None = None,
) -> Template:
    """The list page; a refused search (``error``, or too many ID/phone searches) shows its message."""
    if error is None:
        try:
            result = await service.list_people(
                access, filters, page=page, page_size=PAGE_SIZE, sort=sort, descending=desc
            )
        except pii_search.SearchLimited as exc:
            error = exc
    if error is not None:
        result = s.PersonPage(items=[], total=0, page=1, page_size=PAGE_SIZE)
    query = {k: "" if v is None else v for k, v in msgspec.to_builtins(filters).items()}
    query["q"], q_shown = pii_search.page_keyword(filters.q_field, filters.q, refused=error is not None)
    return Template(
        template_name="personnel/list.html",
        context={
            **page_context(request),
            **await org_choices(access, filters.institution_id, every_department=False),
            "result": result,
            "query": query,
            "q_token": query["q"] if pii_search.is_token(query["q"]) else "",
            "q_shown": q_shown,
            "sort": sort,
            "desc": desc,
            "sort_columns": SORT_COLUMNS,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "batch_warning": BATCH_WARNING,
            "saved": request.query_params.get("saved"),
            "error": error.message if error else "",
        },
        status_code=error.status_code if error else 200,
    )


FILTER_KEYS = frozenset(s.PersonFilter.__struct_fields__)


@post("/", status_code=303)
async def search(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """The filter form (posted, so that no typed value lands in a URL) → the list's address.

    An ID number or phone keyword is exchanged for a search token (counted and audited for roles that
    see these values only masked); the other filters go to the query string as they are.
    """
    access = await _access(request)
    try:
        query = await pii_search.tokenized_query(access, data, FILTER_KEYS)
    except DomainError as exc:
        return await _render_list(request, access, s.PersonFilter(), error=exc)
    return _back(request, f"/personnel?{urlencode(query)}")


@post("/batch", status_code=200)
async def batch(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Apply the batch change once confirmed; without the confirmation, ask for it first."""
    access = await _access(request)
    form = await request.form()
    ids = row_ids(form.getall("ids")) if "ids" in form else []
    title, status = str(form.get("title") or ""), str(form.get("status") or "")
    error = "" if ids else "请先勾选人员"
    if not error and form.get("confirmed") == "1":
        try:
            changed = await service.batch_change(access, ids, title=title or None, status=status or None)
        except DomainError as exc:
            error = exc.message
        else:
            return _back(request, f"/personnel?saved={changed}")
    return Template(
        template_name="personnel/batch_confirm.html",
        context={
            **page_context(request),
            "ids": ids,
            "title": title,
            "status": status,
            "error": error,
            "batch_warning": BATCH_WARNING,
        },
        status_code=400 if error else 200,
    )


async def _form(
    request: Request[Any, Any, Any],
    access: PersonAccess,
    item: s.PersonOut | None,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    return Template(
        template_name="personnel/form.html",
        context={
            **page_context(request),
            **await org_choices(access),
            "item": item,
            "values": values,
            "errors": errors,
            "can_reveal": access.can_reveal,
        },
        status_code=400 if errors else 200,
    )


def _person_in(values: dict[str, Any], *, editing: bool) -> s.PersonIn:
    """The form's values as a :class:`PersonIn`; on an edit, blank ID number and phone mean unchanged."""
    data = dict(values)
    if editing:
        for key in ("id_number", "phone"):
            if not data.get(key):
                data.pop(key, None)
    if not data.get("id_type"):
        data.pop("id_type", None)
    return parse_form(data, s.PersonIn)


@get("/new", name="personnel_new")
async def new_page(request: Request[Any, Any, Any]) -> Template:
    """The add-person form."""
    access = await _access(request)
    choices = await org_choices(access)
    preset: dict[str, Any] = {"status": "正常", "establishment": "在编"}
    if len(choices["institution_choices"]) == 1:
        preset["institution_id"] = choices["institution_choices"][0].id
    return await _form(request, access, None, preset, {})


@post("/new", status_code=303)
async def create(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """Register the person and go to the detail page."""
    access = await _access(request)
    values = clean_form(data, optional_ints=("institution_id", "department_id"))
    try:
        created = await service.create_person(access, _person_in(values, editing=False))
    except FormErrors as exc:
        return await _form(request, access, None, values, exc.errors)
    except DomainError as exc:
        return await _form(request, access, None, values, domain_form_errors(exc).errors)
    return _back(request, f"/personnel/{created.id}?saved=1")


def _edit_values(item: s.PersonOut) -> dict[str, Any]:
    values = msgspec.to_builtins(item)
    values["id_number"] = ""
    values["phone"] = item.phone or ""
    return values


@get("/{person_id:int}/edit", name="personnel_edit")
async def edit_page(request: Request[Any, Any, Any], person_id: Id) -> Template:
    """The edit form (ID number blank: unchanged unless typed)."""
    access = await _access(request)
    item = await service.get_person(access, person_id)
    return await _form(request, access, item, _edit_values(item), {})


@post("/{person_id:int}/edit", status_code=303)
async def update(request: Request[Any, Any, Any], person_id: Id, data: FormData) -> Template | Redirect:
    """Save the changes and go to the detail page."""
    access = await _access(request)
    item = await service.get_person(access, person_id)
    values = clean_form(data, optional_ints=("institution_id", "department_id"))
    values.setdefault("department_id", None)
    try:
        await service.update_person(access, person_id, _person_in(values, editing=True))
    except FormErrors as exc:
        return await _form(request, access, item, values, exc.errors)
    except DomainError as exc:
        return await _form(request, access, item, values, domain_form_errors(exc).errors)
    return _back(request, f"/personnel/{person_id}?saved=1")


async def _detail(request: Request[Any, Any, Any], person_id: int, *, reveal: bool = False) -> Template:
    access = await _access(request)
    item = await service.get_person(access, person_id, reveal=reveal)
    return Template(
        template_name="personnel/detail.html",
        context={
            **page_context(request),
            "item": item,
            "slots": await fill_slot(request, "person_detail", person=item),
            "years": await years.list_years(access, person_id),
            "saved": request.query_params.get("saved") == "1",
        },
    )


@get("/{person_id:int}", name="personnel_detail")
async def detail_page(request: Request[Any, Any, Any], person_id: Id) -> Template:
    """The person with the history by year (状态/职称变动情况)."""
    return await _detail(request, person_id)


@post("/{person_id:int}/reveal", status_code=200)
async def reveal(request: Request[Any, Any, Any], person_id: Id) -> Template:
    """The detail with the full ID number (recorded in the audit log)."""
    return await _detail(request, person_id, reveal=True)


@get("/{person_id:int}/log", name="personnel_log")
async def log_page(request: Request[Any, Any, Any], person_id: Id, page: PageNumber = 1) -> Template:
    """The person's change log (人员信息变动日志)."""
    access = await _access(request)
    item = await service.get_person(access, person_id)
    result = await service.change_log(access, person_id, page=page, page_size=PAGE_SIZE)
    account_ids = sorted({e.account_id for e in result.items if e.account_id})
    accounts = (
        await Account.select(Account.id, Account.username).where(Account.id.is_in(account_ids))
        if account_ids
        else []
    )
    return Template(
        template_name="personnel/log.html",
        context={
            **page_context(request),
            "item": item,
            "result": result,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "accounts": {a["id"]: a["username"] for a in accounts},
        },
    )


async def _year_form(
    request: Request[Any, Any, Any],
    person_id: int,
    entry: s.PersonYearOut | None,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    access = await _access(request)
    return Template(
        template_name="personnel/year_form.html",
        context={
            **page_context(request),
            **await org_choices(access),
            "item": await service.get_person(access, person_id),
            "entry": entry,
            "values": values,
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


async def _entry(access: PersonAccess, person_id: int, year_id: int) -> s.PersonYearOut:
    for entry in await years.list_years(access, person_id):
        if entry.id == year_id:
            return entry
    raise NotFound("年度记录不存在")


@get("/{person_id:int}/years/new", name="personnel_year_new")
async def year_new_page(request: Request[Any, Any, Any], person_id: Id) -> Template:
    """The form to add a year's entry."""
    item = await service.get_person(await _access(request), person_id)
    values = {"title": item.title, "status": item.status, "institution_id": item.institution_id}
    return await _year_form(request, person_id, None, values, {})


@get("/{person_id:int}/years/{year_id:int}/edit", name="personnel_year_edit")
async def year_edit_page(request: Request[Any, Any, Any], person_id: Id, year_id: Id) -> Template:
    """The form to edit a year's entry."""
    entry = await _entry(await _access(request), person_id, year_id)
    return await _year_form(request, person_id, entry, msgspec.to_builtins(entry), {})


async def _save_year(
    request: Request[Any, Any, Any], person_id: int, year_id: int | None, data: dict[str, str]
) -> Template | Redirect:
    access = await _access(request)
    entry = await _entry(access, person_id, year_id) if year_id else None
    values = clean_form(data, optional_ints=("year", "institution_id"))
    try:
        patch = parse_form({k: v for k, v in values.items() if v is not None}, s.PersonYearIn)
        if year_id:
            await years.update_year(access, person_id, year_id, patch)
        else:
            await years.add_year(access, person_id, patch)
    except FormErrors as exc:
        return await _year_form(request, person_id, entry, values, exc.errors)
    except DomainError as exc:
        return await _year_form(request, person_id, entry, values, domain_form_errors(exc).errors)
    return _back(request, f"/personnel/{person_id}?saved=1")


@post("/{person_id:int}/years/new", status_code=303)
async def year_create(request: Request[Any, Any, Any], person_id: Id, data: FormData) -> Template | Redirect:
    """Add the year's entry."""
    return await _save_year(request, person_id, None, data)


@post("/{person_id:int}/years/{year_id:int}/edit", status_code=303)
async def year_update(
    request: Request[Any, Any, Any], person_id: Id, year_id: Id, data: FormData
) -> Template | Redirect:
    """Save the year's entry."""
    return await _save_year(request, person_id, year_id, data)


@post("/{person_id:int}/years/{year_id:int}/delete", status_code=303)
async def year_delete(request: Request[Any, Any, Any], person_id: Id, year_id: Id) -> Redirect:
    """Delete the year's entry."""
    await years.delete_year(await _access(request), person_id, year_id)
    return _back(request, f"/personnel/{person_id}?saved=1")


routes = [
    Router(
        path="/personnel",
        route_handlers=[
            list_page,
            search,
            batch,
            new_page,
            create,
            edit_page,
            update,
            detail_page,
            reveal,
            log_page,
            year_new_page,
            year_edit_page,
            year_create,
            year_update,
            year_delete,
        ],
        guards=[requires_role(*ORG_ADMIN_ROLES)],
        include_in_schema=False,
    )
]
