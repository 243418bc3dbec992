"""Control characters are refused in every text field, once, at the boundary.

A control character in a stored name or summary breaks what reads it later (an Excel export, a log line,
PostgreSQL for NUL), and no person types one. :class:`TextGuardMiddleware` runs for every route and
answers 400 ``validation_error``, naming each field, when a query parameter, an urlencoded form field or
any string anywhere in a JSON body (keys included) holds one. Multipart forms are never buffered here:
:mod:`cme_platform.files.receive` checks their text fields while it streams them, and text that arrives
inside files (the personnel import) is checked cell by cell in
:func:`cme_platform.personnel.validation.clean_person`.

Refused: C0 controls except tab, line feed and carriage return (so NUL is refused), DEL, C1 controls
(U+0080–U+009F) and lone surrogates. Exports replace the same characters in data stored before this
check existed (:func:`replace_control_characters`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType, ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from cme_platform.errors import FieldError, InvalidInput

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""What no text field may hold: C0 controls but tab/LF/CR, DEL, C1 controls and lone surrogates."""

REFUSED_MESSAGE = "提交的内容含有不允许的控制字符（不可见字符），请删除后重试"
FIELD_MESSAGE = "不能包含控制字符（不可见字符）"
NESTING_MESSAGE = "请求内容的层级过深"
MAX_REPORTED = 20
"""At most this many fields are named in one refusal."""

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a character no text field may hold (see :data:`CONTROL_CHARACTERS`)."""
    return CONTROL_CHARACTERS.search(text) is not None


def replace_control_characters(text: str) -> str:
    """``text`` with every refused character replaced by U+FFFD (for data stored before the check)."""
    return CONTROL_CHARACTERS.sub("\ufffd", text)


def refuse_control_characters(fields: Iterable[tuple[str, str]]) -> None:
    """Raise 400 ``validation_error`` naming every ``(field, text)`` whose name or text holds a control."""
    bad: list[FieldError] = []
    for name, text in fields:
        if has_control_characters(name) or has_control_characters(text):
            bad.append(FieldError(replace_control_characters(name), FIELD_MESSAGE))
            if len(bad) == MAX_REPORTED:
                break
    if bad:
        raise InvalidInput(REFUSED_MESSAGE, bad)


def json_strings(document: Any) -> Iterator[tuple[str, str]]:
    """Every string of a decoded JSON document, keys included, as ``(path, text)``; the path is written
    like msgspec's (``items[0].name``). Iterative, so any nesting depth msgspec accepts is fine."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                yield child, str(key)
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))


async def _body_fields(request: Request[Any, Any, Any]) -> Iterable[tuple[str, str]]:
    """The text fields of the body: urlencoded form fields, or the strings of a JSON document.

    Multipart bodies and routes without a body size limit (the streamed uploads) are left to their
    handlers; the body read here is cached for the handler, so it is read from the client only once.
    """
    if (
        request.scope["method"] not in BODY_METHODS
        or request.route_handler.resolve_request_max_body_size() is None
    ):
        return ()
    content_type = request.content_type[0]
    if content_type == RequestEncodingType.MULTI_PART:
        return ()
    if content_type == RequestEncodingType.URL_ENCODED:
        form = await request.form()
        return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    body = await request.body()
    if not body:
        return ()
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return ()  # not JSON: the handler answers for it
    except RecursionError as exc:  # nested deeper than any request needs (the handler would answer 500)
        raise InvalidInput(NESTING_MESSAGE, code="invalid_json") from exc
    return json_strings(document)


class TextGuardMiddleware(ASGIMiddleware):
    """Refuse (400 ``validation_error``) a request whose path parameters, query, form or JSON text holds a
    control character.

    On pages the refusal is shown as the error page, like every other error.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Check the path and query parameters and the body's text fields, then run the rest of the stack."""
        request: Request[Any, Any, Any] = Request(scope, receive, send)
        path_params = scope.get("path_params") or {}
        refuse_control_characters((name, v) for name, v in path_params.items() if isinstance(v, str))
        refuse_control_characters(request.query_params.multi_items())
        refuse_control_characters(await _body_fields(request))
        await next_app(scope, receive, send)
