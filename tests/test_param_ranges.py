"""Every integer a client sends is range-checked before it reaches the database (issue 11, item 8).

Row ids are PostgreSQL ``serial`` (int4) columns and SQLite integers end at 2⁶³−1: an id of 2³¹ used to
answer 500 on PostgreSQL and 2⁶³ on SQLite. The walk below fails for any route whose integer path or query
parameter, or integer field of its JSON body, has no lower bound and no upper bound within int4, so a new
route cannot forget it. A download token of the wrong alphabet or shape is simply not found.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec
from cme_platform.api.params import MAX_ROW_ID, row_id_or_none, row_ids
from cme_platform.orgs.tables import Department
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.scope import scope
from litestar import Litestar, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.routes import HTTPRoute
from msgspec import inspect as mi
from test_personnel_api import API as PEOPLE
from test_personnel_api import create as create_person

TOO_BIG = [2**31, 2**63, 2**64]
JSON = {"accept": "application/json"}


def _unbounded(kind: Any, where: str) -> list[str]:
    """The places under ``where`` holding an integer without both bounds (recursing into containers)."""
    while isinstance(kind, mi.Metadata):
        kind = kind.type
    if isinstance(kind, mi.IntType):
        low = kind.ge if kind.ge is not None else (kind.gt + 1 if kind.gt is not None else None)
        high = kind.le if kind.le is not None else (kind.lt - 1 if kind.lt is not None else None)
        ok = low is not None and low >= -MAX_ROW_ID - 1 and high is not None and high <= MAX_ROW_ID
        return [] if ok else [f"{where} (ge={low}, le={high})"]
    if isinstance(kind, mi.UnionType):
        return [found for option in kind.types for found in _unbounded(option, where)]
    if isinstance(kind, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return _unbounded(kind.item_type, f"{where}[]")
    if isinstance(kind, mi.TupleType):
        return [found for item in kind.item_types for found in _unbounded(item, f"{where}[]")]
    if isinstance(kind, mi.DictType):
        return _unbounded(kind.value_type, f"{where}{{}}")
    if isinstance(kind, mi.StructType | mi.DataclassType | mi.TypedDictType):
        return [found for field in kind.fields for found in _unbounded(field.type, f"{where}.{field.name}")]
    return []


def unbounded_integers(app: Litestar) -> list[str]:
    """Every integer parameter or body field of ``app``'s routes (and their dependencies) without bounds.

    It reads the signature models Litestar validates requests with, so it sees what really runs: path,
    query, header and cookie parameters, the parameters of dependencies and the JSON body.
    """
    found: set[str] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            models = [("", handler.signature_model)]
            for key, provide in handler.resolve_dependencies().items():
                if provide.signature_model is not None:
                    models.append((f"{key}:", provide.signature_model))
            for prefix, model in models:
                for field in mi.type_info(model).fields:  # type: ignore[union-attr]
                    if field.name in model._dependency_name_set:
                        continue
                    for place in _unbounded(field.type, f"{prefix}{field.name}"):
                        found.add(f"{route.path} {handler.handler_name}: {place}")
    return sorted(found)


class ThingIn(msgspec.Struct):
    owner_id: int
    tags: list[int]


def test_the_walk_finds_an_unbounded_path_query_or_body_integer():
    @get("/things/{thing_id:int}", sync_to_thread=False)
    def read(thing_id: FromPath[int], page: FromQuery[int] = 1) -> None:
        return None

    @post("/things", sync_to_thread=False)
    def create(data: JSONBody[ThingIn]) -> None:
        return None

    found = unbounded_integers(Litestar([read, create]))
    assert [line.split(": ", 1)[1].split(" ")[0] for line in found] == [
        "data.owner_id",
        "data.tags[]",
        "page",
        "thing_id",
    ], found


def test_every_route_bounds_its_integer_parameters_and_body_fields(cme_app):
    assert unbounded_integers(cme_app) == []


def _int_schemas(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "integer" or any(o.get("type") == "integer" for o in schema.get("oneOf", []))


def test_the_openapi_document_states_the_bounds(cme_app):
    document = cme_app.openapi_schema.to_schema()
    missing = []
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if not _int_schemas(schema):
                    continue
                checked += 1
                high = schema.get("maximum", 2**63)
                if schema.get("minimum") is None or not 0 <= high <= MAX_ROW_ID:
                    missing.append(f"{method.upper()} {path} {parameter['name']}: {schema}")
    assert checked > 50 and missing == []


async def _body_of(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == "validation_error" and body["errors"][0]["field"] == field, body
    assert "不能" in body["errors"][0]["message"], body


async def test_a_learner_filtering_credits_by_a_huge_department_gets_400(cme_client, world, login):
    await login(cme_client, world.tenant, "learner")
    for value in TOO_BIG:
        response = await cme_client.get("/t/alpha/api/credits", params={"department_id": value})
        await _body_of(response, 400, "department_id")
    response = await cme_client.get("/t/alpha/api/credits", params={"department_id": MAX_ROW_ID})
    assert response.status_code < 500, response.text
    page = await cme_client.get("/t/alpha/credits", params={"department_id": 2**63})
    assert page.status_code == 400 and "提交的数据有误" in page.text


async def test_a_huge_person_id_in_the_path_is_refused_on_the_api_and_the_pages(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    for value in TOO_BIG:
        await _body_of(await cme_client.get(f"/t/alpha/api/personnel/people/{value}"), 400, "person_id")
        page = await cme_client.get(f"/t/alpha/personnel/{value}")
        assert page.status_code == 400 and "提交的数据有误" in page.text
        years = await cme_client.delete(f"/t/alpha/api/personnel/people/1/years/{value}")
        await _body_of(years, 400, "year_id")
    response = await cme_client.get(f"/t/alpha/api/personnel/people/{MAX_ROW_ID}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    zero = await cme_client.get("/t/alpha/api/orgs/regions/0")
    await _body_of(zero, 400, "region_id")


async def test_a_huge_row_id_in_a_json_body_is_refused_and_nothing_is_written(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    for value in TOO_BIG:
        person = {"institution_id": value, "name": "张三", "id_number": "11010519850314123X"}
        created = await cme_client.post("/t/alpha/api/personnel/people", json=person)
        await _body_of(created, 400, "institution_id")
        department = {"institution_id": value, "name": "外科"}
        created = await cme_client.post("/t/alpha/api/orgs/departments", json=department)
        await _body_of(created, 400, "institution_id")
        batch = {"action": "approve", "ids": [1, value]}
        await _body_of(await cme_client.post("/t/alpha/api/approvals/batch", json=batch), 400, "ids[1]")
    with scope(world.tenant):
        assert await Person.count() == 0
        assert await Department.count() == 2


async def test_an_odd_download_token_is_not_found_for_anyone(cme_client, world):
    for token in ["%C3%A9.x", "%E4%B8%AD%E6%96%87", "a" * 300, "x.y", "a..b", "a.b.c"]:
        response = await cme_client.get(f"/t/alpha/files/{token}", headers=JSON)
        assert response.status_code == 404, (token, response.text)
        assert response.json()["code"] == "not_found" and response.json()["errors"] == []
        page = await cme_client.get(f"/t/alpha/files/{token}")
        assert page.status_code == 404 and "text/html" in page.headers["content-type"], token
    # control characters are refused at the boundary, like in every other path parameter
    response = await cme_client.get("/t/alpha/files/%00.%01", headers=JSON)
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_a_form_value_is_a_row_id_only_in_ascii_digits_and_in_range():
    values = ("1", "0042", str(MAX_ROW_ID), None, 7)
    assert [row_id_or_none(v) for v in values] == [1, 42, MAX_ROW_ID, None, None]
    for odd in ("0", str(MAX_ROW_ID + 1), str(2**63), "²", "１２", "١", "-1", "+1", " 1", "1e3", ""):
        assert row_id_or_none(odd) is None, odd
    assert row_ids(["3", "²", str(2**64), "5"]) == [3, 5]


async def test_pages_reading_numbers_by_hand_ignore_or_refuse_odd_ones(cme_client, world, login):
    await login(cme_client, world.tenant, "commission")
    for value in (str(2**31), str(2**63), "²"):
        listing = await cme_client.get("/t/alpha/orgs/institutions", params={"region_id": value})
        assert listing.status_code == 200 and "A医院1" in listing.text, value
        accounts = await cme_client.get("/t/alpha/accounts", params={"institution_id": value})
        assert accounts.status_code == 400 and "提交的数据有误" in accounts.text, value
        form = {"ids": value, "status": "退休", "confirmed": "1"}
        batch = await cme_client.post("/t/alpha/personnel/batch", data=form)
        assert batch.status_code == 400 and "请先勾选人员" in batch.text, value
        decided = await cme_client.post("/t/alpha/approvals/batch", data={"ids": value, "action": "approve"})
        assert decided.status_code == 400 and "请先勾选要审核的事项" in decided.text, value


async def test_a_year_in_other_digits_is_refused_not_a_crash(cme_client, world, login):
    await login(cme_client, world.tenant, "institution")
    created = await create_person(cme_client, world)
    for year in ("²", "２０２０", str(2**63)):
        response = await cme_client.patch(f"{PEOPLE}/{created['id']}", json={"title_appointed_year": year})
        assert response.status_code == 400, (year, response.text)
        assert response.json()["errors"][0]["field"] == "title_appointed_year"
    too_big = await cme_client.patch(f"{PEOPLE}/{created['id']}", json={"title_appointed_year": 2**63})
    await _body_of(too_big, 400, "title_appointed_year")


async def test_the_calculator_refuses_absurd_figures_at_once(cme_client, world, login):
    await login(cme_client, world.tenant, "learner")
    url = "/t/alpha/api/standards/bj-01/compute"
    absurd = [("hours", "1e999999999"), ("hours", "1e-999999999"), ("project_credits", "1e99999999")]
    for field, value in absurd:
        started = time.monotonic()
        response = await cme_client.post(url, json={"hours": "2", field: value})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == field, response.text
        assert time.monotonic() - started < 5
    for count in ("days", "occurrences", "author_rank"):
        await _body_of(await cme_client.post(url, json={"hours": "2", count: 10**12}), 400, count)
    assert (await cme_client.post(url, json={"hours": "2", "project_credits": "3"})).status_code == 200
