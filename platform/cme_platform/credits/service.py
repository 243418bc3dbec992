"""The credit ledger's services in one place, for the API, the pages and other domains.

Each lives in the module that says what it holds: entry (the entry right, creating, changing,
deleting, sending for review, the commission's correction), queries (one record, lists with totals),
review (sending for review and the approval handler; the inbox is the approvals domain's), grants
(the self-entry right) and export (the Excel list). Importing this module registers the approval handler
and the evidence read rule.
"""

from __future__ import annotations

from cme_platform.credits import evidence as _evidence  # noqa: F401  (registers the evidence read rule)
from cme_platform.credits import review as _review  # noqa: F401  (registers the approval handler)
from cme_platform.credits.entry import (
    correct_record,
    create_record,
    delete_record,
    entry_options,
    submit_records,
    update_record,
)
from cme_platform.credits.export import export_records
from cme_platform.credits.grants import close_grant, list_grants, open_grant
from cme_platform.credits.queries import get_record, list_records

__all__ = [
    "close_grant",
    "correct_record",
    "create_record",
    "delete_record",
    "entry_options",
    "export_records",
    "get_record",
    "list_grants",
    "list_records",
    "open_grant",
    "submit_records",
    "update_record",
]
