"""Who is acting, for the audit log: set per request (IP, user agent), completed when the principal loads.

Services call :func:`cme_platform.audit.service.record` without passing the actor around; it reads
:func:`current_actor`. Jobs and commands run as the ``system`` actor unless they bind another.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class Actor:
    """The acting party: ``kind`` is ``account``, ``operator``, ``system`` or ``anonymous``."""

    kind: str = "system"
    account_id: int | None = None
    name: str = ""
    ip: str = ""
    user_agent: str = ""

    def bind_account(self, account_id: int, name: str, *, kind: str = "account") -> None:
        """Mark the request as acting for a signed-in account (or operator)."""
        self.kind = kind
        self.account_id = account_id
        self.name = name


_actor: ContextVar[Actor | None] = ContextVar("cme_audit_actor", default=None)


def current_actor() -> Actor:
    """The actor of the running request, job or command (``system`` when none was bound)."""
    return _actor.get() or Actor()


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Bind ``actor`` for the duration of the block (a request, a job, a CLI command)."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)
