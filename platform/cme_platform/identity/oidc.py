"""OpenID Connect single sign-on per tenant (authorization code flow with PKCE S256 and a nonce).

The tenant file's ``[auth.oidc]`` section (validated by ``cme tenants sync``, kept in ``TenantContext.auth``)
names the provider. :func:`start_sign_in` discovers the provider (cached per issuer), creates state, nonce
and PKCE verifier and returns the authorization URL; the page keeps the pending values in the session.
:func:`finish_sign_in` checks the state, exchanges the code with Authlib's framework-free
``AsyncOAuth2Client``, verifies the ID token with joserfc against the provider's JWKS (signature, ``iss``,
``aud``, ``exp``, ``nonce``) and returns the value of the configured claim; :func:`find_account` maps it
to an active account by username or by ``sso_subject``.
"""

from __future__ import annotations

import os
import secrets
import time
import warnings
from typing import Any

import httpx
import msgspec
from authlib.common.errors import AuthlibBaseError
from authlib.deprecate import AuthlibDeprecationWarning
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from cme_platform.identity.tables import Account
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.sync import OidcSection

with warnings.catch_warnings():
    # Authlib 1.9 prefers the httpx2 package and warns when it falls back to httpx, which is the HTTP
    # client this platform ships; the fallback is the documented, working path. (Importing
    # authlib.deprecate first installs its own "always" filter, which this one then overrides.)
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

DISCOVERY_TTL = 3600.0
"""Seconds a provider's discovery document and keys are trusted before they are fetched again."""
PENDING_TTL = 600.0
"""Seconds a started sign-in may take at the provider before its state is refused."""
HTTP_TIMEOUT = 10.0
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
"""Asymmetric algorithms accepted for ID tokens (never ``none``, never HMAC with the client secret)."""
CLOCK_LEEWAY = 60

UNAVAILABLE = "统一身份认证服务暂时无法访问，请稍后再试"
FAILED = "统一身份认证登录未成功，请重新登录"

_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks: dict[str, tuple[float, KeySet]] = {}


class SsoError(Exception):
    """Single sign-on could not complete: ``message`` is for the user, ``reason`` for the audit log.

    ``status_code`` is 503 when the provider (or the client secret) is unavailable, else 400.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason
        self.status_code = 503 if message == UNAVAILABLE else 400


class PendingSignIn(msgspec.Struct, kw_only=True):
    """What the session keeps between the redirect to the provider and the callback."""

    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    started_at: float


def oidc_settings(tenant: TenantContext) -> OidcSection | None:
    """The tenant's ``[auth.oidc]`` section (``None`` when single sign-on is not configured)."""
    raw = tenant.auth.get("oidc")
    return msgspec.convert(raw, OidcSection) if raw else None


def forget_provider_cache() -> None:
    """Drop cached discovery documents and keys (tests; a provider that rotated everything at once)."""
    _discovery.clear()
    _jwks.clear()


async def _get_json(url: str) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoError(UNAVAILABLE, f"fetching {url} failed: {exc}") from exc
    if not isinstance(data, dict):
        raise SsoError(UNAVAILABLE, f"{url} did not answer a JSON object")
    return data


async def provider_metadata(issuer: str) -> dict[str, Any]:
    """The provider's discovery document, cached for :data:`DISCOVERY_TTL` seconds per issuer."""
    cached = _discovery.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL:
        return cached[1]
    metadata = await _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if metadata.get("issuer") != issuer:
        raise SsoError(UNAVAILABLE, f"discovery names issuer {metadata.get('issuer')!r}, expected {issuer!r}")
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(k)]
    if missing:
        raise SsoError(UNAVAILABLE, f"discovery document lacks {', '.join(missing)}")
    _discovery[issuer] = (time.monotonic(), metadata)
    return metadata


