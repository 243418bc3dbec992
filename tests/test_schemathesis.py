"""A bounded schemathesis run over the OpenAPI document, against the app in-process.

Every operation, every check, a fixed seed and a few examples per operation, as a commission admin (with an
API token) and as a learner (learners get no tokens: with the session cookie and the CSRF header) of a small
world: no answer may be a server error or disagree with the document (status, content type, headers, body
schema). Runs on SQLite and, with ``-m db``, on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
import schemathesis
from cme_platform.identity.sessions import SESSION_COOKIE
from cme_platform.testkit.pytest_plugin import CSRF_HEADER
from schemathesis.engine import Status, from_schema
from schemathesis.engine.events import EngineFinished, FatalError, NonFatalError, ScenarioFinished

SEED = 20261203
MAX_EXAMPLES = 5
TENANT = "alpha"

# A request that matches the document can still break a business rule the document cannot express (a
# checksum, an object that must exist, a state); the API answers those 400 or 409 with field errors.
POSITIVE_DATA_STATUSES = ["2xx", "400", "401", "403", "404", "409", "429"]


def schemathesis_config(credentials: dict[str, Any]) -> Any:
    """Every check, a fixed seed, few examples, the credentials (by security scheme) and the tenant."""
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["all"],
            "base-url": f"http://testserver/t/{TENANT}",
            "auth": {"openapi": credentials},
            "workers": 1,
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none", "deterministic": True},
            "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_DATA_STATUSES}},
            # The coverage phase sends about 5,000 boundary requests per role (3 minutes here); the examples,
            # fuzzing (positive and negative data) and stateful phases keep the run to about a minute.
            "phases": {"coverage": {"enabled": False}},
        }
    )


def run_schemathesis(app: Any, credentials: dict[str, Any]) -> tuple[list[str], set[str]]:
    """Run schemathesis over ``app``'s document; returns the failures (one text each) and the operations."""
    config = schemathesis_config(credentials)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)
    failures: list[str] = []
    tested: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, ScenarioFinished):
            tested.add(event.recorder.label)
            if event.status == Status.SUCCESS or event.status == Status.SKIP:
                continue
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    response = event.recorder.find_response(case_id=case_id)
                    body = response.content[:600].decode(errors="replace") if response else ""
                    failures.append(
                        f"{event.recorder.label} [{check.name}] {check.failure_info.failure.title}\n"
                        f"{check.failure_info.failure.message}\n{check.failure_info.code_sample}\n"
                        f"-> {response.status_code if response else '-'} {body}"
                    )
        elif isinstance(event, NonFatalError):
            failures.append(f"{event.label}: error {event.info.format()}")
        elif isinstance(event, FatalError):
            failures.append(f"fatal: {event.exception!r}")
        elif isinstance(event, EngineFinished):
            failures.extend(f"{f.operation} {f.title}: {f.message}" for f in event.failures)
    return failures, tested


@pytest.mark.parametrize("role", ["commission", "learner"])
async def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    cme_app, cme_client, world, login, role
):
    await login(cme_client, world.tenant, role)
    if role == "commission":
        created = await cme_client.post(
            f"/t/{TENANT}/api/identity/tokens",
            json={"name": "schemathesis", "roles": ["commission_admin"], "expires_in_days": 1},
        )
        assert created.status_code == 201, created.text
        credentials = {"bearer": {"bearer": created.json()["token"]}}
    else:
        credentials = {
            "session": {"api_key": cme_client.cookies[SESSION_COOKIE]},
            "csrf": {"api_key": cme_client.headers[CSRF_HEADER]},
        }
    document = (await cme_client.get("/schema/openapi.json")).json()
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }

    failures, tested = await anyio.to_thread.run_sync(run_schemathesis, cme_app, credentials)

    assert operations <= tested, f"operations not run: {sorted(operations - tested)}"
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
