"""The record of a document made in the background (导出文件)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.files.tables import StoredFile
from cme_platform.identity.tables import Account
from cme_platform.tenancy.tables import TenantOwned


class DocumentExport(TenantOwned, Table, tablename="documents_export"):
    """A document a job makes: its kind (the job kind), title, progress (``done`` of ``total``), outcome
    and, once made, the stored PDF (``file``) kept until ``expires_at``. Only ``created_by`` reads it."""

    kind = Varchar(length=64, null=False, default="")
    title = Varchar(length=200, null=False, default="")
    status = Varchar(length=16, null=False, default="queued")
    done = Integer(null=False, default=0)
    total = Integer(null=False, default=0)
    job_key = Varchar(length=96, null=False, default="")
    message = Varchar(length=500, null=False, default="")
    file = ForeignKey(StoredFile, null=True, on_delete=OnDelete.set_null)
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
