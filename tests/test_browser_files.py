"""A person uploads a file on "我的文件" with a phone-sized browser and downloads it again."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from browser_kit import sign_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" * 20


def test_upload_on_the_files_page_and_download_it(demo_server, browser, tmp_path: Path):
    source = tmp_path / "浏览器上传证明.pdf"
    source.write_bytes(PDF)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{demo_server.base}/t/beijing/files")
    assert "/t/beijing/login" in page.url
    sign_in(page, demo_server, "beijing", "admin")
    page.goto(f"{demo_server.base}/t/beijing/files")
    assert page.locator("main h1").inner_text() == "我的文件"

    page.select_option("select[name=purpose]", "evidence")
    page.set_input_files("input[name=file]", str(source))
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/files?uploaded=*")
    main = page.locator("main").inner_text()
    assert "已上传「浏览器上传证明.pdf」" in main and "证明材料" in main

    row = page.locator("table.files-list tbody tr", has_text="浏览器上传证明.pdf").first
    with page.expect_download() as info:
        row.locator("a", has_text="下载").click()
    download = info.value
    assert download.suggested_filename == "浏览器上传证明.pdf"
    data = Path(download.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(PDF).hexdigest()

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the files page scrolls sideways on a phone ({width}px)"
    context.close()
