"""Cross-site request forgery protection for everything the session cookie authenticates.

Each session has one random token (renewed at every sign-in). A visitor without a session (the sign-in
forms) gets a signed token in the cookie ``cme_csrf`` instead (HMAC-SHA256, key derived from
``CME_SECRET_KEY``; double submit), so showing a form to an anonymous visitor writes no session row.
Every unsafe request (POST, PUT, PATCH, DELETE) must carry the token, in the form field ``_csrf`` or the
header ``X-CSRF-Token``; otherwise :class:`CSRFMiddleware` answers 403 ``csrf_failed`` and the refusal is
audited (:func:`cme_platform.audit.refusals.record_refusal`). Exempt: requests with an
``Authorization: Bearer …`` header (API tokens carry no cookie authority) and routes marked
``opt={"csrf_exempt": True}``.

Templates: ``{{ csrf_input() }}`` renders the hidden field inside a ``<form method="post">``;
``csrf_token`` (from ``page_context``) is the bare token, e.g. for a ``<meta>`` tag read by scripts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from markupsafe import Markup, escape

from cme_platform.audit.refusals import record_refusal, request_summary
from cme_platform.errors import Forbidden
from cme_platform.identity.current import principal_of, session_accounts
from cme_platform.keys import derive_key
from cme_platform.tenancy.middleware import is_api_path, tenant_relative_path
from cme_platform.tenancy.scope import active_tenant_or_none

CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_EXEMPT_OPT = "csrf_exempt"
PRE_SESSION_COOKIE = "cme_csrf"
"""The cookie holding the signed token of a visitor without a session."""
CSRF_FAILED = "页面已过期或请求来源不可信，请刷新页面后重试"
_NEW_PRE_SESSION = "cme_new_csrf_cookie"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART)

_connection: ContextVar[ASGIConnection[Any, Any, Any, Any] | None] = ContextVar("cme_csrf_conn", default=None)


def _session(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    session = connection.scope.get("session")
    return session if isinstance(session, dict) else {}


def _signed(connection: ASGIConnection[Any, Any, Any, Any], nonce: str) -> str:
    key = derive_key(connection.app.state.settings.secret_key, b"cme-csrf-pre-session")
    return f"{nonce}.{hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()}"


def _pre_session_cookie(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The visitor's ``cme_csrf`` cookie when its signature is right."""
    value = connection.cookies.get(PRE_SESSION_COOKIE) or ""
    nonce = value.partition(".")[0]
    return value if nonce and _same(_signed(connection, nonce), value) else None


def _pre_session_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The signed token of a visitor without a session; a new one is set as cookie by the middleware."""
    state = connection.scope.setdefault("state", {})
    token = state.get(_NEW_PRE_SESSION) or _pre_session_cookie(connection)
    if not token:
        token = state[_NEW_PRE_SESSION] = _signed(connection, secrets.token_urlsafe(24))
    return str(token)


def csrf_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The CSRF token for a form: the session's (created when the session has none yet); without a
    session, the signed ``cme_csrf`` cookie's (which starts no session)."""
    session = _session(connection)
    token = session.get(CSRF_SESSION_KEY)
    if isinstance(token, str) and token:
        return token
    return renew_csrf_token(connection) if session else _pre_session_token(connection)


def expected_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token an unsafe request must carry: the session's, else the signed ``cme_csrf`` cookie's."""
    token = _session(connection).get(CSRF_SESSION_KEY)
    if isinstance(token, str) and token:
        return token
    return _pre_session_cookie(connection)


async def check_token(connection: ASGIConnection[Any, Any, Any, Any], given: str) -> None:
    """Refuse (403 ``csrf_failed``, audited) when ``given`` is not the :func:`expected_token`."""
    expected = expected_token(connection)
    if expected and given and _same(expected, given):
        return
    reason = "no_token_expected" if not expected else "token_missing" if not given else "token_mismatch"
    if active_tenant_or_none() is not None:
        await principal_of(connection)  # the record names the signed-in account, if any
    summary = f"表单来源校验失败（CSRF）：{request_summary(connection.scope)}"
    await record_refusal("security.csrf_refused", reason, summary=summary)
    raise Forbidden(CSRF_FAILED, code="csrf_failed")


def renew_csrf_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Replace the session's CSRF token (done at sign-in) and return the new one."""
    token = secrets.token_urlsafe(32)
    connection.scope["session"] = {**_session(connection), CSRF_SESSION_KEY: token}
    return token


