"""A burst of parallel wrong passwords against one account (issue 11, item 2): the lock-out holds.

Each of the 40 requests has its own solved captcha and goes through the real sign-in page at once
(``asyncio.gather`` over ``cme_parallel_client``, so they really run concurrently); none may answer
5xx, exactly the limit's number of guesses is checked and counted, every attempt leaves an audit record,
and the right password is refused while the lock runs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from cme_platform.audit.tables import AuditEvent
from cme_platform.audit.verify import verify_chain
from cme_platform.identity import throttle
from cme_platform.identity.tables import LoginThrottle
from cme_platform.testkit.pytest_plugin import captcha_answer, form_value, submit_login

BURST = 40


async def _prepared_forms(client: Any, path: str) -> list[dict[str, str]]:
    """``BURST`` sign-in form submissions for ``alice`` with a wrong password, each with its own captcha."""
    forms = []
    for _ in range(BURST):
        page = await client.get(path)
        token = form_value(page.text, "captcha_token")
        forms.append(
            {
                "username": "alice",
                "password": "wrong-password",
                "_csrf": form_value(page.text, "_csrf"),
                "captcha_token": token,
                "captcha": await captcha_answer(token),
            }
        )
    return forms


async def test_a_burst_of_wrong_passwords_counts_exactly_the_limit_and_locks(
    cme_parallel_client: Any, tenant_factory: Any, account_factory: Any, cme_scope: Any
) -> None:
    client = cme_parallel_client
    tenant = await tenant_factory(slug="alpha")
    await account_factory(tenant, "alice")
    forms = await _prepared_forms(client, "/t/alpha/login")
    responses = await asyncio.gather(
        *(client.post("/t/alpha/login", data=form, follow_redirects=False) for form in forms)
    )
    statuses = [r.status_code for r in responses]
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(400) == throttle.ACCOUNT_LIMIT - 1
    assert statuses.count(429) == BURST - throttle.ACCOUNT_LIMIT + 1
    assert all("用户名或密码错误" in r.text for r in responses if r.status_code == 400)
    assert all("账户已锁定" in r.text for r in responses if r.status_code == 429)
    with cme_scope(tenant):
        counters = {
            r["kind"]: r["failures"]
            for r in await LoginThrottle.select(LoginThrottle.kind, LoginThrottle.failures)
        }
        events = await AuditEvent.select(AuditEvent.action, AuditEvent.after).where(
            AuditEvent.action.is_in(["auth.login_failed", "auth.locked"])
        )
    # exactly the limit's guesses were checked and counted, for the account and for the address
    assert counters == dict.fromkeys((throttle.NAME, throttle.ACCOUNT, throttle.IP), throttle.ACCOUNT_LIMIT)
    reasons = [json.loads(e["after"])["reason"] for e in events if e["action"] == "auth.login_failed"]
    assert len(reasons) == BURST  # every attempt of the burst is on record
    assert reasons.count("bad_password") == throttle.ACCOUNT_LIMIT
    assert reasons.count("locked") == BURST - throttle.ACCOUNT_LIMIT
    assert [e["action"] for e in events].count("auth.locked") == 1
    assert (await verify_chain(tenant.id)).ok
    # the right password is refused while the lock runs, and not even counted
    refused = await submit_login(client, tenant, "alice")
    assert refused.status_code == 429 and "账户已锁定" in refused.text
    with cme_scope(tenant):
        assert await LoginThrottle.select(LoginThrottle.failures).where(
            LoginThrottle.kind == throttle.ACCOUNT
        ) == [{"failures": throttle.ACCOUNT_LIMIT}]
