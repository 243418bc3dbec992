"""People of the registry: list, read, reveal, create, edit, batch change and change log.

Every function runs inside the active tenant scope with the caller's :class:`PersonAccess`; people out
of reach are reported as not found. ID numbers are kept sealed and hashed (:mod:`cme_platform.pii`):
lists and audit records only ever hold the masked form, and every full view is audited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import msgspec

from cme_platform import pii
from cme_platform.audit.query import AuditEventPage, FieldChange, object_history
from cme_platform.audit.service import record
from cme_platform.db.errors import is_unique_violation
from cme_platform.db.paging import and_all, starts_with
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.orgs.tables import Department, Institution
from cme_platform.personnel import schemas as s
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.account_link import create_learner_account
from cme_platform.personnel.changes import announce
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.pii_search import charge_search, resolve_keyword
from cme_platform.personnel.tables import Person, PersonYear
from cme_platform.personnel.validation import LABELS, clean_person

YEAR_FIELDS = ("title", "title_level", "title_evaluated_on", "status", "institution")
"""Person columns mirrored into the current year's :class:`PersonYear`."""

_LIST_COLUMNS = (
    Person.id,
    Person.person_number,
    Person.name,
    Person.gender,
    Person.id_type,
    Person.id_masked,
    Person.phone,
    Person.institution,
    Person.department,
    Person.title,
    Person.title_level,
    Person.specialty,
    Person.establishment,
    Person.status,
)
_SORT_COLUMNS: dict[str, Any] = {
    "person_number": Person.person_number,
    "name": Person.name,
    "title": Person.title,
    "department": Person.department,
    "status": Person.status,
    "updated_at": Person.updated_at,
}


def _keyword_clause(filters: s.PersonFilter) -> Any:
    if not filters.q:
        return None
    if filters.q_field == "id_number":
        return Person.id_hash == pii.lookup_hash(resolve_keyword("id_number", filters.q))
    if filters.q_field == "person_number":
        return Person.person_number == filters.q
    if filters.q_field == "number":
        return (Person.person_number == filters.q) | (Person.ic_card == filters.q)
    if filters.q_field == "phone":
        return Person.phone == resolve_keyword("phone", filters.q)
    return starts_with(Person.name, filters.q)


def filter_clause(access: PersonAccess, filters: s.PersonFilter) -> Any:
    """The where-clause on :class:`Person` of the people ``filters`` select within ``access``'s reach."""
    return and_all(
        access.person_filter(),
        (Person.status == filters.status) if filters.status else None,
        _keyword_clause(filters),
        (Person.institution == filters.institution_id) if filters.institution_id else None,
        (Person.department == filters.department_id) if filters.department_id else None,
        (Person.title == filters.title) if filters.title else None,
        (Person.title_level == filters.title_level) if filters.title_level else None,
        (Person.specialty == filters.specialty) if filters.specialty else None,
        (Person.establishment == filters.establishment) if filters.establishment else None,
    )


async def _org_names(rows: list[dict[str, Any]]) -> tuple[dict[int, str], dict[int, str]]:
    """Institution and department names of the given rows only."""
    inst_ids = sorted({r["institution"] for r in rows})
    dept_ids = sorted({r["department"] for r in rows if r["department"]})
    institutions = (
        await Institution.select(Institution.id, Institution.name).where(Institution.id.is_in(inst_ids))
        if inst_ids
        else []
    )
    departments = (
        await Department.select(Department.id, Department.name).where(Department.id.is_in(dept_ids))
        if dept_ids
        else []
    )
    return {r["id"]: r["name"] for r in institutions}, {r["id"]: r["name"] for r in departments}


def _item(row: dict[str, Any], institutions: dict[int, str], departments: dict[int, str]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "person_number": row["person_number"],
        "name": row["name"],
        "gender": row["gender"],
        "id_type": row["id_type"],
        "id_masked": row["id_masked"],
        "phone_masked": pii.mask_phone(row["phone"]),
        "institution_id": row["institution"],
        "institution_name": institutions.get(row["institution"], ""),
        "department_id": row["department"],
        "department_name": departments.get(row["department"], "") if row["department"] else "",
        "title": row["title"],
        "title_level": row["title_level"],
        "specialty": row["specialty"],
        "establishment": row["establishment"],
        "status": row["status"],
    }


