"""A real browser (Debian's Chromium through Playwright) walks through the demo as a person would."""

from __future__ import annotations

import pytest
from browser_kit import sign_in

pytestmark = pytest.mark.browser


PLUGIN_MENU = {"beijing": "/p/beijing/", "zhejiang": "/p/zhejiang/", "jiangsu": "/p/jiangsu/"}


@pytest.mark.parametrize("slug", ["beijing", "zhejiang", "jiangsu"])
def test_start_page_by_path_shows_tenant_and_plugin_menu(demo_server, browser, slug):
    page = browser.new_page()
    page.goto(f"{demo_server.base}/t/{slug}/")
    heading = page.locator("main h1").inner_text()
    assert "继续医学教育委员会" in heading
    plugin_links = page.locator(f'nav a[href^="/t/{slug}/p/{slug}/"]')
    assert plugin_links.count() >= 1, "the plugin's public menu entry is missing"
    plugin_links.first.click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{demo_server.base}/t/{slug}/p/{slug}/")
    assert page.locator("main h1").count() == 1
    page.close()


def test_start_page_by_host_name(demo_server, browser):
    port = demo_server.base.rsplit(":", 1)[1]
    page = browser.new_page()
    page.goto(f"http://zhejiang.localhost:{port}/")
    assert "浙江省继续医学教育委员会" in page.locator("main h1").inner_text()
    assert page.locator('nav a[href^="/p/zhejiang/"]').count() >= 1
    page.close()


def test_admin_signs_in_and_adds_a_department_on_a_phone(demo_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{demo_server.base}/t/beijing/orgs/departments")
    assert page.url.endswith("/t/beijing/login?next=%2Forgs%2Fdepartments")
    sign_in(page, demo_server, "beijing", "inst_admin")
    assert page.url == f"{demo_server.base}/t/beijing/orgs/departments"
    page.goto(f"{demo_server.base}/t/beijing/")
    assert "单位管理员" in page.locator("main").inner_text()
    page.goto(f"{demo_server.base}/t/beijing/orgs/departments/new")
    page.select_option("select[name=institution_id]", index=1)
    page.fill("input[name=name]", "浏览器测试科")
    page.click("button[type=submit]")
    page.wait_for_url("**/orgs/departments?saved=1")
    assert "浏览器测试科" in page.locator("main").inner_text()
    body_width = page.evaluate("document.documentElement.scrollWidth")
    assert body_width <= 390, f"the page scrolls sideways on a phone ({body_width}px)"
    context.close()


def test_unknown_tenant_page(demo_server, browser):
    page = browser.new_page()
    response = page.goto(f"{demo_server.base}/t/atlantis/")
    assert response is not None and response.status == 404
    assert "atlantis" in page.locator("main").inner_text()
    page.close()
