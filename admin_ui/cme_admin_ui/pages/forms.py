"""Turning submitted HTML forms into validated schema values, with field errors in Chinese."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, TypeVar

import msgspec
from cme_platform import clock
from cme_platform.api.errors import translate_validation
from cme_platform.errors import DomainError, FieldError
from litestar import Request
from litestar.response import Redirect

from cme_admin_ui.pages.credits import back
from cme_admin_ui.shell import flash

T = TypeVar("T")


class FormErrors(Exception):
    """The form has problems; ``errors`` maps field names to messages for the template."""

    def __init__(self, message: str, errors: dict[str, str]) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


def clean_form(
    form: dict[str, Any], *, optional_ints: tuple[str, ...] = (), booleans: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Trim strings; empty optional integer fields become ``None``; checkbox fields become booleans."""
    cleaned: dict[str, Any] = {}
    for key, value in form.items():
        if key.startswith("_"):
            continue
        text = value.strip() if isinstance(value, str) else value
        if key in optional_ints and text == "":
            text = None
        cleaned[key] = text
    for key in booleans:
        cleaned[key] = form.get(key) in ("on", "true", "1")
    return cleaned


def parse_form(data: dict[str, Any], schema: type[T]) -> T:
    """Convert form values (strings) into ``schema``; raise :class:`FormErrors` on the first problem."""
    try:
        return msgspec.convert(data, schema, strict=False)
    except msgspec.ValidationError as exc:
        error = translate_validation(str(exc))
        raise FormErrors("请检查标注的字段", {error.field or "_": error.message}) from exc


def domain_form_errors(exc: DomainError) -> FormErrors:
    """A service error as form errors (field errors by field, the message for the form as a whole)."""
    errors: dict[str, str] = {e.field or "_": e.message for e in exc.errors}
    errors.setdefault("_", exc.message)
    return FormErrors(exc.message, errors)


async def act(request: Request[Any, Any, Any], done: str, to: str, failed_to: str, action: Any) -> Redirect:
    """Run ``action``; say ``done`` and go to ``to``, or say why not and go to ``failed_to``."""
    try:
        await action
    except DomainError as exc:
        flash(request, exc.message)
        return back(request, failed_to)
    flash(request, done)
    return back(request, to)


def china_moment(day: str, at: str) -> datetime | str:
    """A China-time moment from a date and a time field (the text itself when they do not parse)."""
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(at), tzinfo=clock.CHINA)
    except ValueError:
        return f"{day} {at}"


def session_form_data(values: dict[str, str], texts: tuple[str, ...]) -> dict[str, Any]:
    """A session's schema values from its form: the ``texts`` fields as typed, its start and end from the
    day and the two clock times, and the hours when typed."""
    return {
        **{name: values.get(name, "") for name in texts},
        "starts_at": china_moment(values.get("day", ""), values.get("start", "")),
        "ends_at": china_moment(values.get("day", ""), values.get("end", "")),
        **({"hours": values["hours"]} if values.get("hours") else {}),
    }


def session_form_errors(errors: dict[str, str]) -> dict[str, str]:
    """The service's field names as the session form's (its times are a day and two clock times)."""
    names = {"starts_at": "start", "ends_at": "end"}
    return {names.get(field, field): message for field, message in errors.items()}


__all__ = [
    "FieldError",
    "FormErrors",
    "act",
    "china_moment",
    "clean_form",
    "domain_form_errors",
    "parse_form",
    "session_form_data",
    "session_form_errors",
]
