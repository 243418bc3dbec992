"""内部培训 (departments and institutions) and 已举办院内活动查看统计: the pages of internal training.

The list with its tabs and query bar, the 新增/编辑 form, a training's page (its 举办周期 with 添加课程,
提交, the sessions' QR codes once approved, the review and write-off history), the scoring sheet (授分 and
核销) and the statistics. The institution reviews and writes off in the one approvals inbox. Built from the
UI kit (:mod:`cme_admin_ui.kit`) like the core's pages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cme_admin_ui.kit import (
    FormErrors,
    act,
    back,
    current_principal,
    domain_form_errors,
    flash,
    page_context,
    parse_form,
    session_form_data,
    session_form_errors,
)
from cme_platform import clock
from cme_platform.api.params import Id, PageNumber
from cme_platform.api.state import plugin_manager
from cme_platform.approvals.engine import history
from cme_platform.credits.disciplines import discipline_tree
from cme_platform.errors import DomainError
from cme_platform.identity.guards import requires_role
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_zhejiang.internal_training import (
    ASSESSMENTS,
    FORMS,
    LEVELS,
    SUBJECT_TYPE,
    WRITE_OFF_TYPE,
    scoring,
    service,
    statistics,
)
from cme_zhejiang.internal_training.api import MANAGERS, READERS

TEMPLATES = "zhejiang/internal_training"
HOME = "/p/zhejiang/trainings"
PAGE_SIZE = 20
EDITORS = [requires_role(*MANAGERS)]
FIELDS = (
    "year",
    "name",
    "level",
    "credits",
    "hours",
    "discipline",
    "subdiscipline",
    "form",
    "assessment",
    "other_number",
    "note",
    "department_id",
)
SESSION_FIELDS = ("title", "speaker", "venue", "day", "start", "end", "hours")


def _text(form: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: value.strip() for name in names if isinstance(value := form.get(name) or "", str)}


def _year(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100 else None


def _day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if service.FIRST_YEAR <= day.year <= service.LAST_YEAR else None


def _filters(request: Request[Any, Any, Any]) -> tuple[service.TrainingFilter, dict[str, str]]:
    """The query bar's conditions (what is not acceptable is ignored)."""
    query = {
        k: (request.query_params.get(k) or "").strip()[:100]
        for k in ("tab", "year", "level", "form", "discipline", "subdiscipline", "name", "from", "until")
    }
    tabs = dict(service.TABS)
    query["tab"] = query["tab"] if query["tab"] in tabs else "all"
    if "year" not in request.query_params:  # the seed's bar opens on this year (举办年度 2025)
        query["year"] = str(clock.today().year)
    found = service.TrainingFilter(
        tab=query["tab"],
        year=_year(query["year"]),
        level=query["level"][:64],
        form=query["form"][:64],
        discipline=query["discipline"][:64],
        subdiscipline=query["subdiscipline"][:64],
        name=query["name"],
        starts_from=_day(query["from"]),
        starts_until=_day(query["until"]),
    )
    return found, query


def _choices() -> dict[str, Any]:
    return {
        "levels": LEVELS,
        "forms": FORMS,
        "assessments": ASSESSMENTS,
        "disciplines": discipline_tree(current_tenant()),
        "this_year": clock.today().year,
    }


@get("/trainings", guards=[requires_role(*READERS)], include_in_schema=False)
async def training_list(request: Request[Any, Any, Any], page: PageNumber = 1) -> Template:
    """内部培训: the tabs 全部/已举办/未举办/待评分 with counts, the query bar, and the list."""
    principal = await current_principal(request)
    found, query = _filters(request)
    result = await service.list_trainings(principal, found, page, PAGE_SIZE)
    return Template(
        template_name=f"{TEMPLATES}/list.html",
        context={
            **page_context(request),
            **_choices(),
            "result": result,
            "query": query,
            "tabs": service.TABS,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
            "may_add": principal.has_any(*MANAGERS),
            "reviews": principal.has_any(MANAGERS[0]),
            "kinds": (SUBJECT_TYPE, WRITE_OFF_TYPE),
        },
    )


