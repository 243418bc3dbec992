"""The credit forms (seed 002 §9, 003 §11): 学分登记表, one year's effective credits with the year's
totals and verdict, and 多年度学分验证表, the verdict and totals of several years in one document. Both
read a year as 达标情况查询 does (:func:`~cme_platform.compliance.service.person_year`). A learner prints
his own; an administrator prints those of people he selects, at once for a few (:data:`INSTANT_PEOPLE`)
and as a background document (:data:`FORMS`) for more."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import msgspec
import pluggy

from cme_platform import clock
from cme_platform.audit.service import AuditEntry, record_many
from cme_platform.compliance import schemas as s
from cme_platform.compliance.evaluate import Selection
from cme_platform.compliance.schemas import FIRST_YEAR, LAST_YEAR
from cme_platform.compliance.service import YearRules, person_year, selection_of, year_rules
from cme_platform.db.paging import and_all
from cme_platform.documents.schemas import ExportOut
from cme_platform.documents.service import Made, Progress, document_kind, start
from cme_platform.errors import InvalidInput, NotFound
from cme_platform.jobs.kinds import RunningJob
from cme_platform.pdf import template_pdf
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.tables import Person
from cme_platform.settings import Settings
from cme_platform.tenancy.scope import current_tenant

MAX_YEARS = 10
"""The most years one 多年度学分验证表 covers."""


def person_years_check(years: Sequence[int]) -> list[int]:
    """The years of a 多年度学分验证表, newest first and each once (400 unless 1 to :data:`MAX_YEARS`
    years between :data:`FIRST_YEAR` and :data:`LAST_YEAR`)."""
    chosen = sorted(set(years), reverse=True)
    if not chosen or len(chosen) > MAX_YEARS or not FIRST_YEAR <= chosen[-1] <= chosen[0] <= LAST_YEAR:
        raise InvalidInput(f"请选择 {FIRST_YEAR}–{LAST_YEAR} 年间的 1 至 {MAX_YEARS} 个年度")
    return chosen


async def person_years(
    rules: Sequence[YearRules], selection: Selection, person_id: int
) -> list[s.PersonCompliance]:
    """``person_id``'s years of ``rules`` (one per year, newest first) within ``selection``; a year in
    which he was not in the registry is left out (404 when none is left)."""
    found = []
    for year in rules:
        try:
            found.append(await person_year(year, selection, person_id))
        except NotFound:
            continue
    if not found:
        raise NotFound("所选年度没有该人员的学分信息")
    return found


Form = Literal["register", "years"]
FORM_TITLES: dict[str, str] = {"register": "学分登记表", "years": "多年度学分验证表"}
FORM_TEMPLATES: dict[str, str] = {
    "register": "compliance/register_pdf.html",
    "years": "compliance/years_pdf.html",
}
"""The templates of the forms (a province overrides them under ``<province>/compliance/``)."""
INSTANT_PEOPLE = 20
"""Selections of up to this many people are printed at once; larger ones are made by a job."""
MAX_PEOPLE = 2000
"""The most people one selection prints."""
KIND = "compliance.forms"


async def forms_context(
    pm: pluggy.PluginManager,
    selection: Selection,
    form: Form,
    person_ids: Sequence[int],
    years: Sequence[int],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """What the form's template needs for ``person_ids`` (in that order) within ``selection``: ``items``
    (学分登记表 of ``years[0]``) or ``people`` (多年度学分验证表 of ``years``), with the issuer and the
    time printed. People outside the selection, or not in the registry in the years, are left out (404
    when nobody is left); ``progress`` hears of each person."""
    ids = list(dict.fromkeys(person_ids))
    if not 1 <= len(ids) <= MAX_PEOPLE:
        raise InvalidInput(f"请选择 1 至 {MAX_PEOPLE} 名人员")
    if form == "register" and (len(set(years)) != 1 or not FIRST_YEAR <= years[0] <= LAST_YEAR):
        raise InvalidInput(f"学分登记表请选择 {FIRST_YEAR}–{LAST_YEAR} 年间的一个年度")
    found: list[Any] = []
    chosen = years[:1] if form == "register" else person_years_check(years)
    rules = [year_rules(pm, current_tenant(), year) for year in chosen]  # once, not once per person
    for done, person_id in enumerate(ids, start=1):
        try:
            if form == "register":
                found.append(await person_year(rules[0], selection, person_id))
            else:
                found.append(await person_years(rules, selection, person_id))
        except NotFound:
            pass
        if progress is not None and (done % 50 == 0 or done == len(ids)):
            await progress(done, len(ids))
    if not found:
        raise NotFound("所选人员在所选年度没有学分信息")
    key = "items" if form == "register" else "people"
    return {key: found, "issuer": current_tenant().name, "printed_at": clock.now()}


def forms_filename(form: Form, years: Sequence[int], context: Mapping[str, Any]) -> str:
    """The PDF's name: the form, its years and the person number (or how many people)."""
    chosen = sorted(set(years))
    span = str(chosen[0]) if len(chosen) == 1 else f"{chosen[0]}-{chosen[-1]}"
    found = context.get("items") or [years_[0] for years_ in context.get("people", [])]
    who = found[0].person_number if len(found) == 1 else f"{len(found)}人"
    return f"{FORM_TITLES[form]}-{span}-{who}.pdf"


