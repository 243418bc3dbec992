"""Image captchas for the sign-in forms (password, SMS code, recovery, operators).

A challenge is a row with a random token and the expected answer; the form carries the token and
shows ``/captcha/<token>.png``. Checking consumes the challenge whatever the outcome, so an answer can
never be replayed and a failed guess needs a new image.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from captcha.image import ImageCaptcha

from cme_platform.identity.tables import Captcha

CAPTCHA_TTL = timedelta(minutes=5)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Letters and digits that cannot be mistaken for each other (no 0/O, 1/I)."""
LENGTH = 4

_image = ImageCaptcha(width=160, height=60)


async def issue_captcha() -> str:
    """Create a challenge and return its token (also removes expired challenges)."""
    now = datetime.now(UTC)
    await Captcha.delete().where(Captcha.expires_at < now)
    token = secrets.token_urlsafe(24)
    answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    await Captcha.insert(Captcha(token=token, answer=answer, expires_at=now + CAPTCHA_TTL))
    return token


async def captcha_image(token: str) -> bytes | None:
    """The PNG of a live challenge (``None`` when the token is unknown or expired)."""
    row = (
        await Captcha.select(Captcha.answer)
        .where((Captcha.token == token[:64]) & (Captcha.expires_at >= datetime.now(UTC)))
        .first()
    )
    if row is None:
        return None
    return _image.generate(row["answer"], format="png").getvalue()


async def verify_captcha(token: str, answer: str) -> bool:
    """True when ``answer`` matches the live challenge ``token`` (case-insensitive); always consumes it."""
    token = (token or "")[:64]
    row = (
        await Captcha.select(Captcha.answer, Captcha.expires_at).where(Captcha.token == token).first()
        if token
        else None
    )
    if row is None:
        return False
    await Captcha.delete().where(Captcha.token == token)
    if row["expires_at"] < datetime.now(UTC):
        return False
    return secrets.compare_digest(row["answer"].upper(), (answer or "").strip().upper())
