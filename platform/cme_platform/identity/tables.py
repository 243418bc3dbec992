"""Accounts and their role grants. A grant ties a role to an org unit, which bounds what it reaches."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Timestamptz, Varchar
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


class RoleGrant(TenantOwned, Table, tablename="identity_role_grant"):
    """One role held by an account, bounded by an org unit (none for tenant-wide roles)."""

    account = ForeignKey(Account, null=False, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=32, null=False)
    region = ForeignKey(Region, null=True, on_delete=OnDelete.restrict)
    institution = ForeignKey(Institution, null=True, on_delete=OnDelete.restrict)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.restrict)
