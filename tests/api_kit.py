"""Helpers for tests that drive the JSON API: answers that must succeed or be refused in Chinese."""

from __future__ import annotations

from typing import Any

from cme_platform.testkit.pytest_plugin import CSRF_HEADER


def ok(response: Any, status: int = 200) -> Any:
    """The JSON of ``response``, which must have ``status``."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def refused(response: Any, status: int, message: str | None = None) -> dict[str, Any]:
    """The error body of ``response``: ``status``, a Chinese ``message`` (``message`` when given)."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    body: dict[str, Any] = response.json()
    assert set(body) >= {"code", "message", "errors"}, body
    if message is not None:
        assert body["message"] == message, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    return body


def field_messages(body: dict[str, Any]) -> dict[str, str]:
    """The error body's field errors, by field."""
    return {e["field"]: e["message"] for e in body["errors"]}


def sign_out(client: Any) -> None:
    """Make the client a visitor."""
    client.cookies.clear()
    client.headers.pop(CSRF_HEADER, None)
