"""Stored files: one row per upload; the bytes live in the storage backend under ``key``."""

from __future__ import annotations

from piccolo.columns import BigInt, DoublePrecision, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.tenancy.tables import TenantOwned


class StoredFile(TenantOwned, Table, tablename="files_file"):
    """An uploaded file: checked type and size, its hash, and the EXIF time and place of photos.

    ``key`` is random (never derived from the file name); downloads go through signed, expiring links.
    """

    key = Varchar(length=200, null=False, unique=True)
    purpose = Varchar(length=32, null=False)
    original_name = Varchar(length=255, null=False)
    content_type = Varchar(length=100, null=False)
    extension = Varchar(length=16, null=False)
    size = BigInt(null=False)
    sha256 = Varchar(length=64, null=False)
    uploaded_by = Integer(null=True, default=None)
    idempotency_key = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    taken_at = Timestamptz(null=True, default=None)
    gps_lat = DoublePrecision(null=True, default=None)
    gps_lon = DoublePrecision(null=True, default=None)
