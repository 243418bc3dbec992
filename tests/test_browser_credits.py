"""A Zhejiang learner enters a credit on a phone with evidence; two approvers pass it; a day later it counts.

The second half runs a second server process on the same data directory with the clock moved one day
(``CME_CLOCK_OFFSET_DAYS=1``), as Zhejiang's approved credits become effective the next day.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import (
    PHONE,
    DemoServer,
    fits_a_phone,
    learners_sign_in_directly,
    png_file,
    serve,
    sign_in,
    stop_demo_server,
)
from cme_platform.demo import DEMO_LEARNER_ID

pytestmark = pytest.mark.browser

SLUG = "zhejiang"
ACTIVITY = f"浏览器录入论文{int(time.time())}"


@pytest.fixture
def tomorrow_server(demo_server: DemoServer) -> Iterator[DemoServer]:
    """The demo data served with the clock one day ahead."""
    server = serve(demo_server.data_dir, log_name="server-tomorrow.log", CME_CLOCK_OFFSET_DAYS="1")
    yield server
    stop_demo_server(server)


def open_entry_right(browser: Any, server: DemoServer) -> None:
    """The institution admin opens the self-entry right for his institution (opening twice is harmless)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.base}/t/{SLUG}/login")
    sign_in(page, server, SLUG, "inst_admin")
    page.goto(f"{server.base}/t/{SLUG}/credits/grants")
    assert page.locator("main h1").inner_text() == "录入权限"
    form = page.locator("form.form[action$='/credits/grants']")
    if form.count() == 0:
        choice = page.locator("select[name=institution_id] option").nth(1).get_attribute("value")
        page.select_option("select[name=institution_id]", choice)
        page.click("form.filters button[type=submit]")
        page.wait_for_load_state()
    page.locator("form.form[action$='/credits/grants'] button[type=submit]").click()
    page.wait_for_url("**/credits/grants?opened=1")
    assert "整个单位" in page.locator("table.list").inner_text()
    context.close()


def approve(browser: Any, server: DemoServer, username: str) -> None:
    """``username`` approves the learner's credit in 待我审核."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.base}/t/{SLUG}/login")
    sign_in(page, server, SLUG, username)
    page.goto(f"{server.base}/t/{SLUG}/approvals")
    row = page.locator("li.approval-item", has_text=ACTIVITY)
    assert row.count() == 1, f"{username} does not see the credit waiting"
    row.locator("button[value=approve]").click()
    page.wait_for_url("**/approvals?decided=approve")
    assert page.locator("li.approval-item", has_text=ACTIVITY).count() == 0
    context.close()


def test_enter_on_a_phone_approve_twice_and_count_it_the_next_day(
    demo_server: DemoServer, browser: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    learners_sign_in_directly(demo_server)
    open_entry_right(browser, demo_server)
    evidence = png_file(tmp_path / "学分证书.png")

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{demo_server.base}/t/{SLUG}/login")
    sign_in(page, demo_server, SLUG, DEMO_LEARNER_ID, DEMO_LEARNER_ID[-6:])
    page.goto(f"{demo_server.base}/t/{SLUG}/credits/new/guided")
    assert "向导录入" in page.locator("main h1").inner_text()
    fits_a_phone(page, "the standard table")
    page.locator("a[href*='/credits/new/guided/zj-12']").click()
    page.wait_for_url("**/credits/new/guided/zj-12*")
    form = page.locator("form.form")
    form.locator("input[name=activity_name]").fill(ACTIVITY)
    form.locator("select[name=discipline]").select_option("临床内科学")
    form.locator("select[name=author_rank]").select_option("1")
    preview = form.locator(".preview")
    preview.wait_for(state="visible")  # computed as the input changes, before anything is saved
    assert "本条学分为 25 分" in preview.inner_text()
    form.locator("input[name=issuer]").fill("中华医学杂志社")
    form.locator("input[name=file]").set_input_files(str(evidence))
    fits_a_phone(page, "the entry form")
    form.locator("button[value=save]").click()
    page.wait_for_url("**/edit?saved=1")
    assert "已保存：本条学分 25" in page.locator("main").inner_text()
    page.locator("form.form button[value=submit]").click()
    page.wait_for_url("**/credits/*?submitted=1")
    record_url = page.url.split("?")[0]
    main = page.locator("main").inner_text()
    assert "待审核" in main and "学分证书.png" in main
    fits_a_phone(page, "the credit's page")

    approve(browser, demo_server, "dept_admin")
    approve(browser, demo_server, "inst_admin")

    page.goto(record_url)
    status = page.locator(".credit-status").inner_text()
    assert "审核通过（" in status and "生效）" in status, status
    page.goto(f"{demo_server.base}/t/{SLUG}/credits")
    assert page.locator("table.credit-list tbody tr", has_text=ACTIVITY).count() == 1
    fits_a_phone(page, "the credit list")
    context.close()

    tomorrow = request.getfixturevalue("tomorrow_server")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{tomorrow.base}/t/{SLUG}/login")
    sign_in(page, tomorrow, SLUG, DEMO_LEARNER_ID, DEMO_LEARNER_ID[-6:])
    page.goto(record_url.replace(demo_server.base, tomorrow.base))
    assert "已生效" in page.locator(".credit-status").inner_text()
    page.goto(f"{tomorrow.base}/t/{SLUG}/my/compliance")
    assert ACTIVITY in page.locator("main").inner_text()
    fits_a_phone(page, "the compliance page")
    context.close()
