"""A burst of parallel SMS code requests (issue 11, item 3): the sending limits hold.

25 requests for one phone from one address, each with its own solved captcha, go through the real page
at once (``asyncio.gather`` over ``cme_parallel_client``, so they really run concurrently): none may
answer 5xx, and exactly one code is sent (one console-gateway message, one stored code, one
``auth.sms_sent`` record); the rest are refused with 429.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity import sms
from cme_platform.identity.tables import Account, SmsCode
from cme_platform.ratelimit import RateCounter
from cme_platform.testkit.pytest_plugin import captcha_answer, form_value

BURST = 25
PHONE = "13800138000"


async def test_a_burst_of_sends_to_one_phone_sends_exactly_one_code(
    cme_parallel_client: Any,
    tenant_factory: Any,
    account_factory: Any,
    cme_scope: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="cme.sms")
    client = cme_parallel_client
    tenant = await tenant_factory(slug="alpha")
    alice = await account_factory(tenant, "alice")
    with cme_scope(tenant):
        await Account.update({Account.phone: PHONE}).where(Account.id == alice)
    forms = []
    for _ in range(BURST):
        page = await client.get("/t/alpha/login/sms")
        token = form_value(page.text, "captcha_token")
        forms.append(
            {
                "phone": PHONE,
                "_csrf": form_value(page.text, "_csrf"),
                "captcha_token": token,
                "captcha": await captcha_answer(token),
            }
        )
    responses = await asyncio.gather(*(client.post("/t/alpha/login/sms/send", data=form) for form in forms))
    statuses = [r.status_code for r in responses]
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(200) == 1 and statuses.count(429) == BURST - 1
    assert all("发送过于频繁" in r.text for r in responses if r.status_code == 429)
    messages = [r for r in caplog.records if r.name == "cme.sms" and r.getMessage().startswith("SMS to ")]
    assert len(messages) == 1  # the console gateway was called once
    with cme_scope(tenant):
        assert await SmsCode.count() == 1
        assert await AuditEvent.count().where(AuditEvent.action == "auth.sms_sent") == 1
    counters = await RateCounter.select(RateCounter.bucket, RateCounter.hits).order_by(RateCounter.bucket)
    assert {r["bucket"]: r["hits"] for r in counters} == {
        sms.DAILY_LIMIT.bucket: 1,
        sms.IP_LIMIT.bucket: 1,
        sms.RESEND_LIMIT.bucket: 1,
    }
