"""The OpenAPI document as the API really answers, and the API reference page that renders it.

Litestar generates the paths and the request/response shapes from the route handlers; :func:`openapi_document`
then makes the document exact, once per application:

- only the JSON API (``/api/…``) and the signed download links (``/files/…``) are described;
- every error response is the platform's :class:`~cme_platform.api.errors.ErrorBody` (``{code, message,
  errors}``), under the statuses the operation can answer: 400 for operations with parameters or a body,
  401 and 403 for guarded operations, 404 for every operation (an unknown tenant is a 404 too), 409 for
  writes, 413 for operations with a body, 415 for multipart uploads, 429 where a route declares it
  (``responses=RATE_LIMITED``);
- ``securitySchemes`` name the session cookie (plus the CSRF header for writes) and the bearer API token,
  and every guarded operation says it needs one of them;
- a person's create body names its required fields (the same body type serves edits, where nothing is);
- upload and download routes describe their bodies through :func:`upload_operation` and
  :func:`download_operation` (their handlers read and stream raw bytes, which Litestar cannot see).

The reference page (``/schema``) is Swagger UI from the ``swagger-ui-bundle-v2`` package, served from
``/schema/assets/`` with an initialiser script of our own: no CDN and no inline script, so it works under a
``default-src 'self'`` content security policy.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import MediaType, Request, Router, get
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
    Server,
    ServerVariable,
)
from litestar.static_files import create_static_files_router

from cme_platform.api.errors import STATUS_CODES, ErrorBody
from cme_platform.identity.csrf import CSRF_HEADER
from cme_platform.identity.sessions import SESSION_COOKIE

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.handlers import HTTPRouteHandler

DOCUMENTED_PREFIXES = ("/api/", "/files/")
"""Paths the document describes: the JSON API and the download links it hands out."""

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
ERROR_SCHEMA_REF = "#/components/schemas/ErrorBody"

ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The body is not JSON (`invalid_json`) or a value is not acceptable (`validation_error`); "
    "`errors` names each field.",
    401: "Not signed in to this tenant (`not_authenticated`), or the bearer token is invalid, expired or "
    "revoked (`invalid_token`, with a `WWW-Authenticate` header).",
    403: "Signed in, but the role or org unit does not allow it (`forbidden`), the CSRF token is missing "
    "(`csrf_failed`) or the initial password must be changed first (`password_change_required`).",
    404: "Unknown tenant, unknown ID, or an object outside the caller's reach (`not_found`).",
    409: "The change collides with existing data or with the object's state (`conflict`).",
    413: "The body is larger than the limit (`body_too_large`).",
    415: "The uploaded file's type is not accepted (`unsupported_media_type`).",
    429: "Too many requests of this kind (`too_many_requests`); `message` says when to retry.",
}
"""Every error status the API documents, with when it is answered (the ``code`` values in brackets)."""

RATE_LIMITED: dict[int, ResponseSpec] = {
    429: ResponseSpec(data_container=ErrorBody, description=ERROR_DESCRIPTIONS[429])
}
"""``responses=`` of a route that answers 429 beyond a rate limit (the document then lists the 429)."""

RESPONSE_NAMES: dict[int, str] = {
    400: "BadRequest",
    401: "NotAuthenticated",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    413: "BodyTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
}

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The web UI's session, set by signing in at /login of the tenant.",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": CSRF_HEADER,
        "description": "With the session cookie, every write also sends the page's CSRF token "
        '(`<meta name="csrf-token">`).',
    },
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An API token (POST /api/identity/tokens); bearer requests need no CSRF token.",
    },
}
READ_SECURITY: list[dict[str, list[str]]] = [{"session": []}, {"bearer": []}]
WRITE_SECURITY: list[dict[str, list[str]]] = [{"session": [], "csrf": []}, {"bearer": []}]

PERSON_CREATE_PATH = "/api/personnel/people"


def person_create_required() -> list[str]:
    """The fields a new person must have (the edit body of the same type has none required)."""
    from cme_platform.personnel.validation import REQUIRED

    return ["institution_id", *REQUIRED]


def upload_operation(*, purposes: Iterable[str] = (), also_ok: int | None = None) -> type[Operation]:
    """An ``operation_class`` for an upload route: documents its ``multipart/form-data`` body.

    The body has the text field ``purpose`` (one of ``purposes`` when given; sent before the file) and the
    binary field ``file``; ``also_ok`` adds a second success status (a retry answered 200 beside 201).
    """
    allowed = sorted(purposes)
    purpose = Schema(
        type=OpenAPIType.STRING,
        max_length=32,
        enum=allowed or None,
        description="What the file is for (GET /api/files/purposes); send it before `file`",
    )
    body_schema = Schema(
        type=OpenAPIType.OBJECT,
        properties={"purpose": purpose, "file": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)},
        required=["file", "purpose"],
    )

    @dataclass
    class UploadOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                content={"multipart/form-data": OpenAPIMediaType(schema=body_schema)}, required=True
            )
            if also_ok is not None and self.responses:
                created = next(iter(self.responses.values()))
                self.responses[str(also_ok)] = copy.copy(created)

    return UploadOperation


def download_operation() -> type[Operation]:
    """An ``operation_class`` for a download route: any content type, and 403 for a forged or expired link."""

    @dataclass
    class DownloadOperation(Operation):
        def __post_init__(self) -> None:
            for status, response in (self.responses or {}).items():
                if status.startswith("2") and isinstance(response, OpenAPIResponse):
                    response.content = {
                        "*/*": OpenAPIMediaType(
                            schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                        )
                    }
            if self.responses is not None:
                self.responses["403"] = OpenAPIResponse(description="The link is forged or has expired.")

    return DownloadOperation


def _error_components() -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``ErrorBody``/``FieldError`` schemas and one named response per documented error status."""
    (_,), schemas = msgspec.json.schema_components([ErrorBody], ref_template="#/components/schemas/{name}")
    # msgspec always writes every field, so a response always carries all three.
    schemas["ErrorBody"]["required"] = sorted(ErrorBody.__struct_fields__)
    responses = {}
    for status, name in RESPONSE_NAMES.items():
        code, message = STATUS_CODES[status]
        responses[name] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {
                "application/json": {
                    "schema": {"$ref": ERROR_SCHEMA_REF},
                    "example": {"code": code, "message": message, "errors": []},
                }
            },
        }
    return schemas, responses


