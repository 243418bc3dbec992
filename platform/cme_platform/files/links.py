"""Signed, expiring download tokens: ``GET /files/{token}`` serves a file only with a valid one.

A token is ``<payload>.<signature>`` in URL-safe base64: the payload names the tenant, the file and the
expiry (Unix seconds); the signature is an HMAC-SHA256 with a key derived from ``settings.secret_key``
for this use only. Nothing is stored: a token is valid until it expires, in its own tenant only.
Anything not of that shape (other characters, no dot, a signature of the wrong length) is ``malformed``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from cme_platform.keys import derive_key

_KEY_LABEL = b"cme.files.download-link.v1"
# <payload>.<signature>: URL-safe base64 without padding; the signature is 32 bytes (43 characters).
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,150}\.[A-Za-z0-9_-]{43}")


class InvalidLink(Exception):
    """The token is forged, damaged, expired or belongs to another tenant; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkClaims:
    """What a valid token grants: one file of one tenant until ``expires_at`` (Unix seconds)."""

    tenant_id: int
    file_id: int
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret_key: str, payload: str) -> str:
    key = derive_key(secret_key, _KEY_LABEL)
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def issue_token(secret_key: str, claims: LinkClaims) -> str:
    """A token for ``claims`` signed with (a key derived from) ``secret_key``."""
    payload = _b64(f"{claims.tenant_id}.{claims.file_id}.{claims.expires_at}".encode("ascii"))
    return f"{payload}.{_signature(secret_key, payload)}"


def read_token(secret_key: str, token: str, *, tenant_id: int, now: float) -> LinkClaims:
    """The claims of ``token`` if it is genuine, unexpired and for ``tenant_id``; else :class:`InvalidLink`.

    ``reason`` is ``malformed`` (not a token's shape or alphabet), ``forged`` (bad signature),
    ``other_tenant`` or ``expired``.
    """
    if not _TOKEN_SHAPE.fullmatch(token):
        raise InvalidLink("malformed")
    payload, _, signature = token.partition(".")
    if not hmac.compare_digest(_signature(secret_key, payload), signature):
        raise InvalidLink("forged")
    try:
        tenant, file_id, expires_at = (int(part) for part in _unb64(payload).decode("ascii").split("."))
    except ValueError:
        raise InvalidLink("forged") from None
    if tenant != tenant_id:
        raise InvalidLink("other_tenant")
    if expires_at <= now:
        raise InvalidLink("expired")
    return LinkClaims(tenant_id=tenant, file_id=file_id, expires_at=expires_at)