class LazyCsrfToken:
    """The token for templates, created only when a template prints it (no session for plain visits)."""

    __slots__ = ("_connection",)

    def __init__(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        self._connection = connection

    def __str__(self) -> str:
        return csrf_token(self._connection)

    def __html__(self) -> str:
        return str(escape(str(self)))


@pass_context
def csrf_input(context: Context) -> Markup:
    """Jinja global: the hidden ``_csrf`` field for a POST form of the current request."""
    connection = context.get("request") or _connection.get()
    if not isinstance(connection, ASGIConnection):
        raise RuntimeError("csrf_input() needs the request being rendered")
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf_token(connection))


class _Template(jinja2.Template):
    """Drops Litestar's own ``csrf_input`` context string (for its unused CSRF config) at render time,
    so that templates get the :func:`csrf_input` global instead."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        if isinstance(kwargs.get("csrf_input"), str):
            del kwargs["csrf_input"]
        return super().render(*args, **kwargs)


def install_template_helpers(environment: jinja2.Environment) -> None:
    """Make ``csrf_input()`` available to every template of ``environment``."""
    environment.template_class = _Template
    environment.globals["csrf_input"] = csrf_input


@contextmanager
def _rendering_for(connection: ASGIConnection[Any, Any, Any, Any]) -> Iterator[None]:
    token = _connection.set(connection)
    try:
        yield
    finally:
        _connection.reset(token)


def _is_api_path(scope: Scope) -> bool:
    return is_api_path(tenant_relative_path(scope))


def is_exempt(request: Request[Any, Any, Any]) -> bool:
    """True when the request needs no CSRF token.

    Exempt: safe methods, bearer-token requests, routes marked ``csrf_exempt``, and API calls whose
    session holds no sign-in (they carry no cookie authority; the API answers 401). Pages are always
    checked, so that the sign-in forms themselves cannot be forged.
    """
    scope = request.scope
    if scope["method"] not in UNSAFE_METHODS or scope["route_handler"].opt.get(CSRF_EXEMPT_OPT):
        return True
    if request.headers.get("authorization", "")[:7].lower() == "bearer ":
        return True
    return _is_api_path(scope) and not session_accounts(request)


async def submitted_token(request: Request[Any, Any, Any]) -> str:
    """The token the request carries: the ``X-CSRF-Token`` header, else the ``_csrf`` form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type[0] in FORM_TYPES:
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def _same(expected: str, given: str) -> bool:
    return secrets.compare_digest(expected.encode(), given.encode())


class CSRFMiddleware(ASGIMiddleware):
    """Reject unsafe requests whose token is missing or wrong (403 ``csrf_failed``); set the ``cme_csrf``
    cookie when a page gave a visitor without a session a new token.

    Must run inside the session middleware. The form body it reads is cached for the handler.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Check the token, then run the rest of the stack with the request bound for ``csrf_input``."""
        request: Request[Any, Any, Any] = Request(scope, receive, send)
        if not is_exempt(request):
            await check_token(request, await submitted_token(request))

        async def send_with_cookie(message: Message) -> None:
            token = scope["state"].get(_NEW_PRE_SESSION)
            if message["type"] == "http.response.start" and token:
                cookie = Cookie(key=PRE_SESSION_COOKIE, value=token, path="/", httponly=True, samesite="lax")
                MutableScopeHeaders.from_message(message).add("Set-Cookie", cookie.to_header(header=""))
            await send(message)

        with _rendering_for(request):
            await next_app(scope, receive, send_with_cookie)
