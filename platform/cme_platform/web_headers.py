"""Security headers on every response: a Content Security Policy, no framing, no sniffing, no referrer leak.

The pages are server-rendered and load their script and style sheet from ``/static`` only; the policy
allows scripts from the site itself and nothing inline (page behaviour lives in ``static/app.js``, driven
by ``data-*`` attributes). Inline ``style`` attributes and the tenant colour's ``<style>`` are allowed.
A header a response already sets (the download route's stricter policy, for example) is kept.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
"""The headers every response gets unless it sets them itself."""


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar ``before_send`` hook: add the missing :data:`SECURITY_HEADERS` to a response's start."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
