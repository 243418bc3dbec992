"""按标准授分: an institution (its region, or the commission) grants one standard's credits to several
people at once, as Beijing's 3-step wizard does for its creditable activities (seed 000: 选择授分标准 →
选择人员 → 填写实际完成时间、活动形式、所属学科、开始及结束时间、活动内容、上传附件).

The province names the standards it grants this way (``EntryPolicy.standard_grants``). Every person's
credit is checked as a guided entry would check it (the standard's rule, his yearly cap, the forms and
disciplines, the evidence) and posted through the ledger as granted (source ``standard``): approved now,
effective from the province's date. All or nothing, audited, and idempotent on the client's key.
"""

from __future__ import annotations

import hashlib
import inspect
import uuid
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
import pluggy

from cme_platform.api.params import RowId
from cme_platform.audit.service import record
from cme_platform.credits import ledger, status
from cme_platform.credits.access import people_for_admin
from cme_platform.credits.entry import CHECK_FIELDS, ZERO_CREDITS, record_values
from cme_platform.credits.policy import GrantBases, GrantBasis
from cme_platform.credits.schemas import CreditIn, GuidedInputs
from cme_platform.credits.sources import CreditSource
from cme_platform.credits.tables import CreditEvidence, CreditRecord, StandardGrant
from cme_platform.db.paging import and_all
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import GRANTORS
from cme_platform.orgs.access import OrgAccess
from cme_platform.personnel.access import PersonAccess
from cme_platform.plugins.manager import HookAnswerError, tenant_hooks
from cme_platform.standards.amounts import format_credits
from cme_platform.standards.rules import Standard
from cme_platform.tenancy.scope import current_tenant

SOURCE_TYPE = "standard_grant"
MAX_PEOPLE = 500
"""The most people one grant names (a department's or a course's people; more: several grants)."""
NOT_OFFERED = "本省未开通按标准授分"
KEY_COLUMNS = (StandardGrant.tenant, StandardGrant.granted_by, StandardGrant.key)
"""The unique index ``credits_standard_grant_key``: a key is the granting account's own."""

Key = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z_-]{8,64}$")]
Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Text64 = Annotated[str, msgspec.Meta(max_length=64)]


class StandardGrantIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A grant: the standard and its inputs, the people, and the activity (seed 000, step 3).

    ``key`` is the client's idempotency key, per account: the same grant sent again with it returns the
    first (no second credit); another grant with it is refused (409). ``evidence_ids`` are ``evidence``
    files the caller uploaded; at least one is required. ``basis_id`` is the record the grant names as its
    basis where the province asks for one (``cme_grant_bases``: Beijing's passed activity plans).
    """

    standard_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    person_ids: Annotated[list[RowId], msgspec.Meta(min_length=1, max_length=MAX_PEOPLE)]
    activity_name: Text200
    activity_date: date
    inputs: GuidedInputs | None = None
    started_on: date | None = None
    ended_on: date | None = None
    form: Annotated[str, msgspec.Meta(max_length=32)] = ""
    discipline: Text64 = ""
    subdiscipline: Text64 = ""
    content: Annotated[str, msgspec.Meta(max_length=500)] = ""
    evidence_ids: Annotated[list[RowId], msgspec.Meta(max_length=10)] = msgspec.field(default_factory=list)
    basis_id: RowId | None = None
    key: Key | None = None


class GrantedPerson(msgspec.Struct, frozen=True, kw_only=True):
    """One person's credit of a grant."""

    record_id: int
    person_id: int
    person_number: str
    name: str
    credits: int
    credits_text: str


class StandardGrantOut(msgspec.Struct, frozen=True, kw_only=True):
    """A grant as listed and shown; ``records`` only on its own page (``None`` in lists)."""

    id: int
    standard_code: str
    standard_name: str
    category: str
    activity_name: str
    activity_date: date
    started_on: date | None
    ended_on: date | None
    form: str
    discipline: str
    subdiscipline: str
    content: str
    people: int
    credits: int
    credits_text: str
    institution_name: str
    basis_label: str
    evidence_ids: list[int]
    created_at: datetime
    records: list[GrantedPerson] | None = None


class StandardGrantPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of grants, newest first."""

    items: list[StandardGrantOut]
    total: int
    page: int
    page_size: int


def grantable(pm: pluggy.PluginManager, year: int) -> list[Standard]:
    """The province's standards of ``year`` it grants to many people at once, in its table's order."""
    hooks = tenant_hooks(pm, current_tenant())
    codes = set(hooks.cme_credit_entry_policy().standard_grants)
    return [s for s in hooks.cme_credit_standards(year=year) if s.code in codes]


def check_offered(pm: pluggy.PluginManager, principal: Principal) -> None:
    """404 where the province has no such grant; 403 for roles that do not grant."""
    if not tenant_hooks(pm, current_tenant()).cme_credit_entry_policy().standard_grants:
        raise NotFound(NOT_OFFERED)
    if not principal.has_any(*GRANTORS):
        raise Forbidden("只有单位、区县或继教委管理员可以按标准授分")


def grantor_access(principal: Principal) -> PersonAccess:
    """The people an account grants to: the whole tenant, or those of the regions and institutions it
    administers; not those of a department it administers (a department's administrator does not grant)."""
    org = OrgAccess.of(principal)
    return PersonAccess(
        org=msgspec.structs.replace(org, department_ids=frozenset(), department_institution_ids=frozenset())
    )


async def grant_bases(
    pm: pluggy.PluginManager, principal: Principal, standard: Standard, year: int
) -> GrantBases | None:
    """What a grant under ``standard`` in ``year`` must name as its basis (``None``: nothing)."""
    answer = tenant_hooks(pm, current_tenant()).cme_grant_bases(
        principal=principal, standard=standard, year=year
    )
    bases = await answer if inspect.isawaitable(answer) else answer
    if bases is None:
        return None
    try:  # an awaited answer escapes the hook caller's check: check it whole here
        return msgspec.convert(msgspec.to_builtins(bases), GrantBases)
    except (msgspec.ValidationError, TypeError) as exc:
        raise HookAnswerError(
            f"cme_grant_bases answered {bases!r:.120}; the spec asks for GrantBases"
        ) from exc


async def _basis(
    pm: pluggy.PluginManager, principal: Principal, data: StandardGrantIn, standard: Standard | None
) -> tuple[GrantBases | None, GrantBasis | None, list[FieldError]]:
    """The basis the province asks for and the one ``data`` names, or the problem with it."""
    bases = await grant_bases(pm, principal, standard, data.activity_date.year) if standard else None
    if bases is None:
        return None, None, []
    chosen = next((c for c in bases.choices if c.id == data.basis_id), None)
    if chosen is not None:
        return bases, chosen, []
    if not bases.choices:
        message = bases.missing or f"没有可用的{bases.label}"
    elif data.basis_id is None:
        message = f"请选择{bases.label}"
    else:
        message = f"所选{bases.label}不存在，或不是{data.activity_date.year}年度的{bases.label}"
    return bases, None, [FieldError("basis_id", message)]


def _check_grant(data: StandardGrantIn, standards: list[Standard]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not any(s.code == data.standard_code for s in standards):
        errors.append(FieldError("standard_code", "该授分标准不能批量授分，请重新选择"))
    if not data.evidence_ids:
        errors.append(FieldError("evidence_ids", "请上传至少一个附件（如活动通知、签到表）"))
    if data.started_on and data.ended_on and data.started_on > data.ended_on:
        errors.append(FieldError("ended_on", "结束时间不能早于开始时间"))
    if data.ended_on and data.ended_on > data.activity_date:
        errors.append(FieldError("ended_on", "结束时间不能晚于实际完成时间"))
    if data.started_on and data.started_on > data.activity_date:
        errors.append(FieldError("started_on", "开始时间不能晚于实际完成时间"))
    return errors


def _credit_in(data: StandardGrantIn, person_id: int) -> CreditIn:
    return CreditIn(
        activity_name=data.activity_name,
        activity_date=data.activity_date,
        person_id=person_id,
        standard_code=data.standard_code,
        inputs=data.inputs,
        discipline=data.discipline,
        subdiscipline=data.subdiscipline,
        form=data.form,
        note=data.content,
        evidence_ids=data.evidence_ids,
    )


def _refusal(exc: InvalidInput, capped: bool) -> bool:
    """Whether a person's problems are his alone: 0 credits under a standard with a yearly cap."""
    return capped and all(e.message == ZERO_CREDITS for e in exc.errors)


class Checked(msgspec.Struct, frozen=True, kw_only=True):
    """A grant that passed its checks: the standard, each person (his row, the role he is reached in,
    his record's values) and the basis it names, if the province asks for one."""

    standard: Standard
    people: list[tuple[dict[str, Any], str, dict[str, Any]]]
    bases: GrantBases | None
    basis: GrantBasis | None


async def _checked(pm: pluggy.PluginManager, principal: Principal, data: StandardGrantIn) -> Checked:
    """The grant checked, or InvalidInput naming every problem: the grant's own once (its standard, dates,
    basis, attachment), the people out of reach counted, those a yearly cap leaves at 0 named.

    The values are checked as a guided entry of the first person; they are the same for everyone unless
    the standard has a yearly cap, which is then checked person by person. A person is reached through
    a grantor's role only (not as a department's administrator).
    """
    standards = grantable(pm, data.activity_date.year)
    errors = _check_grant(data, standards)
    standard = next((s for s in standards if s.code == data.standard_code), None)
    bases, basis, basis_errors = await _basis(pm, principal, data, standard)
    errors.extend(basis_errors)
    wanted = list(dict.fromkeys(data.person_ids))
    reached = {
        i: (person, role)
        for i, (person, role) in (await people_for_admin(principal, wanted)).items()
        if role in GRANTORS
    }
    capped = any(s.code == data.standard_code and s.yearly_cap is not None for s in standards)
    people: list[tuple[dict[str, Any], str, dict[str, Any]]] = []
    refused: list[str] = []
    shared: dict[str, Any] | None = None
    for person, role in (reached[i] for i in wanted if i in reached):
        values = shared
        if values is None:
            try:
                values, _ = await record_values(pm, principal, _credit_in(data, person["id"]), person)
            except InvalidInput as exc:
                if _refusal(exc, capped):
                    refused.append(person["name"])
                    continue
                errors.extend(exc.errors)  # the grant's own problems: the same for everyone
                break
            shared = None if capped else values
        people.append((person, role.value, values))
    problems: list[str] = []  # about the people
    if len(reached) < len(wanted):
        problems.append(f"有 {len(wanted) - len(reached)} 人不在您管理的范围内")
    again = await _granted_before(data, [p["id"] for p, _, _ in people])
    if again:
        names = _names(again)
        problems.append(f"{names}已按该标准获得同一活动（同名、同一完成日期）的学分，请移出后再授分")
    if refused:
        names = _names(refused)
        problems.append(f"{names}按该标准的学分为0（已达年度上限），请移出后再授分")
    if problems:
        errors.append(FieldError("person_ids", "；".join(problems)))
    if errors:
        raise InvalidInput(CHECK_FIELDS, errors)
    assert standard is not None  # an unknown standard is an error above
    return Checked(standard=standard, people=people, bases=bases, basis=basis)


def _names(names: list[str]) -> str:
    """At most ten names, and how many there are beyond."""
    return "、".join(names[:10]) + (f"等 {len(names)} 人" if len(names) > 10 else "")


async def _granted_before(data: StandardGrantIn, person_ids: list[int]) -> list[str]:
    """The names of those already granted this standard for the same activity (its name and day) by an
    earlier grant that was not rejected: a second wizard run must not give them the credits twice."""
    if not person_ids:
        return []
    rows = await CreditRecord.select(CreditRecord.person.name.as_alias("name")).where(
        CreditRecord.person.is_in(person_ids)
        & (CreditRecord.source_type == SOURCE_TYPE)
        & (CreditRecord.standard_code == data.standard_code)
        & (CreditRecord.activity_date == data.activity_date)
        & (CreditRecord.activity_name == data.activity_name.strip())
        & (CreditRecord.status != status.REJECTED)
    )
    return list(dict.fromkeys(r["name"] for r in rows))


def _digest(data: StandardGrantIn) -> str:
    """What the grant asks for, without its key and whatever the order of its lists."""
    same = msgspec.structs.replace(
        data, key=None, person_ids=sorted(set(data.person_ids)), evidence_ids=sorted(set(data.evidence_ids))
    )
    return hashlib.sha256(msgspec.json.encode(same)).hexdigest()


async def _replayed(principal: Principal, key: str | None, digest: str) -> StandardGrantOut | None:
    """The caller's grant of ``key``, when he sent it before (409 when that grant asked for other things)."""
    if key is None:
        return None
    row = (
        await StandardGrant.select(StandardGrant.id, StandardGrant.digest)
        .where((StandardGrant.key == key) & (StandardGrant.granted_by == principal.account_id))
        .first()
    )
    if row is None:
        return None
    if row["digest"] != digest:
        raise Conflict("这份授分表单已经提交并授予过学分，内容与当时不同；如需再次授分，请重新开始")
    return await grant_detail(principal, int(row["id"]))


async def grant(pm: pluggy.PluginManager, principal: Principal, data: StandardGrantIn) -> StandardGrantOut:
    """Grant the standard's credits to every person of ``data`` (all or nothing) and return the grant.

    The caller's ``key`` sent again with the same grant returns the first one unchanged (409 with another
    grant). 404 where the province has no such grant, 403 for roles that do not grant, 400 with every
    problem otherwise (out-of-reach people are counted, not named).
    """
    check_offered(pm, principal)
    digest = _digest(data)
    replayed = await _replayed(principal, data.key, digest)
    if replayed is not None:
        return replayed
    checked = await _checked(pm, principal, data)
    standard, people = checked.standard, checked.people
    institutions = {p["institution"] for p, _, _ in people}
    institution = next(iter(institutions)) if len(institutions) == 1 else None
    total = sum(int(values["credits"]) for _, _, values in people)
    evidence = list(dict.fromkeys(data.evidence_ids))
    async with write_transaction(CreditRecord):
        inserted = (
            await StandardGrant.insert(
                StandardGrant(
                    key=data.key or uuid.uuid4().hex,
                    digest=digest,
                    standard_code=standard.code,
                    standard_name=standard.name,
                    category=standard.category,
                    activity_name=data.activity_name.strip(),
                    activity_date=data.activity_date,
                    started_on=data.started_on,
                    ended_on=data.ended_on,
                    form=people[0][2]["form"],
                    discipline=data.discipline,
                    subdiscipline=data.subdiscipline,
                    content=data.content.strip(),
                    inputs=people[0][2]["inputs"],
                    evidence=evidence,
                    people=len(people),
                    credits=total,
                    institution=institution,
                    basis_kind=checked.bases.kind[:40] if checked.bases else "",
                    basis_id=checked.basis.id if checked.basis else None,
                    basis_label=checked.basis.label[:200] if checked.basis else "",  # the columns' sizes
                    granted_by=principal.account_id,
                )
            )
            .on_conflict(target=KEY_COLUMNS, action="DO NOTHING")
            .returning(StandardGrant.id)
        )
        if not inserted:  # the same key, sent twice at once: the other request made it
            replayed = await _replayed(principal, data.key, digest)
            if replayed is None:
                raise Conflict("这份授分表单正在提交，请稍后刷新查看")
            return replayed
        grant_id = int(inserted[0]["id"])
        attached: list[CreditEvidence] = []
        for person, role, values in people:
            fields = {k: v for k, v in values.items() if k != "year"}
            posting = ledger.Posting(
                person_id=person["id"],
                source=CreditSource.STANDARD,
                source_type=SOURCE_TYPE,
                source_id=grant_id,
                idempotency_key=f"{SOURCE_TYPE}:{grant_id}:{person['id']}",
                **fields,
            )
            try:
                record_id, _ = await ledger.post(pm, principal, posting, granted=True, entered_as=role)
            except LookupError as exc:  # removed since the check: nothing of the grant stays
                raise Conflict(f"{person['name']}已不在人员信息中，请刷新后重新选择人员") from exc
            attached.extend(CreditEvidence(record=record_id, file=file_id) for file_id in evidence)
        await CreditEvidence.insert(*attached)
        await record(
            "credits.standard_grant.create",
            object_type="standard_grant",
            object_id=grant_id,
            summary=f"按标准授分：{standard.name}，{data.activity_name.strip()}，{len(people)} 人",
            after={
                "standard_code": standard.code,
                "people": len(people),
                "credits": total,
                "basis": f"{checked.bases.kind}:{checked.basis.id}"
                if checked.bases and checked.basis
                else "",
            },
        )
    return await grant_detail(principal, grant_id)


def _reach(principal: Principal) -> Any:
    """The grants an account sees: his own, and those of the institutions he administers."""
    org = OrgAccess.of(principal)
    if org.tenant_wide:
        return None
    clause: Any = StandardGrant.granted_by == principal.account_id
    if org.institution_ids:
        clause = clause | StandardGrant.institution.is_in(sorted(org.institution_ids))
    if org.region_ids:
        clause = clause | StandardGrant.institution.region.is_in(sorted(org.region_ids))
    return clause


COLUMNS = (
    StandardGrant.id,
    StandardGrant.standard_code,
    StandardGrant.standard_name,
    StandardGrant.category,
    StandardGrant.activity_name,
    StandardGrant.activity_date,
    StandardGrant.started_on,
    StandardGrant.ended_on,
    StandardGrant.form,
    StandardGrant.discipline,
    StandardGrant.subdiscipline,
    StandardGrant.content,
    StandardGrant.people,
    StandardGrant.credits,
    StandardGrant.evidence,
    StandardGrant.basis_label,
    StandardGrant.created_at,
    StandardGrant.institution.name.as_alias("institution_name"),
)


def _out(row: dict[str, Any], records: list[GrantedPerson] | None = None) -> StandardGrantOut:
    return StandardGrantOut(
        id=int(row["id"]),
        standard_code=row["standard_code"],
        standard_name=row["standard_name"],
        category=row["category"],
        activity_name=row["activity_name"],
        activity_date=row["activity_date"],
        started_on=row["started_on"],
        ended_on=row["ended_on"],
        form=row["form"],
        discipline=row["discipline"],
        subdiscipline=row["subdiscipline"],
        content=row["content"],
        people=int(row["people"]),
        credits=int(row["credits"]),
        credits_text=format_credits(int(row["credits"])),
        institution_name=row["institution_name"] or "",
        basis_label=row["basis_label"],
        evidence_ids=[int(i) for i in row["evidence"] or []],
        created_at=row["created_at"],
        records=records,
    )


async def list_grants(principal: Principal, *, page: int = 1, page_size: int = 20) -> StandardGrantPage:
    """The grants the account sees, newest first."""
    where = _reach(principal)
    query = StandardGrant.select(*COLUMNS).output(load_json=True).order_by(StandardGrant.id, ascending=False)
    count = StandardGrant.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    rows = await query.limit(page_size).offset((page - 1) * page_size)
    return StandardGrantPage(items=[_out(r) for r in rows], total=await count, page=page, page_size=page_size)


async def grant_detail(principal: Principal, grant_id: int) -> StandardGrantOut:
    """One grant the account sees, with each person's credit (404 beyond his reach)."""
    row = (
        await StandardGrant.select(*COLUMNS)
        .where(and_all(StandardGrant.id == grant_id, _reach(principal)))
        .output(load_json=True)
        .first()
    )
    if row is None:
        raise NotFound("授分记录不存在")
    records = await (
        CreditRecord.select(
            CreditRecord.id,
            CreditRecord.person,
            CreditRecord.credits,
            CreditRecord.person.person_number.as_alias("person_number"),
            CreditRecord.person.name.as_alias("name"),
        )
        .where((CreditRecord.source_type == SOURCE_TYPE) & (CreditRecord.source_id == grant_id))
        .order_by(CreditRecord.person.person_number)
    )
    return _out(
        row,
        [
            GrantedPerson(
                record_id=int(r["id"]),
                person_id=int(r["person"]),
                person_number=r["person_number"],
                name=r["name"],
                credits=int(r["credits"]),
                credits_text=format_credits(int(r["credits"])),
            )
            for r in records
        ],
    )
