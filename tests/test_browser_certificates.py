"""学员证书查询 in Jiangsu's demo (seed 004 §3): a visitor on a phone, signed out, finds the demo learner's
certificate by the project's number and his name, prints it and opens its verification page; a name that
is only part of his finds nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_kit import PHONE, DemoServer, fits_a_phone
from cme_platform import clock
from pdf_kit import qr_texts

pytestmark = pytest.mark.browser

LEARNER = "张学员（演示）"
PROJECT = "临床合理用药与处方点评培训班"


def test_a_visitor_finds_prints_and_verifies_a_certificate_by_project_number_and_name(
    demo_server: DemoServer, browser: Any
) -> None:
    year = (clock.today() - timedelta(days=10)).year  # the demo's granted run was held ten days ago
    number = f"{year}-01-01-003(国)"  # as printed, without the space: spaces do not matter
    context = browser.new_context(**PHONE)
    visitor = context.new_page()
    visitor.goto(f"{demo_server.base}/t/jiangsu/")
    entry = visitor.locator("nav a", has_text="学员证书查询").first  # public, in the folded menu
    visitor.goto(demo_server.base + (entry.get_attribute("href") or ""))
    assert visitor.locator("main h1").inner_text() == "学员证书查询"
    fits_a_phone(visitor, "学员证书查询")

    visitor.fill("#project_number", number)
    visitor.fill("#name", LEARNER[:3])  # part of the name
    visitor.locator("form button.primary", has_text="查询").click()
    visitor.wait_for_load_state()
    assert "没有找到证书" in visitor.locator("main").inner_text()

    visitor.fill("#name", LEARNER)
    visitor.locator("form button.primary", has_text="查询").click()
    visitor.wait_for_load_state()
    row = visitor.locator("table.list tbody tr", has_text=PROJECT)
    assert row.count() == 1 and "有效" in row.inner_text(), visitor.locator("main").inner_text()
    fits_a_phone(visitor, "the look-up's results")
    with visitor.expect_download() as download:
        row.locator("a", has_text="打印证书").click()
    pdf = Path(download.value.path()).read_bytes()
    [scanned] = qr_texts(pdf)
    visitor.goto(scanned)
    verified = visitor.locator("main").inner_text()
    assert "证书有效" in verified and LEARNER in verified and "江苏省继续医学教育委员会" in verified, verified
    fits_a_phone(visitor, "the verification page")
    context.close()