async def _form(
    request: Request[Any, Any, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    status: int,
    training: service.TrainingOut | None = None,
) -> Template:
    principal = await current_principal(request)
    return Template(
        template_name=f"{TEMPLATES}/form.html",
        context={
            **page_context(request),
            **_choices(),
            "values": values,
            "errors": errors,
            "training": training,
            "departments": [] if training else await service.department_choices(principal),
        },
        status_code=status,
    )


@get("/trainings/new", guards=EDITORS, include_in_schema=False)
async def training_new(request: Request[Any, Any, Any]) -> Template:
    """新增: the training's facts; the sessions follow on its page (下一步完善举办周期)."""
    return await _form(request, {"year": clock.today().year}, {}, 200)


def _training_in(values: dict[str, str]) -> service.TrainingIn:
    data: dict[str, Any] = {k: v for k, v in values.items() if k != "department_id"}
    if values.get("department_id"):
        data["department_id"] = values["department_id"]
    return parse_form(data, service.TrainingIn)


@post("/trainings", guards=EDITORS, include_in_schema=False, status_code=303)
async def training_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    """保存并返回列表, or 下一步完善举办周期 (the new training's page, at its sessions)."""
    principal = await current_principal(request)
    form = await request.form()
    values = _text(form, FIELDS)
    try:
        training = await service.create_training(principal, _training_in(values))
    except FormErrors as exc:
        return await _form(request, values, {"_": exc.message, **exc.errors}, 400)
    except DomainError as exc:
        errors = domain_form_errors(exc)
        return await _form(request, values, {"_": errors.message, **errors.errors}, 400)
    flash(request, "内部培训已保存")
    if form.get("action") == "next":
        return back(request, f"{HOME}/{training.id}#sessions")
    return back(request, HOME)


@get("/trainings/{training_id:int}/edit", guards=EDITORS, include_in_schema=False)
async def training_edit(request: Request[Any, Any, Any], training_id: Id) -> Template:
    """编辑 a draft or returned training's facts."""
    principal = await current_principal(request)
    await service.managed_row(principal, training_id)  # 403 or 409 when it is not his to edit now
    training = await service.get_training(principal, training_id)
    values = {
        **{k: getattr(training, k) for k in FIELDS if hasattr(training, k) and k not in ("credits", "hours")},
        "credits": training.credits_text,
        "hours": training.hours_text,
    }
    return await _form(request, values, {}, 200, training)


@post("/trainings/{training_id:int}", guards=EDITORS, include_in_schema=False, status_code=303)
async def training_update(request: Request[Any, Any, Any], training_id: Id) -> Template | Redirect:
    """Save the edited facts."""
    principal = await current_principal(request)
    values = _text(await request.form(), FIELDS)
    training = await service.get_training(principal, training_id)
    try:
        await service.update_training(principal, training_id, _training_in(values))
    except FormErrors as exc:
        return await _form(request, values, {"_": exc.message, **exc.errors}, 400, training)
    except DomainError as exc:
        errors = domain_form_errors(exc)
        return await _form(request, values, {"_": errors.message, **errors.errors}, 400, training)
    flash(request, "内部培训已修改")
    return back(request, f"{HOME}/{training_id}")


async def _detail(
    request: Request[Any, Any, Any],
    training_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    principal = await current_principal(request)
    training = await service.get_training(principal, training_id)
    write_off = await scoring.write_off_of(training_id)
    reviews = await history(training.approval_id) if training.approval_id else []
    write_offs = await history(write_off["approval"]) if write_off and write_off["approval"] else []
    return Template(
        template_name=f"{TEMPLATES}/detail.html",
        context={
            **page_context(request),
            "training": training,
            "history": reviews,
            "write_off_history": write_offs,
            "errors": errors or {},
            "values": values or {"day": str(clock.today())},
        },
        status_code=400 if errors else 200,
    )


@get("/trainings/{training_id:int}", guards=[requires_role(*READERS)], include_in_schema=False)
async def training_detail(request: Request[Any, Any, Any], training_id: Id) -> Template:
    """A training: its facts, its 举办周期 (添加课程 while it may change; 出示二维码 once approved), what
    to do next, and the review and write-off history."""
    return await _detail(request, training_id)


@post("/trainings/{training_id:int}/sessions", guards=EDITORS, include_in_schema=False, status_code=303)
async def session_add(request: Request[Any, Any, Any], training_id: Id) -> Template | Redirect:
    """添加课程: a session on one day, with its start and end time."""
    principal = await current_principal(request)
    values = _text(await request.form(), SESSION_FIELDS)
    data = session_form_data(values, ("title", "speaker", "venue"))
    try:
        await service.add_session(principal, training_id, parse_form(data, service.SessionIn))
    except FormErrors as exc:
        return await _detail(
            request, training_id, session_form_errors({"_": exc.message, **exc.errors}), values
        )
    except DomainError as exc:
        return await _detail(
            request, training_id, session_form_errors(domain_form_errors(exc).errors), values
        )
    flash(request, "课程已添加")
    return back(request, f"{HOME}/{training_id}#sessions")


@post(
    "/trainings/{training_id:int}/sessions/{session_id:int}/delete",
    guards=EDITORS,
    include_in_schema=False,
    status_code=303,
)
async def session_delete(request: Request[Any, Any, Any], training_id: Id, session_id: Id) -> Redirect:
    """删除 a session."""
    principal = await current_principal(request)
    here = f"{HOME}/{training_id}#sessions"
    return await act(
        request, "课程已删除", here, here, service.delete_session(principal, training_id, session_id)
    )


@post("/trainings/{training_id:int}/submit", guards=EDITORS, include_in_schema=False, status_code=303)
async def training_submit(request: Request[Any, Any, Any], training_id: Id) -> Redirect:
    """提交 the training to the institution."""
    principal = await current_principal(request)
    here = f"{HOME}/{training_id}"
    submitting = service.submit_training(plugin_manager(request), principal, training_id)
    return await act(request, "已提交单位审核", here, here, submitting)


@post("/trainings/{training_id:int}/delete", guards=EDITORS, include_in_schema=False, status_code=303)
async def training_delete(request: Request[Any, Any, Any], training_id: Id) -> Redirect:
    """删除 a training never submitted."""
    principal = await current_principal(request)
    deleting = service.delete_training(principal, training_id)
    return await act(request, "内部培训已删除", HOME, f"{HOME}/{training_id}", deleting)


async def _scores_page(
    request: Request[Any, Any, Any],
    training_id: int,
    errors: dict[str, str] | None = None,
    values: dict[int, str] | None = None,
) -> Template:
    principal = await current_principal(request)
    sheet = await scoring.score_sheet(plugin_manager(request), principal, training_id)
    return Template(
        template_name=f"{TEMPLATES}/scores.html",
        context={
            **page_context(request),
            "sheet": sheet,
            "errors": errors or {},
            "values": values or {},
            "history": await history(sheet.approval_id) if sheet.approval_id else [],
        },
        status_code=400 if errors else 200,
    )


@get("/trainings/{training_id:int}/scores", guards=[requires_role(*READERS)], include_in_schema=False)
async def scores_page(request: Request[Any, Any, Any], training_id: Id) -> Template:
    """授分: the attendees with their hours, the credits proposed, and 保存评分 / 核销."""
    return await _scores_page(request, training_id)


def _person_errors(errors: dict[str, str], people: list[int]) -> dict[str, str]:
    """The service's errors on ``scores[i]`` under the field of the i-th person's credits."""
    out = {}
    for field, message in errors.items():
        index = field.removeprefix("scores[").split("]")[0]
        if field.startswith("scores[") and index.isdigit() and int(index) < len(people):
            out[f"credits_{people[int(index)]}"] = message
        else:
            out[field] = message
    return out


@post("/trainings/{training_id:int}/scores", guards=EDITORS, include_in_schema=False, status_code=303)
async def scores_save(request: Request[Any, Any, Any], training_id: Id) -> Template | Redirect:
    """保存评分, or 核销 (save and send to the institution)."""
    principal = await current_principal(request)
    form = await request.form()
    people = [p for p in form.getall("person", []) if isinstance(p, str)][: scoring.MAX_SCORES]
    values = {
        int(p): str(form.get(f"credits_{p}") or "0").strip()[:20]
        for p in people
        if p.isascii() and p.isdigit() and len(p) <= 10
    }
    writing_off = form.get("action") == "write_off"
    try:
        data = parse_form(
            {
                "scores": [{"person_id": p, "credits": c or "0"} for p, c in values.items()],
                "write_off": writing_off,
            },
            scoring.ScoresIn,
        )
        await scoring.save_scores(plugin_manager(request), principal, training_id, data)
    except (FormErrors, DomainError) as exc:
        refused = exc if isinstance(exc, FormErrors) else domain_form_errors(exc)
        errors = _person_errors(refused.errors, list(values))
        return await _scores_page(request, training_id, {"_": refused.message, **errors}, values)
    flash(request, "已提交单位核销" if writing_off else "评分已保存")
    return back(request, f"{HOME}/{training_id}/scores")


@get("/trainings/statistics", guards=[requires_role(*READERS)], include_in_schema=False)
async def statistics_page(request: Request[Any, Any, Any]) -> Template:
    """已举办院内活动查看统计: the year's trainings by department."""
    principal = await current_principal(request)
    year = _year((request.query_params.get("year") or "").strip()[:4])
    return Template(
        template_name=f"{TEMPLATES}/statistics.html",
        context={**page_context(request), "stats": await statistics.statistics(principal, year)},
    )


routes = [
    training_list,
    training_new,
    training_create,
    statistics_page,
    training_edit,
    training_update,
    training_detail,
    session_add,
    session_delete,
    training_submit,
    training_delete,
    scores_page,
    scores_save,
]
"""Internal training's page handlers."""
