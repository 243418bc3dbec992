"""Every date-time a page shows is China time, formatted in one place: the ``china_time`` filter
(:func:`cme_platform.clock.china_time`), never by a template of the core or of a plugin itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cme_platform.app import template_dirs
from cme_platform.clock import china_time
from cme_platform.compliance.tables import ComplianceRun
from cme_platform.plugins.manager import get_plugin_manager
from cme_platform.tenancy.scope import scope
from test_compliance_api import cme_plugins as cme_plugins
from test_compliance_api import cworld as cworld

SELF_FORMATTED = re.compile(r"\.(strftime|astimezone)\(")


def test_no_template_formats_a_date_time_itself() -> None:
    templates = [p for d in template_dirs(get_plugin_manager()) for p in Path(d).rglob("*.html")]
    assert len(templates) > 50
    offenders = [
        f"{path}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SELF_FORMATTED.search(line)
    ]
    assert offenders == [], "format date-times with the china_time filter"


def test_the_filter_shows_china_time() -> None:
    assert china_time(datetime(2026, 1, 1, 16, 30, tzinfo=UTC)) == "2026-01-02 00:30"
    assert china_time(datetime(2026, 1, 1, 16, 30)) == "2026-01-02 00:30"  # naive: taken as UTC
    assert china_time(datetime(2026, 1, 1, 16, 30, 5, tzinfo=UTC), "%H:%M:%S") == "00:30:05"
    assert china_time(None) == "—"


async def test_a_page_shows_a_utc_time_as_china_time(cme_client: Any, cworld: Any, login: Any) -> None:
    with scope(cworld.tenant):
        await ComplianceRun.insert(
            ComplianceRun(year=2025, status="done", created_at=datetime(2026, 1, 1, 16, 30, tzinfo=UTC))
        )
    await login(cme_client, cworld.tenant, "commission")
    page = await cme_client.get("/t/alpha/compliance/runs")
    assert page.status_code == 200 and "2026-01-02 00:30" in page.text and "16:30" not in page.text
