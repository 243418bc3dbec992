"""Tables of the personnel registry. Every row belongs to one tenant (:class:`TenantOwned`).

ID numbers are never stored in clear: ``id_sealed`` holds them encrypted and ``id_hash`` a keyed hash
for look-up (see :mod:`cme_platform.pii`); ``id_masked`` is the list form (``320*****65``).
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.files.tables import StoredFile
from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Department, Institution
from cme_platform.tenancy.tables import TenantOwned


class Person(TenantOwned, Table, tablename="personnel_person"):
    """A health worker (卫生技术人员) of the tenant. One document number is one person per tenant."""

    id_type = Varchar(length=16, null=False, default="居民身份证")
    id_sealed = Text(null=False, secret=True)
    id_hash = Varchar(length=64, null=False)
    id_masked = Varchar(length=16, null=False)
    name = Varchar(length=50, null=False)
    gender = Varchar(length=2, null=False)
    birth_date = Date(null=True, default=None)
    ethnicity = Varchar(length=20, null=False, default="")
    political_status = Varchar(length=20, null=False, default="")
    phone = Varchar(length=20, null=False, default="")
    office_phone = Varchar(length=30, null=False, default="")
    email = Varchar(length=254, null=False, default="")
    person_number = Varchar(length=20, null=False)
    ic_card = Varchar(length=32, null=False, default="")
    institution = ForeignKey(Institution, null=False, on_delete=OnDelete.restrict, index=True)
    department = ForeignKey(Department, null=True, on_delete=OnDelete.restrict, index=True)
    title = Varchar(length=32, null=False, default="")
    title_level = Varchar(length=8, null=False, default="")
    specialty = Varchar(length=64, null=False, default="")
    title_evaluated_on = Date(null=True, default=None)
    title_appointed_year = Integer(null=True, default=None)
    establishment = Varchar(length=8, null=False, default="在编")
    status = Varchar(length=8, null=False, default="正常")
    transfer_status = Varchar(length=8, null=False, default="")
    position = Varchar(length=64, null=False, default="")
    education = Varchar(length=16, null=False, default="")
    degree = Varchar(length=16, null=False, default="")
    photo = ForeignKey(StoredFile, null=True, on_delete=OnDelete.set_null)
    account = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class PersonYear(TenantOwned, Table, tablename="personnel_person_year"):
    """A person's title and status in one year (状态/职称变动情况); compliance uses the year's entry."""

    person = ForeignKey(Person, null=False, on_delete=OnDelete.cascade, index=True)
    year = Integer(null=False)
    title = Varchar(length=32, null=False, default="")
    title_level = Varchar(length=8, null=False, default="")
    title_evaluated_on = Date(null=True, default=None)
    status = Varchar(length=8, null=False, default="正常")
    institution = ForeignKey(Institution, null=False, on_delete=OnDelete.restrict)
    note = Varchar(length=200, null=False, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class PersonNumberCounter(TenantOwned, Table, tablename="personnel_number_counter"):
    """The last person number (人员编号) handed out in the tenant; one row per tenant."""

    last_value = Integer(null=False, default=0)


class PersonImport(TenantOwned, Table, tablename="personnel_import"):
    """One Excel import of people: its file, mode, progress and the row errors it found."""

    file = ForeignKey(StoredFile, null=True, on_delete=OnDelete.set_null)
    file_name = Varchar(length=255, null=False, default="")
    file_sha256 = Varchar(length=64, null=False, default="")
    mode = Varchar(length=16, null=False, default="all")
    institution = ForeignKey(Institution, null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=16, null=False, default="queued")
    job_key = Varchar(length=96, null=False, default="")
    total_rows = Integer(null=False, default=0)
    processed_rows = Integer(null=False, default=0)
    created_count = Integer(null=False, default=0)
    updated_count = Integer(null=False, default=0)
    error_count = Integer(null=False, default=0)
    errors = JSON(default=[])
    message = Varchar(length=500, null=False, default="")
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
