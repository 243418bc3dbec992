"""Tables of the organisation tree. Every row belongs to one tenant (:class:`TenantOwned`)."""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.tenancy.tables import TenantOwned


class Region(TenantOwned, Table, tablename="org_region"):
    """A region (区/市/县) that institutions belong to; in Beijing the 单位归属 of an institution."""

    name = Varchar(length=100, null=False)
    code = Varchar(length=32, null=False)
    kind = Varchar(length=8, null=False, default="区")
    active = Boolean(default=True, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Institution(TenantOwned, Table, tablename="org_institution"):
    """An institution (单位): a hospital, a community health centre, a society."""

    region = ForeignKey(Region, null=True, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=200, null=False)
    code = Varchar(length=32, null=False)
    level = Varchar(length=32, null=False, default="")
    category = Varchar(length=8, null=False, default="综合")
    staff_count = Integer(default=0, null=False)
    active = Boolean(default=True, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Department(TenantOwned, Table, tablename="org_department"):
    """A department (科室) of an institution."""

    institution = ForeignKey(Institution, null=False, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=100, null=False)
    code = Varchar(length=32, null=False, default="")
    active = Boolean(default=True, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
