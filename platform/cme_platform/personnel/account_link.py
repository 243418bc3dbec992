"""The learner account of a person: created with the person, signed in by ID number or person number.

The account's username is the person number, so that the identity tables hold no ID number in clear;
the sign-in form still accepts the ID number (the seeds' default username), found through the keyed
hash. A new account has no password hash: its first password is the seeds' default (the last six
characters of the document number), checked against the sealed number, and must be changed at the
first sign-in.
"""

from __future__ import annotations

import hmac
from typing import Any

from cme_platform import pii
from cme_platform.identity.password_policy import default_password
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.personnel.tables import Person


def account_values(person_number: str, name: str, phone: str) -> dict[str, Any]:
    """Column values of the learner account of a new person (no password hash: default password)."""
    return {
        "username": person_number,
        "display_name": name,
        "password_hash": "",
        "must_change_password": True,
        "phone": phone or None,
    }


def grant_values(account_id: int, institution_id: int, department_id: int | None) -> dict[str, Any]:
    """Column values of a learner's role grant, bound to the person's institution and department."""
    return {
        "account": account_id,
        "role": Role.LEARNER.value,
        "institution": institution_id,
        "department": department_id,
    }


async def create_learner_account(
    person_id: int, person_number: str, name: str, phone: str, institution_id: int, department_id: int | None
) -> int:
    """Create and link the learner account of a saved person (inside the caller's transaction)."""
    account = Account(**account_values(person_number, name, phone))
    await account.save()
    await RoleGrant(**grant_values(int(account.id), institution_id, department_id)).save()
    await Person.update({Person.account: account.id}).where(Person.id == person_id)
    return int(account.id)


async def find_login_account(username: str) -> Account | None:
    """The account signed in as ``username``: by username, else by the ID number of a linked person."""
    account = await Account.objects().where(Account.username == username).first()
    if account is not None or not username.strip():
        return account
    person = (
        await Person.select(Person.account)
        .where((Person.id_hash == pii.lookup_hash(username)) & Person.account.is_not_null())
        .first()
    )
    if person is None:
        return None
    return await Account.objects().where(Account.id == person["account"]).first()


async def matches_initial_password(account_id: int, password: str) -> bool:
    """Whether ``password`` is the default first password of the person linked to ``account_id``."""
    person = await Person.select(Person.id_sealed).where(Person.account == account_id).first()
    if person is None:
        return False
    expected = default_password(pii.unseal(person["id_sealed"]))
    return hmac.compare_digest(expected.encode(), password.strip().upper().encode())
