"""Request and response schemas of the account administration API (``/api/identity/accounts``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from cme_platform.api.params import RowId
from cme_platform.identity.roles import Role

Username = Annotated[
    str,
    Meta(
        min_length=2,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.@-]+$",
        description="用户名：字母、数字和 _ . @ -；按身份证号开户时为 18 位身份证号",
    ),
]
DisplayName = Annotated[str, Meta(min_length=1, max_length=100, description="姓名或账户名称")]
Phone = Annotated[str, Meta(max_length=20, pattern=r"^(\+?[0-9]{5,19})?$", description="手机号（可空）")]
Email = Annotated[str, Meta(max_length=254, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$", description="邮箱")]
PasswordMode = Annotated[
    Literal["default", "link"],
    Meta(description="default：初始密码为身份证号后六位（用户名须为身份证号）；link：一次性设置密码链接"),
]


class GrantIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A role to grant, bound to one org unit (none for 管理用户 and 审验专家)."""

    role: Role
    region_id: RowId | None = None
    institution_id: RowId | None = None
    department_id: RowId | None = None


class AccountIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new account with its roles and how its first password is set."""

    username: Username
    display_name: DisplayName
    phone: Phone | None = None
    email: Email | None = None
    roles: Annotated[list[GrantIn], Meta(min_length=1, max_length=20)]
    password_mode: PasswordMode = "link"


class AccountPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Changes to an account; omitted fields stay. ``active=false`` deactivates, ``true`` activates."""

    display_name: DisplayName | UnsetType = UNSET
    phone: Phone | UnsetType | None = UNSET
    email: Email | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


class PasswordResetIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How to reset an account's password."""

    password_mode: PasswordMode


class GrantOut(msgspec.Struct, kw_only=True):
    """A role held by an account, with the name of its org unit."""

    id: int
    role: Role
    role_label: str
    region_id: int | None
    institution_id: int | None
    department_id: int | None
    unit_name: str


class AccountOut(msgspec.Struct, kw_only=True):
    """An account as the API returns it (never its password hash)."""

    id: int
    username: str
    display_name: str
    phone: str | None
    email: str | None
    active: bool
    must_change_password: bool
    created_at: datetime | None
    last_login_at: datetime | None
    roles: list[GrantOut]


class AccountPage(msgspec.Struct, kw_only=True):
    """A page of accounts."""

    items: list[AccountOut]
    total: int
    page: int
    page_size: int


class Credential(msgspec.Struct, kw_only=True):
    """How the account's holder gets in: the default-password notice, or the one-time link (shown once)."""

    password_mode: str
    notice: str
    setup_path: str | None = None
    """Path of the set-up link inside the tenant (``/account/setup/<token>``); only in this response."""
    setup_url: str | None = None
    """The full set-up link, when the server knows its own address; only in this response."""
    expires_at: datetime | None = None


class AccountCreated(msgspec.Struct, kw_only=True):
    """The answer to creating an account or resetting its password."""

    account: AccountOut
    credential: Credential
