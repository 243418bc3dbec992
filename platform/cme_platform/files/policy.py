"""Who may read (get a download link for) a stored file: a small registry of rules per purpose.

Always allowed: the account that uploaded the file and the commission's administrators. Domains add
rules for their purposes with :func:`register_read_rule`, e.g. approvers reading credit evidence::

    async def approver_reads_evidence(principal, file):
        return await credits.is_pending_approval_by(principal, file.id)

    register_read_rule("credit_evidence", approver_reads_evidence)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role


class FileFacts(Protocol):
    """What a rule may look at: the file's id, purpose and uploader."""

    @property
    def id(self) -> int: ...

    @property
    def purpose(self) -> str: ...

    @property
    def uploaded_by(self) -> int | None: ...


ReadRule = Callable[[Principal, FileFacts], Awaitable[bool]]
"""``await rule(principal, file)`` → True when the principal may read the file."""

READ_RULES: dict[str, list[ReadRule]] = {}
"""Extra read rules by purpose name (see :func:`register_read_rule`)."""


def register_read_rule(purpose: str, rule: ReadRule) -> None:
    """Let ``rule`` grant read access to files of ``purpose`` (rules only ever add access)."""
    rules = READ_RULES.setdefault(purpose, [])
    if rule not in rules:
        rules.append(rule)


def sees_every_file(principal: Principal) -> bool:
    """True for the roles that may list and read every file of the tenant (commission admins)."""
    return principal.has_any(Role.COMMISSION_ADMIN)


async def may_read(principal: Principal, file: FileFacts) -> bool:
    """True when ``principal`` may get a download link for ``file``."""
    if file.uploaded_by == principal.account_id or sees_every_file(principal):
        return True
    for rule in READ_RULES.get(file.purpose, ()):
        if await rule(principal, file):
            return True
    return False