async def list_people(
    access: PersonAccess,
    filters: s.PersonFilter,
    *,
    page: int = 1,
    page_size: int = 20,
    sort: s.SortKey = "person_number",
    descending: bool = False,
) -> s.PersonPage:
    """A page of the people ``filters`` select (one page query and one count), masked.

    A search by full ID number or phone is first counted and audited (:func:`charge_search`).
    """
    await charge_search(access, filters.q_field, filters.q)
    where = filter_clause(access, filters)
    query = Person.select(*_LIST_COLUMNS).order_by(_SORT_COLUMNS[sort], ascending=not descending)
    if sort != "person_number":
        query = query.order_by(Person.person_number)
    query = query.limit(page_size).offset((page - 1) * page_size)
    count = Person.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    rows = await query
    institutions, departments = await _org_names(rows)
    items = [s.PersonListItem(**_item(r, institutions, departments)) for r in rows]
    return s.PersonPage(items=items, total=await count, page=page, page_size=page_size)


async def person_row(access: PersonAccess, person_id: int) -> dict[str, Any]:
    """The stored row of a person within reach (with ``region``: the institution's region); else 404."""
    row = (
        await Person.select(*Person.all_columns(), Person.institution.region.as_alias("region"))
        .where(and_all(Person.id == person_id, access.person_filter()))
        .first()
    )
    if row is None:
        raise NotFound("人员不存在")
    return row


async def get_person(access: PersonAccess, person_id: int, *, reveal: bool = False) -> s.PersonOut:
    """One person; ``reveal`` adds the full ID number (allowed roles only, audited)."""
    row = await person_row(access, person_id)
    if reveal and not access.can_reveal:
        raise Forbidden("没有权限查看完整证件号码")
    institutions, departments = await _org_names([row])
    code = await Institution.select(Institution.code).where(Institution.id == row["institution"]).first()
    out = s.PersonOut(
        **_item(row, institutions, departments),
        id_number=pii.unseal(row["id_sealed"]) if reveal else None,
        phone=row["phone"] if access.can_reveal else None,
        institution_code=code["code"] if code else "",
        account_id=row["account"],
        can_reveal=access.can_reveal,
        **{f: row[f] for f in _DETAIL_FIELDS},
    )
    if reveal:
        await record(
            "personnel.person.reveal",
            object_type="person",
            object_id=person_id,
            summary=f"查看完整证件号码：{row['name']}（{row['person_number']}）",
        )
    return out


_DETAIL_FIELDS = (
    "birth_date",
    "ethnicity",
    "political_status",
    "office_phone",
    "email",
    "ic_card",
    "title_evaluated_on",
    "title_appointed_year",
    "transfer_status",
    "position",
    "education",
    "degree",
)


def _raw(data: s.PersonIn) -> dict[str, Any]:
    return {f: v for f in data.__struct_fields__ if (v := getattr(data, f)) is not msgspec.UNSET}


async def _placement_errors(
    access: PersonAccess, institution_id: int | None, department_id: int | None
) -> list[FieldError]:
    """Problems with the institution and department: missing, not together, or not the caller's to manage."""
    errors: list[FieldError] = []
    inst = None
    if institution_id is None:
        errors.append(FieldError("institution_id", "所属单位：必填"))
    else:
        inst = (
            await Institution.select(Institution.id, Institution.region)
            .where(and_all(Institution.id == institution_id, access.org.institution_filter()))
            .first()
        )
        if inst is None:
            errors.append(FieldError("institution_id", "所属单位：不存在"))
    if department_id is not None and institution_id is not None:
        dept = await Department.exists().where(
            (Department.id == department_id) & (Department.institution == institution_id)
        )
        if not dept:
            errors.append(FieldError("department_id", "所属科室：不属于所选单位"))
    if not errors and inst is not None and not access.can_write(inst["id"], department_id, inst["region"]):
        errors.append(FieldError("department_id", "所属科室：只能选择您管理的科室"))
    return errors


async def _duplicate(access: PersonAccess, id_hash: str, exclude: int | None = None) -> None:
    """409 when the document number is already registered, naming only what the caller may see."""
    where: Any = Person.id_hash == id_hash
    if exclude is not None:
        where = where & (Person.id != exclude)
    other = (
        await Person.select(Person.id, Person.name, Person.person_number, Person.institution.name)
        .where(where)
        .first()
    )
    if other is None:
        return
    visible = await Person.exists().where(and_all(Person.id == other["id"], access.person_filter()))
    if visible:
        message = (
            f"该证件号码已登记：{other['name']}（人员编号 {other['person_number']}，"
            f"{other['institution.name']}）"
        )
    else:
        message = "该证件号码已在其他单位登记，如需调入请联系上级管理部门办理调动"
    raise Conflict(message, [FieldError("id_number", message)])


