"""Person numbers (人员编号): ten digits, unique within a tenant, handed out from a per-tenant counter."""

from __future__ import annotations

from cme_platform.personnel.tables import PersonNumberCounter

PREFIX = "82"


def format_number(value: int) -> str:
    """The person number for counter value ``value`` (``82`` and eight digits)."""
    return f"{PREFIX}{value:08d}"


async def reserve_person_numbers(count: int) -> list[str]:
    """``count`` new person numbers of the active tenant, in order.

    The counter is advanced with one atomic ``UPDATE … RETURNING``, so concurrent callers never get the
    same number; call it inside the transaction that saves the people, so a rollback gives none away
    for nothing (a gap is harmless, a duplicate is not).
    """
    if count <= 0:
        return []
    await PersonNumberCounter.insert(PersonNumberCounter(last_value=0)).on_conflict(action="DO NOTHING")
    rows = await (
        PersonNumberCounter.update({PersonNumberCounter.last_value: PersonNumberCounter.last_value + count})
        .where(PersonNumberCounter.id > 0)
        .returning(PersonNumberCounter.last_value)
    )
    last = int(rows[0]["last_value"])
    return [format_number(value) for value in range(last - count + 1, last + 1)]
