"""The OpenAPI document says what the API answers, and the reference page renders it without a CDN."""

from __future__ import annotations

import json
import re

import jsonschema_rs

DOCUMENT = "/schema/openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


async def fetch_document(client) -> dict:
    response = await client.get(DOCUMENT)
    assert response.status_code == 200
    return response.json()


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(document: dict, response: dict) -> dict:
    """A response object, following a ``$ref`` to ``components/responses``."""
    if "$ref" in response:
        return document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def error_validator(document: dict):
    return jsonschema_rs.validator_for(
        {"$ref": "#/components/schemas/ErrorBody", "components": document["components"]}
    )


async def test_every_error_is_documented_as_the_error_body(cme_client):
    document = await fetch_document(cme_client)
    text = json.dumps(document)
    assert '"status_code"' not in text and '"detail"' not in text, "Litestar's default error shape is gone"
    body = document["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "message", "errors"}
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            content = resolve(document, response)["content"]
            assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, (
                f"{method} {path} {status}"
            )


PUBLIC_WRITES = {"/api/public/attendance/walk-ins", "/api/public/certificates/lookup"}
"""Requests with a body open to visitors: 现场登记 (where the province allows walk-ins) and 学员证书查询
(a name is sent in the body, never in an address)."""


async def test_statuses_follow_what_the_operation_can_answer(cme_client):
    document = await fetch_document(cme_client)
    for path, method, operation in operations(document):
        statuses = set(operation["responses"])
        assert "404" in statuses, f"{method} {path}: an unknown tenant is a 404 everywhere"
        if path.startswith("/api/public/"):  # 项目查询 and the like: for visitors too
            assert not {"401", "403"} & statuses, f"{method} {path} is public"
            # the public requests with a body (a visitor's registration, the certificate look-up) are limited
            assert method == "get" or (path in PUBLIC_WRITES and "429" in statuses), f"{method} {path}"
        elif path.startswith("/api/"):
            assert {"401", "403"} <= statuses, f"{method} {path} is guarded"
        if method != "get":
            assert "409" in statuses, f"{method} {path} writes"
        if "requestBody" in operation:
            assert {"400", "413"} <= statuses, f"{method} {path} has a body"
    assert {"413", "415"} <= set(document["paths"]["/api/files"]["post"]["responses"])
    assert {"413", "415"} <= set(document["paths"]["/api/personnel/imports"]["post"]["responses"])
    assert "401" not in document["paths"]["/files/{token}"]["get"]["responses"], "downloads are anonymous"
    for path in ("/api/personnel/people", "/api/credits", "/api/credits/export", "/api/personnel/export"):
        assert "429" in document["paths"][path]["get"]["responses"], f"GET {path} is rate-limited"
    assert "429" not in document["paths"]["/api/orgs/regions"]["get"]["responses"]


async def test_security_schemes_and_operation_security(cme_client):
    document = await fetch_document(cme_client)
    schemes = document["components"]["securitySchemes"]
    assert (schemes["session"]["type"], schemes["session"]["in"]) == ("apiKey", "cookie")
    assert schemes["session"]["name"] == "cme_session"
    assert schemes["csrf"]["in"] == "header" and schemes["csrf"]["name"].lower() == "x-csrf-token"
    assert schemes["bearer"]["scheme"] == "bearer" and schemes["bearer"]["bearerFormat"] == "JWT"
    regions = document["paths"]["/api/orgs/regions"]
    assert regions["get"]["security"] == [{"session": []}, {"bearer": []}]
    assert regions["post"]["security"] == [{"session": [], "csrf": []}, {"bearer": []}]
    assert document["paths"]["/files/{token}"]["get"]["security"] == []


async def test_person_create_marks_its_required_fields(cme_client):
    document = await fetch_document(cme_client)
    people = document["paths"]["/api/personnel/people"]
    create_ref = people["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    create = document["components"]["schemas"][create_ref.rsplit("/", 1)[1]]
    assert {"institution_id", "id_number", "name", "gender", "phone", "title", "status"} <= set(
        create["required"]
    )
    edit_ref = document["paths"]["/api/personnel/people/{person_id}"]["patch"]["requestBody"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    assert document["components"]["schemas"][edit_ref.rsplit("/", 1)[1]]["required"] == [], "edits send any"
    region = document["components"]["schemas"]["RegionIn"]
    assert set(region["required"]) == {"name", "code"}


async def test_upload_routes_document_their_multipart_body(cme_client):
    document = await fetch_document(cme_client)
    for path, purposes in (("/api/files", None), ("/api/personnel/imports", ["personnel_import"])):
        body = document["paths"][path]["post"]["requestBody"]
        schema = body["content"]["multipart/form-data"]["schema"]
        assert body["required"] is True and set(schema["required"]) == {"purpose", "file"}
        assert schema["properties"]["file"] == {"type": "string", "format": "binary"}
        assert schema["properties"]["purpose"].get("enum") == purposes
    assert set(document["paths"]["/api/files"]["post"]["responses"]) >= {"200", "201"}, "a retry answers 200"
    download = document["paths"]["/files/{token}"]["get"]["responses"]["200"]["content"]
    assert set(download) == {"*/*"}


async def test_only_the_api_is_described(cme_client):
    document = await fetch_document(cme_client)
    assert all(path.startswith(("/api/", "/files/")) for path in document["paths"])
    assert document["servers"][0]["url"] == "/t/{tenant}"


async def test_real_errors_match_the_documented_body(cme_client, world, login):
    document = await fetch_document(cme_client)
    validator = error_validator(document)
    anonymous = await cme_client.get("/t/alpha/api/orgs/regions")
    assert anonymous.status_code == 401
    validator.validate(anonymous.json())

    await login(cme_client, world.tenant, "commission")
    invalid = await cme_client.post("/t/alpha/api/orgs/regions", json={"code": "R9"})
    assert invalid.status_code == 400
    validator.validate(invalid.json())
    assert invalid.json()["errors"][0]["field"] == "name"
    missing = await cme_client.get("/t/alpha/api/orgs/regions/999999")
    assert missing.status_code == 404
    validator.validate(missing.json())
    duplicate = await cme_client.post("/t/alpha/api/orgs/regions", json={"name": "新区", "code": "AR1"})
    assert duplicate.status_code == 409
    validator.validate(duplicate.json())

    await login(cme_client, world.tenant, "learner")
    forbidden = await cme_client.get("/t/alpha/api/orgs/regions")
    assert forbidden.status_code == 403
    validator.validate(forbidden.json())


async def test_reference_page_uses_only_local_assets(cme_client):
    page = await cme_client.get("/schema")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert not re.search(r"(?:https?:)?//", html), "the page references no other host"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script (CSP default-src 'self')"
    assert "<style" not in html and " style=" not in html, "no inline style"
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/schema/assets/swagger-ui-bundle.js" in sources and "/schema/reference.js" in sources
    for source in sources:
        asset = await cme_client.get(source)
        assert asset.status_code == 200, source
    script = await cme_client.get("/schema/reference.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "validatorUrl: null" in script.text, "no badge fetched from the public validator"
    assert 'data-openapi-url="/schema/openapi.json"' in html
