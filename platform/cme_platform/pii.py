"""Protection of personal data at rest and on screen.

ID numbers are stored twice, neither readable from a database dump alone: sealed (AES-256-GCM, random
nonce, so equal numbers give different ciphertexts) for showing to the few roles that need them, and as a
keyed hash (HMAC-SHA256) for exact look-up and uniqueness. Both keys derive from ``CME_PII_KEY``, which
lives only in the settings, never in the database. Lists show masked values (``320*****65``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cme_platform.keys import derive_key
from cme_platform.settings import get_settings

_VERSION = "v1"


@lru_cache(maxsize=4)
def _keys(pii_key: str) -> tuple[AESGCM, bytes]:
    return AESGCM(derive_key(pii_key, b"cme-pii-seal")), derive_key(pii_key, b"cme-pii-lookup")


def _current() -> tuple[AESGCM, bytes]:
    return _keys(get_settings().pii_key)


def normalize_document(value: str) -> str:
    """The canonical form of a document number: no spaces, upper case (``x`` → ``X``)."""
    return "".join(value.split()).upper()


def lookup_hash(value: str) -> str:
    """The keyed hash (64 hex characters) of a document number, for exact look-up."""
    return hmac.new(_current()[1], normalize_document(value).encode(), hashlib.sha256).hexdigest()


def seal(value: str, purpose: bytes = b"") -> str:
    """``value`` encrypted for storage (``v1:`` + base64 of nonce and ciphertext).

    A ``purpose`` other than the default (stored values) binds the ciphertext to it: :func:`unseal`
    opens it only with the same ``purpose``, so a value sealed for one use cannot stand in for another.
    """
    nonce = os.urandom(12)
    sealed = _current()[0].encrypt(nonce, value.encode(), _VERSION.encode() + purpose)
    return f"{_VERSION}:{base64.b64encode(nonce + sealed).decode('ascii')}"


class UnsealError(ValueError):
    """The stored value cannot be decrypted with the configured key (wrong key or tampered data)."""


def unseal(stored: str, purpose: bytes = b"") -> str:
    """The plain value of a :func:`seal` result sealed for ``purpose``."""
    version, _, body = stored.partition(":")
    if version != _VERSION or not body:
        raise UnsealError("unknown sealed format")
    raw = base64.b64decode(body)
    try:
        return _current()[0].decrypt(raw[:12], raw[12:], _VERSION.encode() + purpose).decode()
    except InvalidTag as exc:
        raise UnsealError("the personal-data key does not open this value") from exc


def mask_document(value: str) -> str:
    """A document number as lists show it: the first three and last two characters (``320*****65``)."""
    text = normalize_document(value)
    if len(text) <= 5:
        return "*" * len(text)
    return f"{text[:3]}*****{text[-2:]}"


def mask_phone(value: str | None) -> str:
    """A phone number as lists show it (``139****0001``); empty for none."""
    if not value:
        return ""
    text = value.strip()
    if len(text) <= 7:
        return text[:2] + "*" * (len(text) - 2)
    return f"{text[:3]}****{text[-4:]}"


_PII_IN_TEXT = re.compile(
    r"(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{2}))"  # a run of its own, also right after a %-escape
    r"(?:(?P<id>\d{17}[\dXx]|\d{15})|(?P<phone>1[3-9]\d{9}))(?![0-9A-Za-z])"
)


def mask_pii_text(text: str) -> str:
    """``text`` with every ID-number-like (15 or 18 characters) and mobile-phone-like run masked."""
    return _PII_IN_TEXT.sub(
        lambda m: mask_document(m.group()) if m.group("id") else mask_phone(m.group()), text
    )