def _handlers(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    """Every HTTP route handler by (path as the document writes it, lower-case method)."""
    from litestar.routes import HTTPRoute

    found: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                found[(route.path_format or "/", method.lower())] = handler
    return found


def _error_statuses(method: str, operation: dict[str, Any], guarded: bool) -> set[int]:
    """The error statuses an operation can answer besides those its route declares."""
    statuses = {404}
    has_body = "requestBody" in operation
    if operation.get("parameters") or has_body:
        statuses.add(400)
    if guarded:
        statuses |= {401, 403}
    if method in WRITE_METHODS:
        statuses.add(409)
    if has_body:
        statuses.add(413)
        if "multipart/form-data" in operation["requestBody"].get("content", {}):
            statuses.add(415)
    return statuses


def _exact_operation(
    path: str, method: str, operation: dict[str, Any], handler: HTTPRouteHandler | None
) -> None:
    guarded = bool(handler and handler.resolve_guards())
    responses: dict[str, Any] = operation.setdefault("responses", {})
    statuses = _error_statuses(method, operation, guarded)
    for key in list(responses):
        if key.isdigit() and int(key) >= 400:
            statuses.add(int(key))
            del responses[key]
    for status in sorted(statuses):
        name = RESPONSE_NAMES.get(status)
        if name is not None and path.startswith("/api/"):
            responses[str(status)] = {"$ref": f"#/components/responses/{name}"}
            continue
        response: dict[str, Any] = {
            "description": ERROR_DESCRIPTIONS.get(status, STATUS_CODES.get(status, ("", "请求无法完成"))[1]),
            "content": {"application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}}},
        }
        if not path.startswith("/api/"):
            # Outside /api/ a browser gets the error as a page; JSON only when it asks for JSON alone.
            response["content"]["text/html"] = {"schema": {"type": "string"}}
        responses[str(status)] = response
    if guarded:
        operation["security"] = copy.deepcopy(WRITE_SECURITY if method in WRITE_METHODS else READ_SECURITY)
    else:
        operation["security"] = []


def _person_create_body(document: dict[str, Any]) -> None:
    """Give the person-create operation a body schema that names its required fields."""
    schemas = document["components"]["schemas"]
    operation = document["paths"].get(PERSON_CREATE_PATH, {}).get("post")
    if operation is None or "PersonIn" not in schemas:
        return
    create = copy.deepcopy(schemas["PersonIn"])
    create["title"] = "PersonCreate"
    create["required"] = person_create_required()
    schemas["PersonCreate"] = create
    operation["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/PersonCreate"
    }


def make_exact(app: Litestar, generated: dict[str, Any]) -> dict[str, Any]:
    """The document Litestar ``generated`` for ``app``, made to say what the API really answers."""
    document = copy.deepcopy(generated)
    handlers = _handlers(app)
    document["paths"] = {
        path: item for path, item in document.get("paths", {}).items() if path.startswith(DOCUMENTED_PREFIXES)
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                _exact_operation(path, method, operation, handlers.get((path, method)))
    components = document.setdefault("components", {})
    error_schemas, error_responses = _error_components()
    components.setdefault("schemas", {}).update(error_schemas)
    components["responses"] = error_responses
    components["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    _person_create_body(document)
    return document


_LOCK = threading.Lock()


def openapi_document(app: Litestar) -> dict[str, Any]:
    """The exact OpenAPI document of ``app`` (built on first use, then kept on the app's state)."""
    document: dict[str, Any] | None = getattr(app.state, "openapi_document", None)
    if document is None:
        with _LOCK:
            document = getattr(app.state, "openapi_document", None)
            if document is None:
                document = make_exact(app, app.openapi_schema.to_schema())
                app.state.openapi_document = document
    return document


class ExactJsonRenderPlugin(JsonRenderPlugin):
    """Serves :func:`openapi_document` at ``/schema/openapi.json``."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The exact document as JSON (``openapi_schema``, Litestar's own, is the starting point)."""
        return self.render_json(request, openapi_document(request.app))


REFERENCE_ASSETS_PATH = "/assets"
REFERENCE_SCRIPT_PATH = "/reference.js"

_REFERENCE_SCRIPT = b"""\
// Starts Swagger UI on the API reference page (a file of its own so that the page needs no inline script).
window.addEventListener("load", function () {
  var page = document.getElementById("api-reference");
  window.ui = SwaggerUIBundle({
    url: page.getAttribute("data-openapi-url"),
    dom_id: "#api-reference",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
"""


class ApiReferencePlugin(OpenAPIRenderPlugin):
    """The readable API reference at ``/schema``: Swagger UI from an installed package, no CDN.

    The assets are served from ``/schema/assets/``; the page loads them and ``/schema/reference.js`` and
    has no inline script or style, so it works under ``default-src 'self'``.
    """

    def __init__(self, *, path: str = "/") -> None:
        super().__init__(path=path, media_type=MediaType.HTML)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The page: a container Swagger UI fills from the OpenAPI document."""
        base = request.app.route_reverse("openapi_reference_script").rsplit("/", 1)[0]
        json_url = self.get_openapi_json_route(request)
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CME API 参考</title>
<link rel="stylesheet" href="{base}{REFERENCE_ASSETS_PATH}/swagger-ui.css">
<link rel="icon" href="{base}{REFERENCE_ASSETS_PATH}/favicon-32x32.png">
</head>
<body>
<div id="api-reference" data-openapi-url="{json_url}"></div>
<script src="{base}{REFERENCE_ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script src="{base}{REFERENCE_SCRIPT_PATH}"></script>
</body>
</html>
""".encode()

    def receive_router(self, router: Router) -> None:
        """Add the Swagger UI assets and the initialiser script to the OpenAPI router."""
        from swagger_ui_bundle import swagger_ui_path

        @get(
            REFERENCE_SCRIPT_PATH,
            media_type="text/javascript",
            sync_to_thread=False,
            include_in_schema=False,
            name="openapi_reference_script",
        )
        def reference_script() -> bytes:
            return _REFERENCE_SCRIPT

        router.register(reference_script)
        router.register(
            create_static_files_router(
                path=REFERENCE_ASSETS_PATH, directories=[str(swagger_ui_path)], include_in_schema=False
            )
        )


def openapi_config() -> OpenAPIConfig:
    """The application's OpenAPI settings: the exact document at ``/schema/openapi.json``, the reference
    page at ``/schema``, both outside any tenant."""
    return OpenAPIConfig(
        title="CME 继续医学教育学分平台 API",
        version="0.1.0",
        description=(
            "Tenant-scoped JSON API. Prefix every path with `/t/<tenant slug>` or use the tenant's host. "
            "Every error answers `{code, message, errors: [{field, message}]}`: `code` is stable for "
            "programs, `message` is Simplified Chinese for people."
        ),
        servers=[
            Server(
                url="/t/{tenant}",
                description="Any host, the tenant chosen by the path prefix",
                variables={"tenant": ServerVariable(default="beijing", description="The tenant's slug")},
            ),
            Server(url="/", description="The tenant's own host"),
        ],
        path="/schema",
        render_plugins=[ApiReferencePlugin(), ExactJsonRenderPlugin(path="/openapi.json")],
        openapi_router=Router(
            path="/schema", route_handlers=[], opt={"platform": True}, include_in_schema=False
        ),
    )
