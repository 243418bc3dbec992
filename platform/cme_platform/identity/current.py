"""Who is signed in on this request: the session's accounts per tenant, or a bearer token for the API.

The session (an encrypted cookie) keeps one account id per tenant slug, so signing in to one tenant
never signs anybody in to another, even when both are served from the same host under ``/t/<slug>/``.

Kept apart from :mod:`cme_platform.identity.principal` (what a principal is) so that the token module
can build principals without importing the request machinery that reads tokens.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from cme_platform.audit.context import current_actor
from cme_platform.identity.principal import Principal, load_principal_by_id
from cme_platform.identity.tokens import bearer_token, is_api_request, principal_from_token
from cme_platform.tenancy.scope import current_tenant

SESSION_KEY = "accounts"


def session_accounts(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, int]:
    """The ``{tenant slug: account id}`` map kept in the session (empty when there is no session)."""
    session = connection.scope.get("session") or {}
    accounts = session.get(SESSION_KEY) if isinstance(session, dict) else None
    return dict(accounts) if isinstance(accounts, dict) else {}


async def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The signed-in principal of this request for the active tenant, loaded once per request."""
    state = connection.scope.setdefault("state", {})
    if "cme_principal" in state:
        return state["cme_principal"]
    tenant = current_tenant()
    # A request with ``Authorization: Bearer`` never uses the session: tokens authenticate /api/ routes
    # only (401 when invalid), and pages treat such a request as anonymous.
    token = bearer_token(connection)
    if token is not None:
        secret = connection.app.state.settings.secret_key
        principal = await principal_from_token(token, secret) if is_api_request(connection) else None
    else:
        account_id = session_accounts(connection).get(tenant.slug)
        principal = await load_principal_by_id(int(account_id)) if account_id else None
    state["cme_principal"] = principal
    if principal is not None:
        current_actor().bind_account(principal.account_id, principal.username)
    return principal