def document_columns(number: str) -> dict[str, str]:
    """The stored forms of a document number: sealed, keyed hash and masked."""
    return {
        "id_sealed": pii.seal(number),
        "id_hash": pii.lookup_hash(number),
        "id_masked": pii.mask_document(number),
    }


def _audit_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


async def create_person(access: PersonAccess, data: s.PersonIn) -> s.PersonOut:
    """Register a person, the current year's entry and the learner account (audited)."""
    values, errors = clean_person(_raw(data))
    institution_id = data.institution_id if isinstance(data.institution_id, int) else None
    department_id = data.department_id if isinstance(data.department_id, int) else None
    errors += await _placement_errors(access, institution_id, department_id)
    if errors:
        raise InvalidInput("请检查标注的字段", errors)
    assert institution_id is not None  # a missing institution is one of the errors above
    number = values.pop("id_number")
    documents = document_columns(number)
    await _duplicate(access, documents["id_hash"])
    try:
        async with write_transaction(Person):
            person_number = (await reserve_person_numbers(1))[0]
            fields: dict[str, Any] = {
                **values,
                **documents,
                "person_number": person_number,
                "institution": institution_id,
                "department": department_id,
            }
            person = Person(None, **fields)
            await person.save()
            person_id = int(person.id)
            await PersonYear(
                person=person_id,
                year=date.today().year,
                **{f: values.get(f, "") for f in ("title", "title_level", "status")},
                title_evaluated_on=values.get("title_evaluated_on"),
                institution=institution_id,
            ).save()
            await create_learner_account(
                person_id, person_number, values["name"], values["phone"], institution_id, department_id
            )
            after = {k: _audit_value(v) for k, v in values.items()}
            await record(
                "personnel.person.create",
                object_type="person",
                object_id=person_id,
                summary=f"机构添加人员：{values['name']}（{person_number}）",
                after={**after, "id_masked": documents["id_masked"], "institution": institution_id},
            )
            await announce([person_id], fields)
    except Exception as exc:
        if is_unique_violation(exc):
            await _duplicate(access, documents["id_hash"])
        raise
    return await get_person(access, person_id)


def _stored_document(row: dict[str, Any], raw: dict[str, Any]) -> None:
    """Re-check an edit against the stored document number when a new one was not given."""
    if "id_number" not in raw:
        raw["id_number"] = pii.unseal(row["id_sealed"])
        raw.setdefault("id_type", row["id_type"])


async def update_person(access: PersonAccess, person_id: int, data: s.PersonIn) -> s.PersonOut:
    """Change the fields sent; a new document number is re-sealed, a move keeps the history."""
    row = await person_row(access, person_id)
    if not access.can_write(row["institution"], row["department"], row["region"]):
        raise NotFound("人员不存在")
    raw = _raw(data)
    placement = {k: raw.pop(k) for k in ("institution_id", "department_id") if k in raw}
    _stored_document(row, raw)
    values, errors = clean_person(raw, partial=True)
    if errors:
        raise InvalidInput("请检查标注的字段", errors)
    changes: dict[str, Any] = {k: v for k, v in values.items() if k != "id_number" and row[k] != v}
    number = values.pop("id_number")
    documents = document_columns(number)
    if documents["id_hash"] != row["id_hash"]:
        await _duplicate(access, documents["id_hash"], exclude=person_id)
        changes.update(documents)
    if placement:
        institution_id = placement.get("institution_id", row["institution"])
        department_id = placement.get("department_id", row["department"])
        placement_errors = await _placement_errors(access, institution_id, department_id)
        if placement_errors:
            raise InvalidInput("请检查所属单位和科室", placement_errors)
        changes.update(
            {k: v for k, v in (("institution", institution_id), ("department", department_id)) if row[k] != v}
        )
    if changes:
        async with write_transaction(Person):
            await _apply(row, changes, "personnel.person.update", f"修改人员：{row['name']}")
    return await get_person(access, person_id)