async def _make(
    job: RunningJob,
    progress: Progress,
    *,
    form: Form,
    person_ids: list[int],
    years: list[int],
    selection: dict[str, Any],
) -> Made:
    """The job: the forms of the selected people as one PDF."""
    context = await forms_context(
        job.plugin_manager, msgspec.convert(selection, Selection), form, person_ids, years, progress
    )
    pdf = await template_pdf(job.templates, FORM_TEMPLATES[form], **context)
    count = len(context.get("items") or context.get("people") or [])
    return Made(content=pdf, filename=forms_filename(form, years, context), message=f"已生成：{count} 人")


FORMS = document_kind(KIND, "学分登记表与多年度学分验证表", _make)
"""The credit forms of many people, made in the background as one PDF."""


def years_text(form: Form, years: Sequence[int]) -> str:
    """The years a form covers, as the audit log and the document's title say them."""
    return f"{'、'.join(str(y) for y in sorted(set(years)))}年度"


async def audit_printed(form: Form, person_ids: Sequence[int], years: Sequence[int]) -> None:
    """An administrator printed these people's forms: their personal data left the system on paper
    (one record per person, as a form printed for one)."""
    summary = f"打印{FORM_TITLES[form]}（{years_text(form, years)}）"
    await record_many(
        [
            AuditEntry(action="compliance.forms.print", object_type="person", object_id=p, summary=summary)
            for p in dict.fromkeys(person_ids)
        ]
    )


async def reached_people(access: PersonAccess, person_ids: Sequence[int]) -> list[int]:
    """``person_ids`` (each once, in order) when all are within ``access``'s reach; else 404."""
    ids = list(dict.fromkeys(person_ids))
    reached = await Person.count().where(and_all(Person.id.is_in(ids or [0]), access.person_filter()))
    if reached != len(ids):
        raise NotFound("所选人员中有不存在或不在您管理范围内的人员")
    return ids


async def start_forms(
    access: PersonAccess, account_id: int, data: s.FormsIn, settings: Settings
) -> ExportOut:
    """Queue the forms of ``data.person_ids`` as one PDF made in the background (404 when one of them
    is not within ``access``'s reach); audited per person."""
    ids = await reached_people(access, data.person_ids)
    if data.form == "register" and len(set(data.years)) != 1:
        raise InvalidInput("学分登记表请只选择一个年度")
    if data.form == "years":
        person_years_check(data.years)
    title = f"{FORM_TITLES[data.form]}（{len(ids)} 人，{years_text(data.form, data.years)}）"
    args = {
        "form": data.form,
        "person_ids": ids,
        "years": sorted(set(data.years)),
        "selection": msgspec.to_builtins(selection_of(access)),
    }
    export = await start(
        KIND, title=title, total=len(ids), args=args, account_id=account_id, settings=settings
    )
    await audit_printed(data.form, ids, data.years)
    return export
