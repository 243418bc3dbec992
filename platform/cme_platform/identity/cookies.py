"""Cookies get the ``Secure`` attribute whenever the request came over HTTPS.

The scheme is the ASGI scope's: behind a reverse proxy that terminates TLS, run uvicorn with
``--proxy-headers`` (and ``--forwarded-allow-ips``) so that ``X-Forwarded-Proto: https`` sets it.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def secure_cookie_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with ``; Secure`` appended to every ``Set-Cookie`` that lacks it."""
    return [
        (name, value + b"; Secure")
        if name.lower() == b"set-cookie" and b"; secure" not in value.lower()
        else (name, value)
        for name, value in headers
    ]


class SecureCookieMiddleware(ASGIMiddleware):
    """Mark every cookie ``Secure`` on HTTPS requests (place it outside the session middleware)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Pass the request on; on HTTPS rewrite the response's ``Set-Cookie`` headers."""
        if scope.get("scheme") != "https":
            await next_app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secure_cookie_headers(list(message.get("headers", [])))
            await send(message)

        await next_app(scope, receive, send_secure)