def _audit_fields(row: dict[str, Any], changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Before/after of the changed fields; document numbers only in their masked form."""
    shown = [k for k in changes if k not in ("id_sealed", "id_hash", "updated_at")]
    before = {k: _audit_value(row[k]) for k in shown}
    after = {k: _audit_value(changes[k]) for k in shown}
    return before, after


async def _apply(row: dict[str, Any], changes: dict[str, Any], action: str, summary: str) -> None:
    """Write ``changes`` to the person, the current year's entry and the linked account; audit it."""
    person_id = row["id"]
    await Person.update({**changes, "updated_at": datetime.now(UTC)}).where(Person.id == person_id)
    year_changes = {k: changes[k] for k in YEAR_FIELDS if k in changes}
    if year_changes:
        await PersonYear.update(year_changes).where(
            (PersonYear.person == person_id) & (PersonYear.year == date.today().year)
        )
    if row["account"]:
        await _sync_account(row["account"], changes)
    before, after = _audit_fields(row, changes)
    await record(
        action, object_type="person", object_id=person_id, summary=summary, before=before, after=after
    )
    await announce([person_id], changes)


async def _sync_account(account_id: int, changes: dict[str, Any]) -> None:
    """Keep the learner account's name, phone and grant in step with the person."""
    account: dict[Any, Any] = {}
    if "name" in changes:
        account[Account.display_name] = changes["name"]
    for field, column in (("phone", Account.phone), ("email", Account.email)):
        if field in changes:
            account[column] = changes[field] or None
    if account:
        await Account.update(account).where(Account.id == account_id)
    grant = {k: changes[k] for k in ("institution", "department") if k in changes}
    if grant:
        await RoleGrant.update(grant).where(
            (RoleGrant.account == account_id) & (RoleGrant.role == Role.LEARNER.value)
        )


async def batch_change(
    access: PersonAccess, ids: list[int], *, title: str | None = None, status: str | None = None
) -> int:
    """Set the title and/or status of every person in ``ids`` (all or none); one audit record each."""
    raw = {k: v for k, v in (("title", title), ("status", status)) if v}
    if not raw:
        raise InvalidInput("请选择要修改的职称或人员状态")
    values, errors = clean_person(raw, partial=True)
    if errors:
        raise InvalidInput("请检查标注的字段", errors)
    wanted = sorted(set(ids))
    rows = await Person.select(*Person.all_columns(), Person.institution.region.as_alias("region")).where(
        and_all(Person.id.is_in(wanted), access.person_filter())
    )
    if len(rows) != len(wanted) or not all(
        access.can_write(r["institution"], r["department"], r["region"]) for r in rows
    ):
        raise NotFound("所选人员中有不存在或无权修改的人员，未做任何修改")
    changed = 0
    async with write_transaction(Person):
        for row in rows:
            changes = {k: v for k, v in values.items() if row[k] != v}
            if changes:
                await _apply(row, changes, "personnel.person.batch_update", f"批量修改人员：{row['name']}")
                changed += 1
    return changed


LOG_LABELS: dict[str, str] = {
    **LABELS,
    "id_masked": "证件号码",
    "institution": "单位",
    "department": "科室",
    "title_level": "职称级别",
    "person_number": "人员编号",
    "year": "年度",
    "note": "备注",
}
"""Field name → the label a change log shows (every field a person's audit records carry)."""

_REFERENCES: dict[str, Any] = {"institution": Institution, "department": Department}
"""Fields that hold the id of a named row: the log shows the name."""


async def change_log(
    access: PersonAccess, person_id: int, *, page: int = 1, page_size: int = 20
) -> AuditEventPage:
    """The person's change log, newest first (time, account, name, IP and what changed), readable: each
    change with its Chinese ``label``, units by name, and only the fields whose value really changed."""
    await person_row(access, person_id)
    history = await object_history("person", person_id, page=page, page_size=page_size)
    names: dict[str, dict[Any, str]] = {}
    for field, table in _REFERENCES.items():
        ids = {
            v for e in history.items for c in e.changes if c.field == field for v in (c.before, c.after) if v
        }
        rows = await table.select(table.id, table.name).where(table.id.is_in(list(ids))) if ids else []
        names[field] = {row["id"]: row["name"] for row in rows}

    def shown(field: str, value: Any) -> Any:
        return names[field].get(value, value) if field in names and value else value

    for event in history.items:
        event.changes = [
            FieldChange(
                field=c.field,
                label=LOG_LABELS.get(c.field, c.field),
                before=shown(c.field, c.before),
                after=shown(c.field, c.after),
            )
            for c in event.changes
            if c.before != c.after and (c.before not in (None, "") or c.after not in (None, ""))
        ]
    return history
