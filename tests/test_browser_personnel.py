"""An institution admin adds a person on a phone-sized browser; the list then shows the person masked."""

from __future__ import annotations

import pytest
from browser_kit import sign_in
from cme_platform.identity.id_number import check_character

pytestmark = pytest.mark.browser

FIRST17 = "11010519770512403"
ID_NUMBER = FIRST17 + check_character(FIRST17)


def test_add_a_person_on_a_phone_and_find_it_masked(demo_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{demo_server.base}/t/beijing/login")
    sign_in(page, demo_server, "beijing", "inst_admin")
    page.goto(f"{demo_server.base}/t/beijing/personnel")
    assert page.locator("main h1").inner_text() == "人员信息"
    page.click("text=添加人员")
    page.wait_for_url("**/personnel/new")

    form = page.locator("form.form")
    department = form.locator("select[name=department_id] option").nth(1).get_attribute("value")
    form.locator("select[name=department_id]").select_option(department)
    form.locator("input[name=id_number]").fill(ID_NUMBER)
    form.locator("input[name=name]").fill("欧阳浏览")
    form.locator("select[name=gender]").select_option("男")
    form.locator("input[name=phone]").fill("13712345678")
    form.locator("select[name=title]").select_option("主治医师")
    form.locator("input[name=specialty]").fill("急诊医学")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/personnel/*?saved=1")
    assert "欧阳浏览" in page.locator("main h1").inner_text()

    page.goto(f"{demo_server.base}/t/beijing/personnel?q=欧阳浏览")
    row = page.locator("table.list tbody tr", has_text="欧阳浏览")
    assert row.count() == 1
    text = row.inner_text()
    assert f"{ID_NUMBER[:3]}*****{ID_NUMBER[-2:]}" in text and "137****5678" in text
    assert ID_NUMBER not in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the people list scrolls sideways on a phone ({width}px)"
    context.close()
