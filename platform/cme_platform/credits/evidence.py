"""Who may download a credit's evidence besides its uploader: the record's people and its approvers.

Registered as the read rule of the ``evidence`` file purpose (:mod:`cme_platform.files.policy`): the
learner whose record holds the file, administrators who reach that record, and the approvers of its
pending review step.
"""

from __future__ import annotations

from cme_platform.credits.queries import is_pending_approver, owns, reaches, record_query
from cme_platform.credits.tables import CreditEvidence, CreditRecord
from cme_platform.files.policy import FileFacts, register_read_rule
from cme_platform.identity.principal import Principal

PURPOSE = "evidence"


async def may_read_evidence(principal: Principal, file: FileFacts) -> bool:
    """True when a record holding ``file`` is the caller's, in his reach, or waiting for his decision."""
    holders = await CreditEvidence.select(CreditEvidence.record).where(CreditEvidence.file == file.id)
    ids = sorted({h["record"] for h in holders})
    if not ids:
        return False
    for row in await record_query(CreditRecord.id.is_in(ids)):
        if owns(principal, row) or reaches(principal, row):
            return True
        if await is_pending_approver(principal, row["approval"]):
            return True
    return False


register_read_rule(PURPOSE, may_read_evidence)
