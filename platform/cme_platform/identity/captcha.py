"""Image captchas for the sign-in forms (password, SMS code, recovery, operators).

A challenge is a token ``<expiry>.<nonce>`` (expiry in Unix seconds, :data:`CAPTCHA_TTL` after issue)
whose answer is derived from it with a keyed hash (HMAC-SHA256, key derived from ``CME_SECRET_KEY``):
issuing one writes nothing, so anonymous page views cannot fill a table. The form carries the token and
shows ``/captcha/<token>.png``. Checking consumes the challenge whatever the outcome — its token is
inserted into ``identity_captcha`` (unique) until it expires — so an answer can never be replayed and a
failed guess needs a new image. A token past its expiry, or claiming a later one than the server issues,
is refused; consumed tokens are deleted once expired, at most :data:`PURGE_BATCH` per check.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from captcha.image import ImageCaptcha

from cme_platform.identity.tables import Captcha
from cme_platform.keys import derive_key
from cme_platform.settings import get_settings

CAPTCHA_TTL = timedelta(minutes=5)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Letters and digits that cannot be mistaken for each other (no 0/O, 1/I); 32, so each byte maps evenly."""
LENGTH = 4
PURGE_BATCH = 500
"""At most this many expired consumed tokens are deleted per check."""
_TOKEN = re.compile(r"(?P<expires>\d{10})\.[A-Za-z0-9_-]{32}")

_image = ImageCaptcha(width=160, height=60)


def captcha_answer_for(token: str, secret: str | None = None) -> str:
    """The answer of the challenge ``token`` (with the platform's secret unless ``secret`` is given)."""
    key = derive_key(secret or get_settings().secret_key, b"cme-captcha")
    digest = hmac.new(key, token.encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:LENGTH])


def _live_expiry(token: str, now: datetime) -> datetime | None:
    """The expiry of a well-formed, unexpired token that the server could have issued, else ``None``."""
    match = _TOKEN.fullmatch(token or "")
    if match is None:
        return None
    expires = datetime.fromtimestamp(int(match["expires"]), UTC)
    return expires if now <= expires <= now + CAPTCHA_TTL else None


async def issue_captcha() -> str:
    """A new challenge's token (nothing is stored)."""
    expires = int((datetime.now(UTC) + CAPTCHA_TTL).timestamp())
    return f"{expires}.{secrets.token_urlsafe(24)}"


async def captcha_image(token: str) -> bytes | None:
    """The PNG of a live challenge (``None`` when the token is malformed or expired)."""
    if _live_expiry(token, datetime.now(UTC)) is None:
        return None
    return _image.generate(captcha_answer_for(token), format="png").getvalue()


async def _purge_consumed(now: datetime) -> None:
    await Captcha.raw(
        "DELETE FROM identity_captcha WHERE id IN "
        "(SELECT id FROM identity_captcha WHERE expires_at < {} LIMIT {})",
        now,
        PURGE_BATCH,
    )


async def verify_captcha(token: str, answer: str) -> bool:
    """True when ``answer`` matches the live challenge ``token`` (case-insensitive); always consumes it."""
    now = datetime.now(UTC)
    expires = _live_expiry(token, now)
    if expires is None:
        return False
    consumed = await Captcha.insert(Captcha(token=token, expires_at=expires)).on_conflict(action="DO NOTHING")
    await _purge_consumed(now)
    if not consumed:
        return False
    given = (answer or "").strip().upper().encode()
    return secrets.compare_digest(captcha_answer_for(token).encode(), given)
