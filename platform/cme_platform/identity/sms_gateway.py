"""Sending text messages: the :class:`SmsGateway` protocol and the console gateway.

A province plugin supplies its real gateway through the ``cme_sms_gateway(tenant)`` hook; without one the
core's default plugin answers with the :class:`ConsoleGateway`, which writes every message (code included,
the phone masked) to the ``cme.sms`` log at WARNING level, so it shows in the output of ``cme serve``
during development and demos.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from cme_platform.pii import mask_phone

logger = logging.getLogger("cme.sms")


@runtime_checkable
class SmsGateway(Protocol):
    """Something that delivers a text message to a mainland mobile number."""

    async def send(self, phone: str, text: str) -> None:
        """Deliver ``text`` to ``phone`` (11 digits); raise when the message could not be handed over."""
        ...


class ConsoleGateway:
    """The default gateway: logs ``SMS to 138****8000: <text>`` on ``cme.sms`` instead of sending."""

    async def send(self, phone: str, text: str) -> None:
        """Write the message to the log."""
        logger.warning("SMS to %s: %s", mask_phone(phone), text)
