"""One-time set-up links: an administrator hands one out, its holder sets his own password with it.

Only the SHA-256 of the random token is stored. A link lives :data:`SETUP_LINK_TTL`, works once, and a
new link for the same account retires the older ones.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import msgspec

from cme_platform.audit.context import current_actor
from cme_platform.audit.service import record
from cme_platform.errors import FieldError, InvalidInput
from cme_platform.identity.password_policy import strength_problems
from cme_platform.identity.passwords import hash_password
from cme_platform.identity.tables import Account, SetupLink

SETUP_LINK_TTL = timedelta(hours=72)
SETUP_PATH = "/account/setup/{token}"


class IssuedLink(msgspec.Struct, frozen=True, kw_only=True):
    """A freshly created link: the token (never stored) and its expiry."""

    token: str
    expires_at: datetime

    @property
    def path(self) -> str:
        """The link's path inside the tenant."""
        return SETUP_PATH.format(token=self.token)


class LinkHolder(msgspec.Struct, frozen=True, kw_only=True):
    """The account a live link belongs to."""

    account_id: int
    username: str
    display_name: str


def token_hash(token: str) -> str:
    """The stored form of a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def issue_setup_link(account_id: int, *, created_by: int | None) -> IssuedLink:
    """Create a link for ``account_id`` (older unused links of the account stop working); audited.

    Call inside the transaction of the change that asks for it.
    """
    now = datetime.now(UTC)
    await SetupLink.update({SetupLink.used_at: now}).where(
        (SetupLink.account == account_id) & SetupLink.used_at.is_null()
    )
    token = secrets.token_urlsafe(32)
    link = IssuedLink(token=token, expires_at=now + SETUP_LINK_TTL)
    await SetupLink.insert(
        SetupLink(
            account=account_id,
            token_hash=token_hash(token),
            created_by=created_by,
            expires_at=link.expires_at,
        )
    )
    await record(
        "identity.setup_link.create",
        object_type="account",
        object_id=account_id,
        summary="生成一次性设置密码链接",
        after={"expires_at": link.expires_at.isoformat()},
    )
    return link


async def live_link_holder(token: str) -> LinkHolder | None:
    """The active account whose unused, unexpired link is ``token`` (``None`` otherwise)."""
    if not token or len(token) > 128:
        return None
    row = (
        await SetupLink.select(
            SetupLink.account.id,
            SetupLink.account.username,
            SetupLink.account.display_name,
        )
        .where(
            (SetupLink.token_hash == token_hash(token))
            & SetupLink.used_at.is_null()
            & (SetupLink.expires_at > datetime.now(UTC))
            & (SetupLink.account.active == True)  # noqa: E712
        )
        .first()
    )
    if row is None:
        return None
    return LinkHolder(
        account_id=row["account.id"],
        username=row["account.username"],
        display_name=row["account.display_name"],
    )


async def use_setup_link(token: str, password: str) -> int:
    """Set the password of the link's account and retire the link; returns the account id.

    Raises :class:`InvalidInput` for a weak password or a link that is unknown, used or expired (nothing
    is written then). Two concurrent uses of one link cannot both succeed.
    """
    holder = await live_link_holder(token)
    if holder is None:
        raise InvalidInput("链接无效、已使用或已过期，请联系管理员重新生成")
    problems = strength_problems(password, username=holder.username)
    if problems:
        raise InvalidInput("密码强度不足", [FieldError("password", p) for p in problems])
    now = datetime.now(UTC)
    current_actor().bind_account(holder.account_id, holder.username)
    async with SetupLink._meta.db.transaction():
        claimed = (
            await SetupLink.update({SetupLink.used_at: now})
            .where((SetupLink.token_hash == token_hash(token)) & SetupLink.used_at.is_null())
            .returning(SetupLink.id)
        )
        if not claimed:
            raise InvalidInput("链接无效、已使用或已过期，请联系管理员重新生成")
        await Account.update(
            {
                Account.password_hash: hash_password(password),
                Account.must_change_password: False,
                Account.password_changed_at: now,
            }
        ).where(Account.id == holder.account_id)
        await record(
            "auth.password_changed",
            object_type="account",
            object_id=holder.account_id,
            summary="通过一次性链接设置密码",
            after={"method": "setup_link"},
        )
    return holder.account_id