async def provider_keys(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    """The provider's signing keys, cached like the discovery document (``refresh``: fetch again)."""
    cached = _jwks.get(jwks_uri)
    if cached and not refresh and time.monotonic() - cached[0] < DISCOVERY_TTL:
        return cached[1]
    try:
        keys = KeySet.import_key_set(await _get_json(jwks_uri))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise SsoError(UNAVAILABLE, f"the JWKS at {jwks_uri} is unusable: {exc}") from exc
    _jwks[jwks_uri] = (time.monotonic(), keys)
    return keys


def _client_secret(settings: OidcSection) -> str:
    secret = os.environ.get(settings.client_secret_env, "")
    if not secret:
        raise SsoError(UNAVAILABLE, f"environment variable {settings.client_secret_env} is not set")
    return secret


def _client(settings: OidcSection, redirect_uri: str) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=settings.client_id,
        client_secret=_client_secret(settings),
        scope=settings.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    )


async def start_sign_in(settings: OidcSection, redirect_uri: str) -> tuple[str, PendingSignIn]:
    """The provider's authorization URL and the values the session must keep until the callback."""
    metadata = await provider_metadata(settings.issuer)
    pending = PendingSignIn(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        verifier=secrets.token_urlsafe(48),
        redirect_uri=redirect_uri,
        started_at=time.time(),
    )
    async with _client(settings, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=pending.state,
            code_verifier=pending.verifier,
            nonce=pending.nonce,
        )
    return url, pending


async def verify_id_token(
    settings: OidcSection, metadata: dict[str, Any], id_token: str, nonce: str
) -> dict[str, Any]:
    """The claims of ``id_token``; checks the signature (provider's JWKS), iss, aud, exp and nonce."""
    keys = await provider_keys(metadata["jwks_uri"])
    try:
        try:
            token = jwt.decode(id_token, keys, algorithms=SIGNING_ALGORITHMS)
        except JoseError:
            # The provider may have rotated its keys since they were cached: fetch them once more.
            keys = await provider_keys(metadata["jwks_uri"], refresh=True)
            token = jwt.decode(id_token, keys, algorithms=SIGNING_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY,
            iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": settings.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise SsoError(FAILED, f"ID token rejected: {exc}") from exc
    return dict(token.claims)


async def _userinfo(metadata: dict[str, Any], access_token: str) -> dict[str, Any]:
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint or not access_token:
        return {}
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.get(endpoint, headers={"Authorization": f"Bearer {access_token}"})
            response.raise_for_status()
            data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoError(UNAVAILABLE, f"userinfo failed: {exc}") from exc
    return data if isinstance(data, dict) else {}


async def finish_sign_in(settings: OidcSection, pending: PendingSignIn | None, params: dict[str, str]) -> str:
    """Complete the flow from the callback's query ``params``; return the configured claim's value.

    Raises :class:`SsoError` for a missing or wrong state, a provider error, a failed code exchange (an
    unknown or replayed code), an invalid ID token or a missing claim.
    """
    if pending is None or time.time() - pending.started_at > PENDING_TTL:
        raise SsoError("登录请求已失效，请重新发起统一身份认证登录", "no pending sign-in or it expired")
    if not secrets.compare_digest(pending.state, params.get("state", "")):
        raise SsoError("登录请求已失效，请重新发起统一身份认证登录", "state mismatch")
    if params.get("error"):
        raise SsoError(FAILED, f"provider error: {params['error'][:100]}")
    code = params.get("code", "")
    if not code:
        raise SsoError(FAILED, "callback without a code")
    metadata = await provider_metadata(settings.issuer)
    try:
        async with _client(settings, pending.redirect_uri) as client:
            token = await client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=pending.verifier
            )
    except (AuthlibBaseError, httpx.HTTPError, ValueError) as exc:
        raise SsoError(FAILED, f"code exchange failed: {exc}") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SsoError(FAILED, "the token response has no id_token")
    claims = await verify_id_token(settings, metadata, id_token, pending.nonce)
    value = claims.get(settings.claim)
    if value is None:
        info = await _userinfo(metadata, str(token.get("access_token") or ""))
        if info.get("sub") == claims["sub"]:
            value = info.get(settings.claim)
    if value is None or str(value).strip() == "":
        raise SsoError(FAILED, f"claim {settings.claim!r} is missing")
    return str(value).strip()


async def find_account(settings: OidcSection, value: str) -> int | None:
    """The id of the active account whose ``match`` column equals ``value`` (``None`` when there is none)."""
    column = Account.username if settings.match == "username" else Account.sso_subject
    row = await Account.select(Account.id).where((column == value[:255]) & Account.active.eq(True)).first()
    return int(row["id"]) if row else None
