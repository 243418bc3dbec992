"""The credit ledger's one way in: any module posts a credit record here, once per idempotency key.

Personal entry (a draft that goes through review), a project grant, an internal training write-off, a
grant under a credit standard, the recognition of another province's certificate and an import all post a
:class:`Posting`: the person, the activity and its credits, the source (:class:`CreditSource`) and the
object it comes from (``source_type``/``source_id``), and an idempotency key. A posting whose key the
tenant already holds returns the record that key made, so a client's retry never adds a second credit.
Nothing else inserts credit rows.

A posting is either a draft (personal entry: it goes through review) or granted: approved now, effective
from the day the province's ``cme_credit_effective_on`` says. Both are audited, in the caller's
transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import msgspec
import pluggy

from cme_platform import clock, events
from cme_platform.approvals import kinds
from cme_platform.approvals.chains import ApprovalSubject
from cme_platform.audit.service import record
from cme_platform.credits import status
from cme_platform.credits.sources import CreditSource
from cme_platform.credits.tables import CreditRecord
from cme_platform.db.transactions import write_transaction
from cme_platform.events import CreditChange
from cme_platform.identity.principal import Principal
from cme_platform.personnel.tables import Person
from cme_platform.plugins.manager import HookAnswerError, tenant_hooks
from cme_platform.tenancy.scope import current_tenant

EFFECTIVE_ACTIONS = frozenset({"posted", "approved"})
"""Actions after which a record may start to count today (``cme_credit_effective``)."""


class Posting(msgspec.Struct, frozen=True, kw_only=True):
    """One credit a module posts; amounts are hundredths (``250`` is 2.50 credits)."""

    person_id: int
    source: CreditSource
    activity_date: date
    activity_name: str
    category: str
    credits: int
    hours: int = 0
    activity_number: str = ""
    subcategory: str = ""
    discipline: str = ""
    subdiscipline: str = ""
    form: str = ""
    role: str = "participant"
    issuer: str = ""
    standard_code: str = ""
    entry_mode: str = "posted"
    inputs: dict[str, Any] = msgspec.field(default_factory=dict)
    explanation: list[str] = msgspec.field(default_factory=list)
    note: str = ""
    source_type: str = ""
    """The kind of object the credit comes from (``project_run``, ``training_session``…)."""
    source_id: int | None = None
    idempotency_key: str = ""
    """What a retry of the same posting repeats (``project-grant:run-12:person-5``); empty: a new key."""


class Posted(NamedTuple):
    """The record a posting made (or found, when its key was posted before)."""

    record_id: int
    created: bool


def credit_subject(row: dict[str, Any], entered_as: str) -> ApprovalSubject:
    """The facts a province chooses a chain and an effective date by, for a record or a posting."""
    source = row["source"]
    return ApprovalSubject(
        kind=kinds.CREDIT_PERSONAL if source == CreditSource.PERSONAL else f"{kinds.CREDIT}.{source}",
        entered_as=entered_as,
        attributes={
            "category": row["category"],
            "subcategory": row["subcategory"],
            "standard_code": row["standard_code"],
            "source": source,
        },
    )


def effective_on(pm: pluggy.PluginManager, subject: ApprovalSubject, approved_on: date) -> date:
    """The day a credit approved on ``approved_on`` starts to count; a province's earlier date raises."""
    day: date = tenant_hooks(pm, current_tenant()).cme_credit_effective_on(
        subject=subject, approved_on=approved_on
    )
    if day < approved_on:
        raise HookAnswerError(f"cme_credit_effective_on answered {day}, before the approval on {approved_on}")
    return day


async def announce(pm: pluggy.PluginManager, action: str, rows: Sequence[dict[str, Any]]) -> None:
    """Raise ``cme_credit_changed`` for ``rows`` (records with ``id``, ``person``, ``year``, ``status`` and
    ``effective_on``), and ``cme_credit_effective`` for those that count from today; delivered after the
    current write transaction commits."""
    if not rows:
        return
    tenant = current_tenant()

    def change(of: Sequence[dict[str, Any]]) -> CreditChange:
        return CreditChange(
            action=action,
            record_ids=tuple(dict.fromkeys(int(r["id"]) for r in of)),
            person_ids=tuple(dict.fromkeys(int(r["person"]) for r in of)),
            years=tuple(sorted({int(r["year"]) for r in of})),
        )

    await events.emit(pm, tenant, "cme_credit_changed", change=change(rows))
    today = clock.today()
    counting = [r for r in rows if status.is_effective(r["status"], r["effective_on"], today)]
    if action in EFFECTIVE_ACTIONS and counting:
        await events.emit(pm, tenant, "cme_credit_effective", change=change(counting))


async def _existing(key: str) -> int | None:
    row = await CreditRecord.select(CreditRecord.id).where(CreditRecord.idempotency_key == key).first()
    return int(row["id"]) if row else None


async def post(
    pm: pluggy.PluginManager,
    principal: Principal,
    posting: Posting,
    *,
    granted: bool,
    entered_as: str,
    approved_on: date | None = None,
) -> Posted:
    """Post ``posting`` for its person (his institution and department now) in the caller's transaction.

    ``granted``: approved (on ``approved_on``, today unless an import carries its historic date) and
    effective from the province's date (grants, write-offs, recognitions); otherwise a draft that its
    client sends for review. A key the tenant already holds
    returns that record with ``created=False`` and changes nothing. Raises ``LookupError`` when the
    person is not in the tenant.
    """
    key = posting.idempotency_key or f"{posting.source}:{uuid.uuid4().hex}"
    async with write_transaction(CreditRecord):
        found = await _existing(key)
        if found is not None:
            return Posted(found, False)
        person = (
            await Person.select(Person.id, Person.institution, Person.department)
            .where(Person.id == posting.person_id)
            .first()
        )
        if person is None or person["institution"] is None:
            raise LookupError(f"person {posting.person_id} is not in the tenant")
        values = msgspec.structs.asdict(posting) | {"idempotency_key": key, "source": str(posting.source)}
        values.pop("person_id")
        now = datetime.now(UTC)
        state: dict[str, Any] = {"status": status.DRAFT}
        if granted:
            day = approved_on or clock.today()
            state = {
                "status": status.APPROVED,
                "decided_at": now,
                "effective_on": effective_on(pm, credit_subject(values, entered_as), day),
            }
        inserted = (
            await CreditRecord.insert(
                CreditRecord(
                    **values,
                    **state,
                    year=posting.activity_date.year,
                    person=person["id"],
                    institution=person["institution"],
                    department=person["department"],
                    entered_by=principal.account_id,
                    entered_as=entered_as,
                )
            )
            .on_conflict(target=(CreditRecord.tenant, CreditRecord.idempotency_key), action="DO NOTHING")
            .returning(CreditRecord.id)
        )
        if not inserted:
            found = await _existing(key)
            assert found is not None
            return Posted(found, False)
        record_id = int(inserted[0]["id"])
        await announce(
            pm,
            "posted" if granted else "created",
            [
                {
                    "id": record_id,
                    "person": person["id"],
                    "year": posting.activity_date.year,
                    "effective_on": None,
                }
                | state
            ],
        )
        if granted:
            await record(
                "credits.record.post",
                object_type="credit_record",
                object_id=record_id,
                summary=f"授予学分（{posting.source.label}）：{posting.activity_name}",
                after={
                    "person_id": posting.person_id,
                    "credits": posting.credits,
                    "category": posting.category,
                    "source_type": posting.source_type,
                    "source_id": posting.source_id,
                    "effective_on": state["effective_on"].isoformat(),
                },
            )
    return Posted(record_id, True)
