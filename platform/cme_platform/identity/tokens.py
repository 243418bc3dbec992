"""API tokens for integrations: signed JWTs (HS256, joserfc) bound to a tenant, an account and roles.

A token carries ``iss`` (the tenant slug), ``sub`` (the account id), ``jti`` (the :class:`ApiToken` row),
``iat``, ``exp`` and ``roles``. Only the ``jti`` is stored, so the token string is shown once, when it is
created. A request that sends ``Authorization: Bearer <token>`` to an ``/api/`` route acts as the
token's account with the account's *current* grants whose role the token names: revoking a role from the
account limits its tokens too. Pages never accept tokens.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import OctKey
from litestar.connection import ASGIConnection

from cme_platform.audit.refusals import record_refusal
from cme_platform.audit.service import record
from cme_platform.errors import DomainError, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity.principal import Principal, load_principal_by_id
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import ApiToken
from cme_platform.keys import derive_key
from cme_platform.tenancy.middleware import is_api_path, tenant_relative_path
from cme_platform.tenancy.scope import current_tenant

ALGORITHM = "HS256"
MAX_DAYS = 365
TOUCH_INTERVAL = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token."""


class TokenRejected(DomainError):
    """A bearer token that does not authenticate (401 ``invalid_token``; never a 500)."""

    status_code = 401
    code = "invalid_token"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


INVALID = "令牌无效"
EXPIRED = "令牌已过期"
REVOKED = "令牌已被撤销"


class TokenIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new token: its name, the roles it may use (a subset of the account's) and its lifetime."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="用途说明，如“人事系统对接”")]
    roles: Annotated[list[Role], msgspec.Meta(min_length=1, max_length=8, description="令牌可使用的角色")]
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_DAYS, description="有效天数（1–365）")] = 90


class TokenOut(msgspec.Struct, kw_only=True):
    """A token as listed (never the token string itself)."""

    id: int
    name: str
    account_id: int
    username: str
    roles: list[str]
    status: str
    """``active``, ``expired`` or ``revoked``."""
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class CreatedToken(msgspec.Struct, kw_only=True):
    """A token just created: ``token`` is the secret string, shown only this once."""

    token: str
    info: TokenOut


