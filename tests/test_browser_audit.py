"""A commission admin reads and exports the audit log on a phone-sized browser."""

from __future__ import annotations

import io

import pytest
from browser_kit import sign_in
from openpyxl import load_workbook

pytestmark = pytest.mark.browser


def test_the_audit_page_on_a_phone(demo_server, browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{demo_server.base}/t/beijing/login")
    sign_in(page, demo_server, "beijing", "admin")
    page.goto(f"{demo_server.base}/t/beijing/orgs/regions")
    page.goto(f"{demo_server.base}/t/beijing/audit")
    assert page.locator("main h1").inner_text() == "操作日志"
    main = page.locator("main").inner_text()
    assert "完整" in main and "登录" in main
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"

    page.select_option("select[name=action]", "auth.")
    page.click("form.audit-filters button[type=submit]")
    page.wait_for_url("**/audit?*action=auth.*")
    assert page.locator("li.audit-item").count() >= 1, page.locator("main").inner_text()
    with page.expect_download() as info:
        page.click("text=导出 Excel")
    workbook = load_workbook(io.BytesIO(info.value.path().read_bytes()), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and len(rows) >= 2
    assert {row[6].split(".")[0] for row in rows[1:]} == {"auth"}
    context.close()
