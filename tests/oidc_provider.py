"""A small, real OpenID provider for the single sign-on tests, served on loopback from a thread.

It speaks the authorization code flow with PKCE: discovery, an authorization endpoint that approves the
configured user at once (redirecting back with ``code`` and ``state``), a token endpoint that checks the
client secret (HTTP Basic or form), the redirect URI, the PKCE S256 verifier and that a code is used only
once, a JWKS with an RS256 key made by joserfc, and userinfo. Tests change ``user``, ``userinfo`` and
``id_token_overrides`` to exercise the relying party's checks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey


class OidcProvider:
    """The provider's state; :meth:`start` serves it at :attr:`issuer` (``http://127.0.0.1:<port>``)."""

    def __init__(self, client_id: str = "cme", client_secret: str = "provider-secret") -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        self.user: dict[str, Any] = {"sub": "subject-1", "preferred_username": "commission"}
        """Claims of the approved user put into the ID token."""
        self.userinfo: dict[str, Any] = {}
        """Extra claims only the userinfo endpoint returns (with the user's ``sub``)."""
        self.id_token_overrides: dict[str, Any] = {}
        """Claims replaced in the next ID tokens (e.g. ``nonce``, ``aud``, ``exp``)."""
        self.signing_key: RSAKey | None = None
        """Sign ID tokens with this key instead of the published one (a forged token)."""
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.token_errors: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def issuer(self) -> str:
        """The issuer URL (also the base of every endpoint)."""
        assert self._server is not None, "start() the provider first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> OidcProvider:
        """Serve on a free loopback port in a daemon thread."""
        provider = self

        class Handler(_Handler):
            owner = provider

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def reset(self) -> None:
        """Forget codes, tokens and per-test overrides."""
        self.user = {"sub": "subject-1", "preferred_username": "commission"}
        self.userinfo = {}
        self.id_token_overrides = {}
        self.signing_key = None
        self.codes.clear()
        self.access_tokens.clear()
        self.token_errors.clear()

    def discovery(self) -> dict[str, Any]:
        """The OpenID discovery document."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        """Approve the configured user: redirect to ``redirect_uri`` with a fresh code and the state."""
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {}, {"error": "unauthorized_client"}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, {"error": "invalid_request", "error_description": "PKCE S256 required"}
        if "openid" not in query.get("scope", "").split():
            return 400, {}, {"error": "invalid_scope"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": query.get("redirect_uri", ""),
            "challenge": query["code_challenge"],
            "nonce": query.get("nonce"),
            "user": dict(self.user),
        }
        target = (
            f"{query.get('redirect_uri', '')}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        )
        return 302, {"Location": target}, None

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, str], Any]:
        """Exchange a code: client secret, single use, redirect URI and PKCE verifier are all checked."""
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != self.client_id or client_secret != self.client_secret:
            return self._token_error("invalid_client", 401)
        if form.get("grant_type") != "authorization_code":
            return self._token_error("unsupported_grant_type")
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None:
            return self._token_error("invalid_grant")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._token_error("invalid_grant")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or challenge != grant["challenge"]:
            return self._token_error("invalid_grant")
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["user"],
            **self.id_token_overrides,
        }
        claims = {k: v for k, v in claims.items() if v is not None}
        id_token = jwt.encode(
            {"alg": "RS256", "kid": "test-key"}, claims, self.signing_key or self.key, algorithms=["RS256"]
        )
        access_token = secrets.token_urlsafe(16)
        self.access_tokens[access_token] = grant["user"]
        body = {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        return 200, {}, body

    def _token_error(self, error: str, status: int = 400) -> tuple[int, dict[str, str], Any]:
        self.token_errors.append(error)
        return status, {}, {"error": error}

    def userinfo_response(self, authorization: str) -> tuple[int, dict[str, str], Any]:
        """The user's claims for a valid access token."""
        user = self.access_tokens.get(authorization.removeprefix("Bearer ").strip())
        if user is None:
            return 401, {}, {"error": "invalid_token"}
        return 200, {}, {**user, **self.userinfo}


class _Handler(BaseHTTPRequestHandler):
    owner: OidcProvider

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        owner = self.owner
        if url.path == "/.well-known/openid-configuration":
            self._send(200, {}, owner.discovery())
        elif url.path == "/jwks":
            self._send(200, {}, {"keys": [owner.key.as_dict(private=False)]})
        elif url.path == "/authorize":
            self._send(*owner.authorize(query))
        elif url.path == "/userinfo":
            self._send(*owner.userinfo_response(self.headers.get("Authorization", "")))
        else:
            self._send(404, {}, {"error": "not_found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if urlsplit(self.path).path == "/token":
            self._send(*self.owner.token(form, self.headers.get("Authorization", "")))
        else:
            self._send(404, {}, {"error": "not_found"})
