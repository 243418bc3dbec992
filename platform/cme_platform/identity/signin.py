"""The last step of every sign-in method (password, SMS code, single sign-on, set-up link), and sign-out.

Each method proves who the person is in its own way, then calls :func:`complete_sign_in`, so the
session, the last-login time, the audit record and the forced password change work the same for all.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.response import Redirect

from cme_platform.audit.actions import SIGN_IN_METHODS
from cme_platform.audit.context import current_actor
from cme_platform.audit.service import record
from cme_platform.db.transactions import write_transaction
from cme_platform.identity.csrf import renew_csrf_token
from cme_platform.identity.current import SESSION_KEY, session_accounts
from cme_platform.identity.sessions import rotate_session
from cme_platform.identity.tables import Account
from cme_platform.tenancy.middleware import tenant_relative_path
from cme_platform.tenancy.scope import current_tenant
from cme_platform.tenancy.urls import tenant_url

PASSWORD_CHANGE_PATH = "/account/password"
"""Where an account that must change its password is sent before anything else."""
LOGIN_PATH = "/login"
_SAFE_NEXT = re.compile(r"^/(?![/\\])[^\s\\]*$")


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a local path inside the tenant (``/…``, not ``//host`` or ``/\\host``)."""
    if not value or len(value) > 500 or not _SAFE_NEXT.match(value):
        return None
    return value


def login_url(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The sign-in page, with ``next`` pointing back at the requested page (GET requests only)."""
    path = tenant_relative_path(connection.scope)
    query = connection.scope.get("query_string", b"").decode("latin-1")
    target = f"{path}?{query}" if query else path
    if connection.scope.get("method") == "GET" and safe_next(target) and target not in ("/", LOGIN_PATH):
        return tenant_url(connection, f"{LOGIN_PATH}?{urlencode({'next': target})}")
    return tenant_url(connection, LOGIN_PATH)


async def complete_sign_in(
    request: Request[Any, Any, Any], account_id: int, *, method: str, next_path: str | None = None
) -> Redirect:
    """Sign ``account_id`` in to the active tenant and redirect to ``next_path`` (if safe) or the start page.

    ``method`` (``password``, ``sms``, ``sso``, ``setup_link``) goes into the audit record. The session
    gets a new id and a new CSRF token (no session fixation); other tenants' sign-ins in the same
    session stay. An account that must change its password is sent to the password page first.
    """
    account = await Account.objects().where(Account.id == account_id).first()
    if account is None:
        raise LookupError(f"account {account_id} does not exist in this tenant")
    async with write_transaction(Account):
        await Account.update({Account.last_login_at: datetime.now(UTC)}).where(Account.id == account.id)
        current_actor().bind_account(int(account.id), account.username)
        await record(
            "auth.login",
            object_type="account",
            object_id=account.id,
            summary=f"登录成功（{SIGN_IN_METHODS.get(method, method)}）",
            after={"method": method},
        )
    await rotate_session(request)
    accounts = session_accounts(request)
    accounts[current_tenant().slug] = int(account.id)
    request.set_session({**(request.session or {}), SESSION_KEY: accounts})
    renew_csrf_token(request)
    request.scope.setdefault("state", {}).pop("cme_principal", None)
    must_change = account.must_change_password and not current_tenant().auth.get("sso_only")
    target = PASSWORD_CHANGE_PATH if must_change else (safe_next(next_path) or "/")
    return Redirect(tenant_url(request, target), status_code=303)


async def sign_out(request: Request[Any, Any, Any], account_id: int | None) -> None:
    """Forget this tenant's sign-in in the session (other tenants stay) and record ``auth.logout``."""
    accounts = session_accounts(request)
    accounts.pop(current_tenant().slug, None)
    request.set_session({**(request.session or {}), SESSION_KEY: accounts})
    if account_id is not None:
        await record("auth.logout", object_type="account", object_id=account_id, summary="退出登录")
