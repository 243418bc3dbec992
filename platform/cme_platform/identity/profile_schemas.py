"""Schemas of "my account": the signed-in person's own profile and password change."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Secret = Annotated[str, msgspec.Meta(max_length=256)]


class RoleHeld(msgspec.Struct, frozen=True, kw_only=True):
    """One role of the account with the org unit it covers, labelled in Chinese."""

    role: str
    label: str
    unit: str


class SignIn(msgspec.Struct, frozen=True, kw_only=True):
    """One recent successful sign-in (from the audit log)."""

    at: datetime
    method: str
    ip: str


class ProfileOut(msgspec.Struct, frozen=True, kw_only=True):
    """The signed-in account as its owner sees it."""

    id: int
    username: str
    display_name: str
    phone: str | None
    email: str | None
    roles: list[RoleHeld]
    must_change_password: bool
    password_changed_at: datetime | None
    last_login_at: datetime | None
    recent_sign_ins: list[SignIn]


class ProfilePatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fields the owner may change; an empty string or ``null`` clears the field."""

    phone: str | msgspec.UnsetType | None = msgspec.UNSET
    email: str | msgspec.UnsetType | None = msgspec.UNSET


class PasswordChange(msgspec.Struct, frozen=True, kw_only=True):
    """A password change: the current password, the new one and its confirmation."""

    current_password: Secret
    new_password: Secret
    confirm_password: Secret
