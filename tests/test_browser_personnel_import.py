"""An institution admin imports people from Excel in the browser: one bad row, then only the valid rows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from browser_kit import sign_in
from test_personnel_import import person_row, workbook

pytestmark = pytest.mark.browser

INSTITUTION = "BJ-CY-001"  # the Beijing demo's first institution (inst_admin's)


def _finished_page(page: Any) -> str:
    """The import page's text once the job has finished (the page reloads itself)."""
    page.wait_for_url("**/personnel/imports/*")
    # a locator, not wait_for_function: the page's CSP forbids the eval that the latter relies on
    finished = re.compile(r"^\s*(已完成|失败)\s*$")
    page.locator("#import-status").filter(has_text=finished).wait_for(timeout=20_000)
    return str(page.locator("main").inner_text())


def test_import_with_one_bad_row_in_both_modes(demo_server, browser, tmp_path: Path) -> None:
    rows = [
        person_row(7001, INSTITUTION, 姓名="导入甲"),
        person_row(7002, INSTITUTION, 姓名="导入乙", 手机="12345"),
        person_row(7003, INSTITUTION, 姓名="导入丙"),
    ]
    source = tmp_path / "人员导入.xlsx"
    source.write_bytes(workbook(rows))
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, demo_server, "beijing", "inst_admin")
    page.goto(f"{demo_server.base}/t/beijing/personnel/imports")
    assert page.locator("main h1").inner_text() == "批量导入人员"

    page.set_input_files("input[name=file]", str(source))
    page.click("button:has-text('全部正确才导入')")
    text = _finished_page(page)
    assert "未导入任何数据" in text and "新增 0 人" in text
    error = page.locator("table.import-errors tbody tr").all_inner_texts()
    assert len(error) == 1 and "3" in error[0] and "手机" in error[0] and "11位手机号码" in error[0]
    count = "SELECT count(*) FROM personnel_person WHERE name LIKE '导入%'"
    assert demo_server.query(count) == [(0,)]

    page.goto(f"{demo_server.base}/t/beijing/personnel/imports")
    page.set_input_files("input[name=file]", str(source))
    page.click("button:has-text('只导入正确的行')")
    text = _finished_page(page)
    assert "新增 2 人" in text and "错误 1 处" in text
    assert demo_server.query(count) == [(2,)]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the import page scrolls sideways on a phone ({width}px)"
    context.close()
