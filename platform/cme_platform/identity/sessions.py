"""Server-side sessions kept in the database (table ``identity_session``).

The browser holds only a random session id (cookie ``cme_session``); the data — the ``{tenant slug:
account id}`` sign-ins and the CSRF token — lives in the database, so sessions survive a restart and
are shared by every app instance. Rows are keyed by a keyed hash of the id (HMAC-SHA256, key derived from
``CME_SECRET_KEY``), so a copy of the table cannot be replayed as cookies. A session expires after
:data:`IDLE_TIMEOUT` without use; each use renews it, and expired rows are purged opportunistically when
sessions are written.

Anonymous requests that never touch the session create no row (the sign-in forms' CSRF token lives in
a signed cookie until sign-in, see :mod:`cme_platform.identity.csrf`). Signing in rotates the session id
(:func:`rotate_session`) so that an id planted before sign-in is worthless afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

from cme_platform.identity.tables import Session
from cme_platform.keys import derive_key
from cme_platform.settings import get_settings

SESSION_COOKIE = "cme_session"
SESSION_STORE = "sessions"
IDLE_TIMEOUT = timedelta(hours=12)
"""A session unused for this long is gone (each request renews it)."""
RENEW_AFTER = timedelta(hours=1)
"""Renew the expiry at most this often, so that a busy session is not written on every request (each
renewal is a durable write of its own: at a venue, the first request of every phone)."""
PURGE_EVERY_SECONDS = 600.0
_ROTATED_ID = "cme_rotated_session_id"
_LOADED = "cme_loaded_session"


def _seconds(value: int | timedelta | None) -> timedelta | None:
    if value is None:
        return None
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


class DatabaseSessionStore(Store):
    """A Litestar :class:`~litestar.stores.base.Store` on the ``identity_session`` table.

    The store's keys (session ids) are never written: each row's ``key`` is :meth:`row_key` of the id.
    """

    __slots__ = ("_hash_key", "_last_purge")

    def __init__(self, secret: str | None = None) -> None:
        self._hash_key = derive_key(secret or get_settings().secret_key, b"cme-session-id")
        self._last_purge = 0.0

    def row_key(self, key: str) -> str:
        """The stored key of the session id ``key``: its HMAC-SHA256 (64 hex characters)."""
        return hmac.new(self._hash_key, key.encode(), hashlib.sha256).hexdigest()

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        """Insert or replace ``key`` (expiring after ``expires_in``); purge expired rows now and then."""
        data = value.encode() if isinstance(value, str) else value
        lifetime = _seconds(expires_in)
        expires_at = datetime.now(UTC) + lifetime if lifetime else None
        await Session.insert(Session(key=self.row_key(key), data=data, expires_at=expires_at)).on_conflict(
            target=Session.key, action="DO UPDATE", values=[Session.data, Session.expires_at]
        )
        await self._purge_now_and_then()

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        """The live value of ``key``; ``renew_for`` pushes its expiry forward (at most once per
        :data:`RENEW_AFTER`)."""
        now = datetime.now(UTC)
        key = self.row_key(key)
        row = await Session.select(Session.data, Session.expires_at).where(Session.key == key).first()
        if row is None or (row["expires_at"] is not None and row["expires_at"] <= now):
            return None
        renewal = _seconds(renew_for)
        if renewal and row["expires_at"] is not None and now + renewal - row["expires_at"] > RENEW_AFTER:
            await Session.update({Session.expires_at: now + renewal}).where(Session.key == key)
        return bytes(row["data"])

    async def delete(self, key: str) -> None:
        """Remove ``key`` (no error when it does not exist)."""
        await Session.delete().where(Session.key == self.row_key(key))

    async def delete_all(self) -> None:
        """Remove every session (everybody is signed out)."""
        await Session.delete(force=True)

    async def exists(self, key: str) -> bool:
        """True when ``key`` holds a live session."""
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        """Seconds until ``key`` expires (``None`` when absent or without expiry)."""
        row = await Session.select(Session.expires_at).where(Session.key == self.row_key(key)).first()
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - datetime.now(UTC)).total_seconds())

    async def purge_expired(self) -> None:
        """Delete every expired session."""
        await Session.delete().where(Session.expires_at <= datetime.now(UTC))

    async def _purge_now_and_then(self) -> None:
        if time.monotonic() - self._last_purge >= PURGE_EVERY_SECONDS:
            self._last_purge = time.monotonic()
            await self.purge_expired()


class DatabaseSessionBackend(ServerSideSessionBackend):
    """The server-side backend with three changes: no row for an empty session, no write for an
    unchanged one (reading it renewed its expiry), and id rotation."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        """The rotated id when :func:`rotate_session` ran in this request, else the cookie's or a new one."""
        rotated = connection.scope.get("state", {}).get(_ROTATED_ID)
        return rotated or super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        """The session of the cookie's id (empty when there is none); remembers the stored bytes."""
        session_id = connection.cookies.get(self.config.key)
        if not session_id or session_id == "null":
            return {}
        data = await self.get(session_id, store=self.config.get_store_from_app(connection.scope["app"]))
        if data is None:
            return {}
        connection.scope.setdefault("state", {})[_LOADED] = data
        return self.deserialize_data(data)

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        """Save a changed session; for an empty one drop the row and the cookie if there was one."""
        state = connection.scope.get("state", {})
        if scope_session is not Empty and scope_session:
            unchanged = not state.get(_ROTATED_ID) and state.get(_LOADED) == self.serialize_data(
                scope_session, connection.scope
            )
            if unchanged:
                self._add_cookie(message, connection.cookies[self.config.key])
            else:
                await super().store_in_message(scope_session, message, connection)
            return
        session_id = connection.cookies.get(self.config.key)
        if not session_id or session_id == "null":
            return
        await self.delete(session_id, store=self.config.get_store_from_app(connection.scope["app"]))
        self._add_cookie(message, "null", expires=0)

    def _add_cookie(self, message: Message, value: str, **extra: Any) -> None:
        params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        cookie = Cookie(value=value, key=self.config.key, **{**params, **extra})
        MutableScopeHeaders.from_message(message).add("Set-Cookie", cookie.to_header(header=""))


class DatabaseSessionConfig(ServerSideSessionConfig):
    """Session configuration using :class:`DatabaseSessionBackend`."""

    _backend_class = DatabaseSessionBackend


def session_config() -> DatabaseSessionConfig:
    """The platform's session settings: database store, HttpOnly + SameSite=Lax cookie, 12 h idle expiry.

    The ``Secure`` attribute is added per request on HTTPS by
    :class:`cme_platform.identity.cookies.SecureCookieMiddleware`.
    """
    return DatabaseSessionConfig(
        key=SESSION_COOKIE,
        store=SESSION_STORE,
        httponly=True,
        samesite="lax",
        max_age=int(IDLE_TIMEOUT.total_seconds()),
        renew_on_access=True,
    )


async def rotate_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Give the session a new id (keeping its data) and delete the old row: call on every sign-in."""
    old_id = connection.cookies.get(SESSION_COOKIE)
    if old_id and old_id != "null":
        await connection.app.stores.get(SESSION_STORE).delete(old_id)
    connection.scope.setdefault("state", {})[_ROTATED_ID] = secrets.token_hex(32)
