"""Writing an import's valid rows: new people with their accounts, changed people, the audit records.

Everything happens in one transaction (:func:`write_rows`, or the caller's around an
:class:`ImportWriter`, which the importer feeds batch by batch while it validates the next one). New
people get person numbers, ids, a year row for the current year, a learner account and its grant,
inserted by the thousand through :mod:`~cme_platform.personnel.bulk` (COPY on PostgreSQL); the rows of a
batch are built in a worker thread while the previous batch is being inserted. Changed people are
updated in bulk with their year row, account and learner grant. Each created or changed person gets an
audit record, and the import one ``personnel.import.finish`` record, appended with
:func:`~cme_platform.audit.service.record_many`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

import anyio.to_thread
from piccolo.table import Table

from cme_platform import pii
from cme_platform.audit.service import AuditEntry, record_many
from cme_platform.audit.tables import AuditEvent
from cme_platform.db.transactions import write_transaction
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.personnel import bulk
from cme_platform.personnel.account_link import account_values, grant_values
from cme_platform.personnel.changes import announce
from cme_platform.personnel.numbers import reserve_person_numbers
from cme_platform.personnel.service import YEAR_FIELDS
from cme_platform.personnel.tables import Person, PersonYear

BATCH = 2_000
"""Rows validated and written per step; also bounds the bind parameters of look-ups."""

_NOT_STORED = frozenset({"id_number"})


@dataclass
class ValidRow:
    """A row that passed every check, ready to write."""

    number: int
    values: dict[str, Any]
    id_hash: str
    existing: dict[str, Any] | None = None


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in _NOT_STORED}


@dataclass
class _NewPeople:
    """Column values of new people's rows, built off the event loop, ready to insert."""

    tables: list[tuple[type[Table], list[str], list[tuple[Any, ...]]]]
    entries: list[AuditEntry]


def _records(
    table: type[Table], rows: list[dict[str, Any]]
) -> tuple[type[Table], list[str], list[tuple[Any, ...]]]:
    columns = list(rows[0])
    pick = itemgetter(*columns)
    return table, columns, [pick(r) for r in rows]


def _prepare_new(
    rows: list[ValidRow], keys: list[tuple[str, int, int]], bases: dict[str, dict[str, Any]], job_id: int
) -> _NewPeople:
    """The rows of ``rows``' new people (``keys``: person number, account id, person id); CPU only."""
    accounts, grants, people, years, entries = [], [], [], [], []
    year = date.today().year
    for row, (number, account_id, person_id) in zip(rows, keys, strict=True):
        v = row.values
        accounts.append(
            {**bases["account"], **account_values(number, v["name"], v["phone"]), "id": account_id}
        )
        grants.append({**bases["grant"], **grant_values(account_id, v["institution"], v["department"])})
        document = v["id_number"]
        person = {
            **bases["person"],
            **_stored(v),
            "id": person_id,
            "id_sealed": pii.seal(document),
            "id_hash": row.id_hash,
            "id_masked": pii.mask_document(document),
            "person_number": number,
            "account": account_id,
        }
        people.append(person)
        years.append(
            {**bases["year"], **{k: person[k] for k in YEAR_FIELDS}, "person": person_id, "year": year}
        )
        entries.append(
            AuditEntry(
                action="personnel.person.create",
                object_type="person",
                object_id=person_id,
                summary=f"批量导入添加人员「{v['name']}」（{number}）",
                after={
                    "person_number": number,
                    "name": v["name"],
                    "institution": v["institution"],
                    "department": v["department"],
                    "import": job_id,
                },
            )
        )
    tables = [
        _records(Account, accounts),
        _records(RoleGrant, grants),
        _records(Person, people),
        _records(PersonYear, years),
    ]
    return _NewPeople(tables=tables, entries=entries)


async def _insert_new(prepared: _NewPeople) -> None:
    for table, columns, records in prepared.tables:
        await bulk.insert_rows(table, columns, records)


IMPORTED_FIELDS: tuple[str, ...] = (
    "title",
    "title_level",
    "status",
    "establishment",
    "institution",
    "department",
)
"""The registry facts an import may set, announced for every person it created or updated."""