def signing_key(secret: str) -> OctKey:
    """The HS256 key of API tokens, derived from the platform secret (separate from the session key)."""
    return OctKey.import_key(derive_key(secret, b"cme-api-token"))


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an ``Authorization: Bearer …`` header (``""`` when the header is empty or malformed)."""
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def is_api_request(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """True for the tenant's JSON API (``/api/…`` and a plugin's ``/p/<name>/api/…``), the only routes
    that accept tokens."""
    return is_api_path(tenant_relative_path(connection.scope))


def _status(row: dict[str, Any], now: datetime) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    return "expired" if row["expires_at"] <= now else "active"


def _token_out(row: dict[str, Any], now: datetime) -> TokenOut:
    return TokenOut(
        id=row["id"],
        name=row["name"],
        account_id=row["account"],
        username=row["account.username"],
        roles=list(row["roles"] or []),
        status=_status(row, now),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )


def _token_query() -> Any:
    return ApiToken.select(
        ApiToken.id,
        ApiToken.name,
        ApiToken.account,
        ApiToken.account.username,
        ApiToken.roles,
        ApiToken.created_at,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        ApiToken.last_used_at,
    ).output(load_json=True)


async def _rejected(reason: str, message: str, *, token_id: int | None = None) -> TokenRejected:
    """Audit a rejected token (``security.token_refused`` with ``reason``) and return the error to raise."""
    await record_refusal(
        "security.token_refused",
        reason,
        summary=f"API 令牌被拒绝（{message}）",
        object_type="api_token" if token_id is not None else "",
        object_id=token_id,
    )
    return TokenRejected(message)


async def principal_from_token(token: str, secret: str) -> Principal:
    """Check ``token`` for the active tenant and return who it acts for; raise :class:`TokenRejected`.

    Checked: the HS256 signature (no other algorithm, ``none`` included), ``exp``, ``iss`` equal to the
    active tenant's slug, the row (exists, same account, not revoked, not expired) and the account (active).
    Every rejection is audited with its reason (:func:`_rejected`).
    """
    try:
        claims = jwt.decode(token, signing_key(secret), algorithms=[ALGORITHM]).claims
    except UnsupportedAlgorithmError as exc:
        raise await _rejected("bad_algorithm", INVALID) from exc
    except BadSignatureError as exc:
        raise await _rejected("bad_signature", INVALID) from exc
    except (JoseError, ValueError, TypeError) as exc:
        raise await _rejected("malformed", INVALID) from exc
    try:
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": current_tenant().slug},
            sub={"essential": True},
            jti={"essential": True},
            exp={"essential": True},
        ).validate(claims)
    except ExpiredTokenError as exc:
        raise await _rejected("expired", EXPIRED) from exc
    except InvalidClaimError as exc:
        reason = "wrong_tenant" if exc.claim == "iss" else "invalid_claims"
        raise await _rejected(reason, INVALID) from exc
    except (JoseError, ValueError, TypeError) as exc:
        raise await _rejected("invalid_claims", INVALID) from exc
    if not str(claims["sub"]).isdigit():
        raise await _rejected("invalid_claims", INVALID)
    row = (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.account,
            ApiToken.roles,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            ApiToken.last_used_at,
        )
        .where(ApiToken.jti == str(claims["jti"])[:64])
        .output(load_json=True)
        .first()
    )
    if row is None or row["account"] != int(claims["sub"]):
        raise await _rejected("unknown_token", INVALID)
    now = datetime.now(UTC)
    if row["revoked_at"] is not None:
        raise await _rejected("revoked", REVOKED, token_id=row["id"])
    if row["expires_at"] <= now:
        raise await _rejected("expired", EXPIRED, token_id=row["id"])
    principal = await load_principal_by_id(row["account"])
    if principal is None:
        raise await _rejected("inactive_account", INVALID, token_id=row["id"])
    if row["last_used_at"] is None or row["last_used_at"] < now - TOUCH_INTERVAL:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    allowed = set(row["roles"] or [])
    grants = tuple(g for g in principal.grants if g.role in allowed)
    return msgspec.structs.replace(principal, grants=grants, token_id=row["id"])


async def create_token(principal: Principal, data: TokenIn, secret: str) -> CreatedToken:
    """Create a token for the principal's own account; the returned string is never stored.

    Refused: accounts that are learners only, roles the account does not hold, and callers that are
    themselves authenticated by a token (a token cannot mint longer-lived tokens).
    """
    if principal.token_id is not None:
        raise Forbidden("不能使用 API 令牌创建新的令牌")
    if principal.roles <= {Role.LEARNER}:
        raise Forbidden("学员账户不能创建 API 令牌")
    name = data.name.strip()
    if not name:
        raise InvalidInput("请填写令牌名称", [FieldError("name", "必填项，不能为空")])
    roles = sorted(set(data.roles))
    foreign = [r for r in roles if r not in principal.roles]
    if foreign:
        labels = "、".join(r.label for r in foreign)
        raise InvalidInput("只能授予本人拥有的角色", [FieldError("roles", f"您没有这些角色：{labels}")])
    now = datetime.now(UTC)
    jti = secrets.token_urlsafe(24)
    expires_at = now + timedelta(days=data.expires_in_days)
    claims = {
        "iss": current_tenant().slug,
        "sub": str(principal.account_id),
        "jti": jti,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "roles": [str(r) for r in roles],
    }
    token = jwt.encode({"alg": ALGORITHM}, claims, signing_key(secret), algorithms=[ALGORITHM])
    async with ApiToken._meta.db.transaction():
        rows = await ApiToken.insert(
            ApiToken(
                account=principal.account_id,
                name=name,
                jti=jti,
                roles=claims["roles"],
                created_at=now,
                expires_at=expires_at,
            )
        )
        token_id = rows[0]["id"]
        await record(
            "identity.token.create",
            object_type="api_token",
            object_id=token_id,
            summary=f"创建 API 令牌“{name}”",
            after={"name": name, "roles": claims["roles"], "expires_at": expires_at.isoformat()},
        )
    row = await _token_query().where(ApiToken.id == token_id).first()
    return CreatedToken(token=token, info=_token_out(row, now))


def _sees_every_token(principal: Principal) -> bool:
    return principal.has_any(Role.COMMISSION_ADMIN)


async def list_tokens(principal: Principal, *, every_account: bool = False) -> list[TokenOut]:
    """The principal's own tokens, newest first; ``every_account``: the tenant's (commission admins only)."""
    query = _token_query().order_by(ApiToken.id, ascending=False)
    if every_account:
        if not _sees_every_token(principal):
            raise Forbidden("只有管理用户（继教委）可以查看全部令牌")
    else:
        query = query.where(ApiToken.account == principal.account_id)
    now = datetime.now(UTC)
    return [_token_out(row, now) for row in await query]


async def revoke_token(principal: Principal, token_id: int) -> TokenOut:
    """Revoke one of the principal's tokens (commission admins: any of the tenant's); repeating is harmless.

    Another account's token answers 404 to everyone else, as if it did not exist.
    """
    row = await _token_query().where(ApiToken.id == token_id).first()
    if row is None or (row["account"] != principal.account_id and not _sees_every_token(principal)):
        raise NotFound("令牌不存在")
    now = datetime.now(UTC)
    if row["revoked_at"] is None:
        async with ApiToken._meta.db.transaction():
            await ApiToken.update({ApiToken.revoked_at: now}).where(ApiToken.id == token_id)
            await record(
                "identity.token.revoke",
                object_type="api_token",
                object_id=token_id,
                summary=f"撤销 API 令牌“{row['name']}”（{row['account.username']}）",
                before={"revoked_at": None},
                after={"revoked_at": now.isoformat()},
            )
        row = {**row, "revoked_at": now}
    return _token_out(row, now)
