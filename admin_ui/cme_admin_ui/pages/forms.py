"""Turning submitted HTML forms into validated schema values, with field errors in Chinese."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from cme_platform.api.errors import translate_validation
from cme_platform.errors import DomainError, FieldError

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


__all__ = ["FieldError", "FormErrors", "clean_form", "domain_form_errors", "parse_form"]
