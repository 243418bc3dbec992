"""Identity tables: accounts, role grants, API tokens, set-up links, SMS codes, login throttles, captchas,
server-side sessions and platform operators.

A grant ties a role to an org unit, which bounds what it reaches. Captchas, sessions and operators are
platform-level (not tenant-owned): a session can hold sign-ins to several tenants, and operators work
across tenants.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Bytea, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.orgs.tables import Department, Institution, Region
from cme_platform.tenancy.tables import TenantOwned


class Account(TenantOwned, Table, tablename="identity_account"):
    """A login of one tenant. Usernames are unique within the tenant."""

    username = Varchar(length=64, null=False)
    display_name = Varchar(length=100, null=False)
    password_hash = Varchar(length=255, null=False, default="", secret=True)
    active = Boolean(default=True, null=False)
    must_change_password = Boolean(default=False, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
    phone = Varchar(length=20, null=True, default=None)
    email = Varchar(length=254, null=True, default=None)
    sso_subject = Varchar(length=255, null=True, default=None)
    password_changed_at = Timestamptz(null=True, default=None)


class RoleGrant(TenantOwned, Table, tablename="identity_role_grant"):
    """One role held by an account, bounded by an org unit (none for tenant-wide roles)."""

    account = ForeignKey(Account, null=False, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=32, null=False)
    region = ForeignKey(Region, null=True, on_delete=OnDelete.restrict)
    institution = ForeignKey(Institution, null=True, on_delete=OnDelete.restrict)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.restrict)


class ApiToken(TenantOwned, Table, tablename="identity_api_token"):
    """An integration token (a signed JWT whose ``jti`` is this row): expiry, roles, revocation."""

    account = ForeignKey(Account, null=False, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100, null=False)
    jti = Varchar(length=64, null=False, unique=True)
    roles = JSON(default=[])
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    revoked_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


class SetupLink(TenantOwned, Table, tablename="identity_setup_link"):
    """A one-time link with which an account sets its own password (only the token's hash is kept)."""

    account = ForeignKey(Account, null=False, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, null=False, unique=True)
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    used_at = Timestamptz(null=True, default=None)


class SmsCode(TenantOwned, Table, tablename="identity_sms_code"):
    """A code sent by SMS for login or password recovery: expires, single use, few attempts."""

    phone = Varchar(length=20, null=False)
    purpose = Varchar(length=16, null=False)
    code_hash = Varchar(length=64, null=False)
    ip = Varchar(length=45, null=False, default="")
    attempts = Integer(default=0, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    used_at = Timestamptz(null=True, default=None)


class LoginThrottle(TenantOwned, Table, tablename="identity_login_throttle"):
    """Failure counters behind the growing lock-out delay, per ``kind`` (account, ip) and ``key`` (a keyed
    hash of the account or address, never the login name in clear); unique per tenant, kind and key."""

    kind = Varchar(length=16, null=False)
    key = Varchar(length=128, null=False)
    failures = Integer(default=0, null=False)
    last_failure_at = Timestamptz(null=True, default=None)
    locked_until = Timestamptz(null=True, default=None)


class PlatformLoginThrottle(Table, tablename="platform_login_throttle"):
    """The platform operators' :class:`LoginThrottle` (no tenant); ``key`` (a keyed hash) is unique."""

    kind = Varchar(length=16, null=False)
    key = Varchar(length=64, null=False, unique=True)
    failures = Integer(default=0, null=False)
    last_failure_at = Timestamptz(null=True, default=None)
    locked_until = Timestamptz(null=True, default=None)


class Captcha(Table, tablename="identity_captcha"):
    """A consumed image captcha challenge, kept until it expires so that it cannot be checked twice
    (challenges themselves are stateless: see :mod:`cme_platform.identity.captcha`)."""

    token = Varchar(length=64, null=False, unique=True)
    expires_at = Timestamptz(null=False)


class Session(Table, tablename="identity_session"):
    """A server-side session (Litestar store entry): survives restarts, shared by every app instance."""

    key = Varchar(length=128, null=False, unique=True)
    data = Bytea(null=False)
    expires_at = Timestamptz(null=True, default=None, index=True)


class PlatformOperator(Table, tablename="platform_operator"):
    """A platform operator: works across tenants, separate from every tenant's accounts."""

    username = Varchar(length=64, null=False, unique=True)
    display_name = Varchar(length=100, null=False)
    password_hash = Varchar(length=255, null=False, default="", secret=True)
    active = Boolean(default=True, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)
