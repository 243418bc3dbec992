"""The seal of a certificate: a compact record of what it certifies, signed with the tenant's Ed25519 key.

The certificate's QR code carries the verification address with the seal appended, so that a phone opens
the public verification page, and anyone holding the tenant's public key (published as a JWKS at
``/t/<slug>/.well-known/jwks.json``) can check the record without the server.

A seal is ``<record>.<signature>``, both base64url without padding. The record is a MessagePack array
``[version, issuer, key id, number, name hash, credits, category, issued on]``: the issuing tenant's slug,
the certificate number, the first 8 bytes of SHA-256 of the holder's name (the printed name can be
checked against it; it hides nothing from whoever holds the paper), credits in hundredths, the credit
category and the issue date as days since 1970-01-01. About 150 characters: with the address, the QR
code stays at version 10 to 12 at level M, small enough to scan from paper.

Keys are derived from ``CME_SECRET_KEY`` per tenant and key id (HMAC-SHA256 as the seed of the Ed25519
key), so nothing is stored; a new key id (:data:`KEY_ID`) signs new certificates while the old ones still
verify against the keys listed in the JWKS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date, timedelta
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cme_platform.keys import derive_key

VERSION = 1
KEY_ID = "k1"
"""The key id that signs new certificates."""
KEY_IDS = ("k1",)
"""Every key id whose public key is published (old certificates keep verifying)."""
MAX_SEAL = 400
"""The longest seal accepted (a real one is about 150 characters)."""
EPOCH = date(1970, 1, 1)


class SealError(ValueError):
    """A seal that is not well formed, not signed by the issuer's key, or altered."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


MALFORMED = "malformed"
FORGED = "forged"
UNKNOWN_KEY = "unknown_key"

MESSAGES = {
    MALFORMED: "二维码内容无法识别，不是本平台的电子学分证书",
    FORGED: "证书签名无效：内容被篡改或并非发证机构签发",
    UNKNOWN_KEY: "签发密钥未知：无法验证该证书",
}


class SealedRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What a seal says: enough to match the printed certificate and find its live state."""

    issuer: str
    """The slug of the issuing tenant."""
    key_id: str
    number: str
    name_hash: bytes
    credits: int
    """In hundredths."""
    category: str
    issued_on: date

    def matches_name(self, name: str) -> bool:
        """Whether ``name`` (as printed) is the holder's."""
        return name_hash(name) == self.name_hash


def name_hash(name: str) -> bytes:
    """The 8-byte digest of a holder's name that a seal carries."""
    return hashlib.sha256(name.strip().encode()).digest()[:8]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(secret: str, issuer: str, key_id: str = KEY_ID) -> Ed25519PrivateKey:
    """The Ed25519 key of tenant ``issuer`` with id ``key_id``, derived from the platform's ``secret``."""
    return Ed25519PrivateKey.from_private_bytes(
        derive_key(secret, f"cme-certificate-seal:{issuer}:{key_id}".encode())
    )


def public_key_bytes(secret: str, issuer: str, key_id: str) -> bytes:
    """The raw 32-byte public key of :func:`signing_key`."""
    return signing_key(secret, issuer, key_id).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def jwks(secret: str, issuer: str) -> dict[str, Any]:
    """The tenant's public keys as a JSON Web Key Set (RFC 8037: ``OKP``, ``Ed25519``)."""
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": _b64(public_key_bytes(secret, issuer, key_id)),
                "kid": f"{issuer}:{key_id}",
                "use": "sig",
                "alg": "EdDSA",
            }
            for key_id in KEY_IDS
        ]
    }


def seal(secret: str, record: SealedRecord) -> str:
    """Sign ``record`` with its issuer's key: the text the QR code appends to the verification address."""
    body = msgspec.msgpack.encode(
        [
            VERSION,
            record.issuer,
            record.key_id,
            record.number,
            record.name_hash,
            record.credits,
            record.category,
            (record.issued_on - EPOCH).days,
        ]
    )
    signature = signing_key(secret, record.issuer, record.key_id).sign(body)
    return f"{_b64(body)}.{_b64(signature)}"


def read_seal(text: str) -> tuple[SealedRecord, bytes, bytes]:
    """The record of ``text`` (not yet verified), its signed bytes and its signature; raises
    :class:`SealError` (``malformed``) when it is not a seal."""
    if not text or len(text) > MAX_SEAL or text.count(".") != 1:
        raise SealError(MALFORMED, MESSAGES[MALFORMED])
    try:
        body_text, signature_text = text.split(".")
        body, signature = _unb64(body_text), _unb64(signature_text)
        fields = msgspec.msgpack.decode(body)
        version, issuer, key_id, number, digest, credits, category, days = fields
        if version != VERSION or len(signature) != 64 or not isinstance(digest, bytes):
            raise ValueError(version)
        record = SealedRecord(
            issuer=str(issuer),
            key_id=str(key_id),
            number=str(number),
            name_hash=digest,
            credits=int(credits),
            category=str(category),
            issued_on=EPOCH + timedelta(days=int(days)),
        )
    except (ValueError, TypeError, binascii.Error, msgspec.DecodeError, OverflowError):
        raise SealError(MALFORMED, MESSAGES[MALFORMED]) from None
    return record, body, signature


def verify_with(text: str, keys: dict[str, Any]) -> SealedRecord:
    """The record of the seal ``text`` when the JWKS ``keys`` holds its signing key and the signature is
    good: what anyone can check without the server. Raises :class:`SealError` otherwise."""
    record, body, signature = read_seal(text)
    kid = f"{record.issuer}:{record.key_id}"
    key = next((k for k in keys.get("keys", []) if k.get("kid") == kid and k.get("crv") == "Ed25519"), None)
    if key is None:
        raise SealError(UNKNOWN_KEY, MESSAGES[UNKNOWN_KEY])
    try:
        Ed25519PublicKey.from_public_bytes(_unb64(str(key["x"]))).verify(signature, body)
    except (InvalidSignature, ValueError, binascii.Error):
        raise SealError(FORGED, MESSAGES[FORGED]) from None
    return record