class ImportWriter:
    """Writes an import's valid rows batch by batch inside the caller's transaction.

    Per batch, :meth:`stage` updates the changed people and reserves person numbers and ids for the new
    ones (database), :meth:`prepare` builds the new people's rows (CPU only, meant for a worker thread)
    and :meth:`launch` starts inserting them while the caller goes on: the database (COPY, foreign-key
    checks, indexes) and Python (validating, sealing, row building) work at once. The connection is
    free again after :meth:`wait`. :meth:`finish` inserts the rest and appends the audit records.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.now = datetime.now(UTC)
        self.created: list[AuditEntry] = []
        self.updated: list[AuditEntry] = []
        self.created_count = 0
        self.updated_count = 0
        self.people: list[int] = []
        """The ids of the people created or updated, announced when the import finishes."""
        self._bases: dict[str, dict[str, Any]] | None = None
        self._staged: tuple[list[ValidRow], list[tuple[str, int, int]]] | None = None
        self._prepared: _NewPeople | None = None
        self._inserting: asyncio.Task[None] | None = None

    @property
    def written(self) -> int:
        """Rows staged so far (created or updated)."""
        return self.created_count + self.updated_count

    def _row_bases(self) -> dict[str, dict[str, Any]]:
        if self._bases is None:
            stamps = {"created_at": self.now, "updated_at": self.now}
            self._bases = {
                "account": bulk.row_defaults(Account, username="", display_name="", created_at=self.now),
                "grant": bulk.row_defaults(RoleGrant, account=0, role=""),
                "person": {
                    **bulk.row_defaults(
                        Person,
                        id_sealed="",
                        id_hash="",
                        id_masked="",
                        name="",
                        gender="",
                        person_number="",
                        institution=0,
                    ),
                    **stamps,
                },
                "year": {**bulk.row_defaults(PersonYear, person=0, year=0, institution=0), **stamps},
            }
        return self._bases

    async def stage(self, rows: list[ValidRow]) -> None:
        """Update the changed people of ``rows``; reserve numbers and ids for the new ones."""
        await self.wait()
        if self._prepared is not None and not bulk.is_postgres(Person):
            self.launch()  # SQLite allocates ids after MAX(id): the previous batch must be in first
            await self.wait()
        new = [r for r in rows if r.existing is None]
        old = [r for r in rows if r.existing is not None]
        if old:
            self.updated += await _update(old, self.job_id, self.now)
            self.updated_count += len(old)
            self.people += [int(r.existing["id"]) for r in old if r.existing]
        if new:
            keys = list(
                zip(
                    await reserve_person_numbers(len(new)),
                    await bulk.allocate_ids(Account, len(new)),
                    await bulk.allocate_ids(Person, len(new)),
                    strict=True,
                )
            )
            self._staged = (new, keys)
            self.created_count += len(new)
            self.people += [int(person_id) for _, _, person_id in keys]

    def prepare(self) -> None:
        """Build the rows of the staged new people (CPU only: run it in a worker thread)."""
        if self._staged is not None:
            rows, keys = self._staged
            self._staged = None
            self._prepared = _prepare_new(rows, keys, self._row_bases(), self.job_id)

    def launch(self) -> None:
        """Start inserting the prepared rows; the connection is busy until :meth:`wait`."""
        if self._prepared is not None:
            prepared, self._prepared = self._prepared, None
            self.created += prepared.entries
            self._inserting = asyncio.ensure_future(_insert_new(prepared))

    async def wait(self) -> None:
        """Wait for the running insert (if any)."""
        if self._inserting is not None:
            inserting, self._inserting = self._inserting, None
            await inserting

    def cancel(self) -> None:
        """Stop a running insert (the transaction is being rolled back)."""
        if self._inserting is not None and not self._inserting.done():
            self._inserting.cancel()

    async def finish(self, file_name: str, error_count: int) -> tuple[int, int]:
        """Insert what is left, append the audit records; the numbers of people created and updated."""
        await self.wait()
        self.launch()
        await anyio.to_thread.run_sync(self.prepare)
        await self.wait()
        self.launch()
        await self.wait()
        entries = [
            *self.created,
            *self.updated,
            finish_entry(self.job_id, file_name, self.created_count, self.updated_count, error_count),
        ]
        await record_many(entries, insert=_insert_audit)
        await announce(self.people, IMPORTED_FIELDS)
        return self.created_count, self.updated_count


async def _update(rows: list[ValidRow], job_id: int, now: datetime) -> list[AuditEntry]:
    """Update the changed people of ``rows``, their current year row, account and learner grant."""
    columns = sorted({k for row in rows for k in _stored(row.values)})
    people, years, accounts, grants, entries = [], [], [], [], []
    year = date.today().year
    for row in rows:
        old = row.existing or {}
        new = {**{c: old.get(c) for c in columns}, **_stored(row.values)}
        diff = [c for c in columns if new[c] != old.get(c)]
        if not diff:
            continue
        people.append((old["id"], *(new[c] for c in columns), now))
        years.append((old["id"], year, *(new[c] for c in YEAR_FIELDS), now))
        if old["account"]:
            accounts.append((old["account"], new["name"], new["phone"] or None, new.get("email") or None))
            grants.append((old["account"], Role.LEARNER.value, new["institution"], new["department"]))
        entries.append(
            AuditEntry(
                action="personnel.person.update",
                object_type="person",
                object_id=old["id"],
                summary=f"批量导入更新人员「{new['name']}」（{old['person_number']}）",
                before={c: old.get(c) for c in diff},
                after={**{c: new[c] for c in diff}, "import": job_id},
            )
        )
    await bulk.update_rows(Person, ["id"], [*columns, "updated_at"], people)
    await bulk.update_rows(PersonYear, ["person", "year"], [*YEAR_FIELDS, "updated_at"], years)
    await bulk.update_rows(Account, ["id"], ["display_name", "phone", "email"], accounts)
    await bulk.update_rows(RoleGrant, ["account", "role"], ["institution", "department"], grants)
    return entries


async def _insert_audit(rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    await bulk.insert_rows(AuditEvent, columns, [tuple(r[c] for c in columns) for r in rows])


async def write_rows(
    rows: list[ValidRow], *, job_id: int, file_name: str, error_count: int
) -> tuple[int, int]:
    """Create and update the people of ``rows`` in one transaction, with their audit records.

    Returns the numbers of people created and updated.
    """
    async with write_transaction(Person):
        writer = ImportWriter(job_id)
        try:
            for start in range(0, len(rows), BATCH):
                await writer.stage(rows[start : start + BATCH])
                writer.launch()
                await anyio.to_thread.run_sync(writer.prepare)
            return await writer.finish(file_name, error_count)
        except BaseException:
            writer.cancel()
            raise


def finish_entry(job_id: int, file_name: str, created: int, updated: int, errors: int) -> AuditEntry:
    """The ``personnel.import.finish`` record of an import."""
    return AuditEntry(
        action="personnel.import.finish",
        object_type="personnel_import",
        object_id=job_id,
        summary=f"导入人员表格「{file_name}」：新增 {created} 人，更新 {updated} 人，错误 {errors} 行",
        after={"file": file_name, "created": created, "updated": updated, "errors": errors},
    )
