"""The last step of every sign-in method (password, SMS code, single sign-on, set-up link).

Each method proves who the person is in its own way, then calls :func:`complete_sign_in`, so the
session, the last-login time, the audit record and the forced password change work the same for all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.response import Redirect

from cme_platform.audit.context import current_actor
from cme_platform.audit.service import record
from cme_platform.identity.principal import SESSION_KEY, session_accounts
from cme_platform.identity.tables import Account
from cme_platform.tenancy.scope import current_tenant
from cme_platform.web import tenant_url

PASSWORD_CHANGE_PATH = "/account/password"
"""Where an account that must change its password is sent before anything else."""


async def complete_sign_in(request: Request[Any, Any, Any], account_id: int, *, method: str) -> Redirect:
    """Sign ``account_id`` in to the active tenant and redirect to the start page.

    ``method`` (``password``, ``sms``, ``sso``, ``setup_link``) goes into the audit record. An account
    that must change its password is sent to the password page first.
    """
    account = await Account.objects().where(Account.id == account_id).first()
    if account is None:
        raise LookupError(f"account {account_id} does not exist in this tenant")
    async with Account._meta.db.transaction():
        await Account.update({Account.last_login_at: datetime.now(UTC)}).where(Account.id == account.id)
        current_actor().bind_account(int(account.id), account.username)
        await record(
            "auth.login",
            object_type="account",
            object_id=account.id,
            summary=f"登录成功（{method}）",
            after={"method": method},
        )
    accounts = session_accounts(request)
    accounts[current_tenant().slug] = int(account.id)
    request.set_session({**(request.session or {}), SESSION_KEY: accounts})
    target = PASSWORD_CHANGE_PATH if account.must_change_password else "/"
    return Redirect(tenant_url(request, target), status_code=303)
