"""The learner's own record (个人资料, seed 003 §5): read it with its history, change phone and e-mail.

Learners change nothing else themselves; their institution maintains the rest. The account's phone
and e-mail are kept in step with the person's, as they serve sign-in by SMS code.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from cme_platform.audit.service import record
from cme_platform.errors import FieldError, InvalidInput, NotFound
from cme_platform.identity.tables import Account
from cme_platform.orgs.access import OrgAccess
from cme_platform.personnel import schemas as s
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.service import get_person
from cme_platform.personnel.tables import Person
from cme_platform.personnel.validation import clean_person
from cme_platform.personnel.years import list_years

_OWN = PersonAccess(org=OrgAccess(tenant_wide=True))
"""Reach used once the person is known to be the caller's own record."""


async def _person_id(account_id: int) -> int:
    row = await Person.select(Person.id).where(Person.account == account_id).first()
    if row is None:
        raise NotFound("您的账号没有关联的人员信息，请联系所在单位")
    return int(row["id"])


async def profile(account_id: int) -> s.ProfileOut:
    """The learner's own record (ID number masked, phone in full) and history by year."""
    person_id = await _person_id(account_id)
    person = msgspec.structs.replace(await get_person(_OWN, person_id), can_reveal=False)
    return s.ProfileOut(person=person, years=await list_years(_OWN, person_id))


async def update_profile(account_id: int, data: s.ProfilePatch) -> s.ProfileOut:
    """Change the learner's phone and/or e-mail (also on the account); audited."""
    person_id = await _person_id(account_id)
    raw = {k: v for k in ("phone", "email") if (v := getattr(data, k)) is not msgspec.UNSET}
    values, errors = clean_person(raw, partial=True)
    if "phone" in values and not values["phone"]:
        errors.append(FieldError("phone", "手机：必填"))
    if errors:
        raise InvalidInput("请检查标注的字段", errors)
    old = await Person.select(Person.phone, Person.email).where(Person.id == person_id).first()
    assert old is not None
    changed = {k: v for k, v in values.items() if old[k] != v}
    if changed:
        async with Person._meta.db.transaction():
            await Person.update({**changed, "updated_at": datetime.now(UTC)}).where(Person.id == person_id)
            await Account.update({getattr(Account, k): v or None for k, v in changed.items()}).where(
                Account.id == account_id
            )
            await record(
                "personnel.profile.update",
                object_type="person",
                object_id=person_id,
                summary="学员修改个人资料",
                before={k: old[k] for k in changed},
                after=changed,
            )
    return await profile(account_id)
