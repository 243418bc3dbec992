"""Purpose-bound keys derived from the configured secrets, so that one secret never serves two uses."""

from __future__ import annotations

import hashlib
import hmac


def derive_key(secret: str, label: bytes) -> bytes:
    """A 32-byte key for the purpose named by ``label``, derived from ``secret`` with HMAC-SHA256."""
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()
