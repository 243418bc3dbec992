"""The core's domain errors: what a service raises, with its HTTP status, code, message and field errors.

Imports no web code: services raise these, and the web layer (:mod:`cme_platform.api.errors` for the JSON
API, :mod:`cme_admin_ui.error_pages` for pages) turns them into answers.
"""

from __future__ import annotations

import msgspec


class FieldError(msgspec.Struct, frozen=True):
    """One problem with one input field."""

    field: str
    message: str


class DomainError(Exception):
    """An error raised by a service with its HTTP status, code, message and field errors."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self, message: str, errors: list[FieldError] | None = None, *, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        if code:
            self.code = code


class InvalidInput(DomainError):
    """The request is well-formed but its values are not acceptable (400 ``validation_error``)."""

    code = "validation_error"


class NotFound(DomainError):
    """The object does not exist in the active tenant, or the caller may not see it (404)."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The change collides with existing data, such as a duplicate code (409)."""

    status_code = 409
    code = "conflict"


class Forbidden(DomainError):
    """The caller is signed in but may not do this (403)."""

    status_code = 403
    code = "forbidden"


class TooManyRequests(DomainError):
    """Too many attempts within a rate limit's window (429 ``too_many_requests``)."""

    status_code = 429
    code = "too_many_requests"


class Unavailable(DomainError):
    """Something the platform depends on did not answer (another platform, a gateway): 503, try later."""

    status_code = 503
    code = "unavailable"
