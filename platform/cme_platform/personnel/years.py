"""A person's history by year (状态/职称变动情况): list, add, edit and delete a year's entry.

Changes are audited with ``object_type`` ``person`` and the person's id, so they show in the person's
change log. The entry of a year keeps the institution of that year: a transfer keeps the history.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import msgspec

from cme_platform.audit.service import record
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, InvalidInput, NotFound
from cme_platform.orgs.tables import Institution
from cme_platform.personnel import schemas as s
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.changes import announce
from cme_platform.personnel.service import person_row
from cme_platform.personnel.tables import PersonYear
from cme_platform.personnel.validation import clean_person

_COLUMNS = (
    *PersonYear.all_columns(exclude=[PersonYear.tenant, PersonYear.person]),
    PersonYear.institution.code.as_alias("institution_code"),
    PersonYear.institution.name.as_alias("institution_name"),
    PersonYear.institution.level.as_alias("institution_level"),
)


def _out(row: dict[str, Any]) -> s.PersonYearOut:
    return s.PersonYearOut(
        id=row["id"],
        year=row["year"],
        title=row["title"],
        title_level=row["title_level"],
        title_evaluated_on=row["title_evaluated_on"],
        status=row["status"],
        institution_id=row["institution"],
        institution_code=row["institution_code"] or "",
        institution_name=row["institution_name"] or "",
        institution_level=row["institution_level"] or "",
        note=row["note"],
    )


async def list_years(access: PersonAccess, person_id: int) -> list[s.PersonYearOut]:
    """The person's entries, newest year first."""
    await person_row(access, person_id)
    rows = (
        await PersonYear.select(*_COLUMNS)
        .where(PersonYear.person == person_id)
        .order_by(PersonYear.year, ascending=False)
    )
    return [_out(r) for r in rows]


async def _writable(access: PersonAccess, person_id: int) -> dict[str, Any]:
    row = await person_row(access, person_id)
    if not access.can_write(row["institution"], row["department"], row["region"]):
        raise NotFound("人员不存在")
    return row


async def _values(data: s.PersonYearIn) -> dict[str, Any]:
    """Checked column values of the fields sent."""
    raw = {f: v for f in data.__struct_fields__ if (v := getattr(data, f)) is not msgspec.UNSET}
    person_fields: dict[str, Any] = {k: raw[k] for k in ("title", "title_evaluated_on", "status") if k in raw}
    values, errors = clean_person(person_fields, partial=True)
    if "year" in raw and not 1950 <= raw["year"] <= date.today().year + 1:
        errors.append(FieldError("year", "年度：应在 1950 年到明年之间"))
    if "institution_id" in raw:
        if not await Institution.exists().where(Institution.id == raw["institution_id"]):
            errors.append(FieldError("institution_id", "单位：不存在"))
        values["institution"] = raw["institution_id"]
    if errors:
        raise InvalidInput("请检查标注的字段", errors)
    for key in ("year", "note"):
        if key in raw:
            values[key] = raw[key]
    return values


async def _check_year_free(person_id: int, year: int, exclude: int | None = None) -> None:
    where = (PersonYear.person == person_id) & (PersonYear.year == year)
    if exclude is not None:
        where = where & (PersonYear.id != exclude)
    if await PersonYear.exists().where(where):
        raise Conflict(f"{year} 年度已有记录，请编辑该记录", [FieldError("year", f"{year} 年度已有记录")])


def _audit(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


async def add_year(access: PersonAccess, person_id: int, data: s.PersonYearIn) -> s.PersonYearOut:
    """Add a year's entry (the institution defaults to the person's current one)."""
    person = await _writable(access, person_id)
    values = await _values(data)
    if "year" not in values:
        raise InvalidInput("请检查标注的字段", [FieldError("year", "年度：必填")])
    values.setdefault("institution", person["institution"])
    await _check_year_free(person_id, values["year"])
    async with write_transaction(PersonYear):
        entry = PersonYear(person=person_id, **values)
        await entry.save()
        await record(
            "personnel.year.create",
            object_type="person",
            object_id=person_id,
            summary=f"添加 {values['year']} 年度记录：{person['name']}",
            after=_audit(values),
        )
        await announce([person_id], values, [values["year"]])
    return await _get(person_id, int(entry.id))


async def _get(person_id: int, year_id: int) -> s.PersonYearOut:
    row = (
        await PersonYear.select(*_COLUMNS)
        .where((PersonYear.id == year_id) & (PersonYear.person == person_id))
        .first()
    )
    if row is None:
        raise NotFound("年度记录不存在")
    return _out(row)


async def update_year(
    access: PersonAccess, person_id: int, year_id: int, data: s.PersonYearIn
) -> s.PersonYearOut:
    """Change the fields sent of one year's entry."""
    person = await _writable(access, person_id)
    current = msgspec.to_builtins(await _get(person_id, year_id))
    values = await _values(data)
    if "year" in values:
        await _check_year_free(person_id, values["year"], exclude=year_id)
    before_of = {**current, "institution": current["institution_id"]}
    changed = {k: v for k, v in _audit(values).items() if before_of.get(k) != v}
    if changed:
        async with write_transaction(PersonYear):
            await PersonYear.update({**values, "updated_at": datetime.now(UTC)}).where(
                PersonYear.id == year_id
            )
            await record(
                "personnel.year.update",
                object_type="person",
                object_id=person_id,
                summary=f"修改 {current['year']} 年度记录：{person['name']}",
                before={k: before_of.get(k) for k in changed},
                after=changed,
            )
            await announce([person_id], changed, {current["year"], values.get("year", current["year"])})
    return await _get(person_id, year_id)


async def delete_year(access: PersonAccess, person_id: int, year_id: int) -> None:
    """Delete one year's entry."""
    person = await _writable(access, person_id)
    current = msgspec.to_builtins(await _get(person_id, year_id))
    async with write_transaction(PersonYear):
        await PersonYear.delete().where(PersonYear.id == year_id)
        await record(
            "personnel.year.delete",
            object_type="person",
            object_id=person_id,
            summary=f"删除 {current['year']} 年度记录：{person['name']}",
            before={k: current[k] for k in ("year", "title", "status", "institution_name", "note")},
        )
        await announce([person_id], ("title", "title_level", "status", "institution"), [current["year"]])
