"""A message for one account (站内消息)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.identity.tables import Account
from cme_platform.tenancy.tables import TenantOwned


class Notification(TenantOwned, Table, tablename="notifications_message"):
    """What happened to the account's work: a title, one more line, where to look, when it was read."""

    account = ForeignKey(references=Account, null=False, index=True)
    kind = Varchar(length=48, null=False, default="")
    """What it is about, dotted (``credits.returned``, ``personnel.import``); see ``KIND_LABELS``."""
    title = Varchar(length=200, null=False)
    body = Varchar(length=500, null=False, default="")
    path = Varchar(length=300, null=False, default="")
    """Where to look: a path inside the tenant (empty: nowhere in particular)."""
    created_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)
