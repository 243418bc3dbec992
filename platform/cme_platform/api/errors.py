"""Errors with a stable body for the JSON API (the UI renders the same body as a page).

Every error the API returns has the shape ``{"code": …, "message": …, "errors": [{"field": …,
"message": …}]}``: ``code`` is a stable English token for programs, ``message`` is Simplified Chinese for
people, ``errors`` lists field problems (possibly empty).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from cme_platform.errors import Conflict, DomainError, FieldError, Forbidden, InvalidInput, NotFound

__all__ = [
    "Conflict",
    "DomainError",
    "ErrorBody",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "error_body_for",
    "json_error",
    "translate_validation",
    "wants_json",
]

log = logging.getLogger("cme.errors")


class ErrorBody(msgspec.Struct, frozen=True):
    """The body of every error response of the JSON API."""

    code: str
    message: str
    errors: list[FieldError] = msgspec.field(default_factory=list)


STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式有误"),
    401: ("not_authenticated", "请先登录"),
    403: ("forbidden", "没有权限访问"),
    404: ("not_found", "页面或数据不存在"),
    405: ("method_not_allowed", "不支持该请求方式"),
    409: ("conflict", "数据冲突"),
    413: ("body_too_large", "提交的内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后再试"),
}

_MSGSPEC_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Object missing required field `(?P<f>[^`]+)`"), "必填项，不能为空"),
    (re.compile(r"Object contains unknown field `(?P<f>[^`]+)`"), "不认识的字段"),
    (re.compile(r"Expected `str` of length >= (?P<n>\d+)"), "至少需要 {n} 个字符"),
    (re.compile(r"Expected `str` of length <= (?P<n>\d+)"), "不能超过 {n} 个字符"),
    (re.compile(r"Expected `str` matching regex"), "格式不正确"),
    (re.compile(r"Expected `(int|float)` >= (?P<n>-?[\d.]+)"), "不能小于 {n}"),
    (re.compile(r"Expected `(int|float)` <= (?P<n>-?[\d.]+)"), "不能大于 {n}"),
    (re.compile(r"Invalid enum value"), "不是允许的取值"),
    (re.compile(r"Expected `int`"), "应为整数"),
    (re.compile(r"Expected `(bool)`"), "应为 true 或 false"),
    (re.compile(r"Expected `str`"), "应为文本"),
    (re.compile(r"Expected `(array|object)`"), "数据结构不正确"),
]
_PATH_RE = re.compile(r"at `\$\.(?P<path>[^`]+)`")


def translate_validation(message: str) -> FieldError:
    """Turn one msgspec/Litestar validation message into a field error in Simplified Chinese."""
    field = ""
    path = _PATH_RE.search(message)
    if path:
        field = path.group("path")
    for pattern, template in _MSGSPEC_PATTERNS:
        match = pattern.search(message)
        if match:
            groups = match.groupdict()
            if groups.get("f"):
                field = f"{field}.{groups['f']}" if field else groups["f"]
            return FieldError(field=field, message=template.format(**groups))
    return FieldError(field=field, message="取值不正确")


def _field_errors(exc: ValidationException) -> list[FieldError]:
    errors: list[FieldError] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        translated = translate_validation(str(item.get("message", "")))
        key = item.get("key")
        field = translated.field or (str(key) if key and key != "body" else "")
        errors.append(FieldError(field=field, message=translated.message))
    return errors


def error_body_for(exc: Exception) -> tuple[int, ErrorBody]:
    """The status and body the platform answers for ``exc``."""
    if isinstance(exc, DomainError):
        return exc.status_code, ErrorBody(exc.code, exc.message, list(exc.errors))
    if isinstance(exc.__cause__, SerializationException) and getattr(exc, "status_code", 0) == 400:
        return 400, ErrorBody("invalid_json", "请求内容不是有效的 JSON")
    if isinstance(exc, ValidationException):
        errors = _field_errors(exc)
        return 400, ErrorBody("validation_error", "提交的数据有误，请检查标注的字段", errors)
    if isinstance(exc, HTTPException):
        status = exc.status_code
        code, default = STATUS_CODES.get(status, (f"http_{status}", "请求无法完成"))
        detail = str(exc.detail or "")
        message = detail if _is_chinese(detail) else default
        return status, ErrorBody(code, message)
    log.exception("unhandled error", exc_info=exc)
    code, message = STATUS_CODES[500]
    return HTTP_500_INTERNAL_SERVER_ERROR, ErrorBody(code, message)


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def wants_json(request: Request[Any, Any, Any]) -> bool:
    """True for API requests (``/api/…`` or a plugin's ``/p/<name>/api/…`` inside the tenant) and clients
    that ask for JSON only."""
    from cme_platform.tenancy.middleware import is_api_path, tenant_relative_path

    if is_api_path(tenant_relative_path(request.scope)):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def json_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The JSON answer for ``exc`` (its status, the error body and any headers it carries)."""
    status, body = error_body_for(exc)
    return Response(content=body, status_code=status, headers=getattr(exc, "headers", None) or None)
