"""Audit records of security-relevant refusals, rate-limited so that a flood cannot fill the log.

Recorded: refused CSRF checks (``security.csrf_refused``), rejected API tokens — forged, ``alg=none``,
expired, revoked, another tenant's (``security.token_refused``) —, requests refused for lack of
permission (403 ``forbidden``, ``security.forbidden``) and refused uploads (``security.upload_refused``).

Each refusal is counted per (tenant, client address, action, reason) in the database with
:func:`cme_platform.ratelimit.hit` (atomic, shared by every worker process), in windows of
:data:`REFUSAL_WINDOW`. A record is written for the window's first refusal and again when its count reaches
10, 100, 1,000 …, carrying the count (``after.count_in_window``): a flood of N refusals from one address
leaves at most ``1 + log10(N)`` records a minute. Records hold the reason code and the request's method and
path, never a query string, a token or a file name. A failure to record never changes the answer.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from litestar.exceptions import HTTPException
from litestar.types import Scope

from cme_platform import ratelimit
from cme_platform.api.errors import error_body_for
from cme_platform.audit.context import current_actor
from cme_platform.audit.service import record, record_platform
from cme_platform.errors import DomainError
from cme_platform.tenancy.middleware import tenant_relative_path
from cme_platform.tenancy.scope import active_tenant_or_none

log = logging.getLogger("cme.audit.refusals")

REFUSAL_WINDOW = timedelta(minutes=1)
"""The window in which one address's refusals of one kind are counted together."""


def _is_milestone(count: int) -> bool:
    """True for 1, 10, 100, 1,000 …: the counts at which a refusal is recorded."""
    while count % 10 == 0:
        count //= 10
    return count == 1


def request_summary(scope: Scope) -> str:
    """``METHOD /path`` of the request (tenant-relative, without the query string) for a summary."""
    return f"{scope.get('method', '')} {tenant_relative_path(scope)}"[:200]


async def record_refusal(
    action: str,
    reason: str,
    *,
    summary: str,
    object_type: str = "",
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a security-relevant refusal (``action``, a ``reason`` code), rate-limited per address.

    Writes to the active tenant's log, or to the operators' log outside every tenant. ``detail`` adds
    JSON-able facts to the record's ``after``. Neither ``summary`` nor ``detail`` may hold personal data in
    clear (no ID number, phone, token or file name: mask them).
    """
    actor = current_actor()
    try:
        verdict = await ratelimit.hit(
            f"audit.{action}.{reason}"[:64],
            actor.ip or "-",
            limit=1,
            window=REFUSAL_WINDOW,
            count_refused=True,
        )
        if not _is_milestone(verdict.count):
            return
        after = {"reason": reason, "count_in_window": verdict.count, **(detail or {})}
        text = summary if verdict.count == 1 else f"{summary}（1 分钟内第 {verdict.count} 次）"
        fields: dict[str, Any] = {
            "object_type": object_type,
            "object_id": object_id,
            "summary": text,
            "after": after,
        }
        if active_tenant_or_none() is None:
            await record_platform(action, **fields)
        else:
            await record(action, **fields)
    except Exception:  # the refusal stands whatever happens to its record
        log.exception("refusal %s (%s) not recorded", action, reason)


async def record_forbidden(exc: Exception, scope: Scope) -> None:
    """Litestar ``after_exception`` hook: record every 403 ``forbidden`` (guards and services alike).

    Refusals with their own code (``csrf_failed``, recorded where they happen) are left alone.
    """
    if scope.get("type") != "http" or not isinstance(exc, DomainError | HTTPException):
        return
    status, body = error_body_for(exc)
    if status == 403 and body.code == "forbidden":
        await record_refusal("security.forbidden", "forbidden", summary=f"无权访问：{request_summary(scope)}")
