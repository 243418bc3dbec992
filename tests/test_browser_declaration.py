"""On a phone, Zhejiang's 新项目申报 (seed 002 §3.1): a 科室 account declares a provincial project and
submits it; the institution checks it and the commission publishes it in the approvals inbox; the 科室
sees it published with its number, and it is listed in 已公布项目 (项目查询)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_kit import PHONE, DemoServer, fits_a_phone, sign_in
from cme_platform.approvals.kinds import PROJECT_DECLARATION

pytestmark = pytest.mark.browser

SLUG = "zhejiang"
NAME = "老年护理适宜技术培训班（浏览器测试）"


def _approve(browser: Any, server: DemoServer, username: str, step: str) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, server, SLUG, username)
    page.goto(f"{server.base}/t/{SLUG}/approvals?kind={PROJECT_DECLARATION}")
    item = page.locator("li", has=page.locator(".approval-title", has_text=NAME))
    assert item.count() == 1 and step in item.inner_text(), f"{username} does not see the declaration"
    fits_a_phone(page, f"{username}'s inbox")
    item.locator("button[value=approve]").click()
    page.wait_for_url("**/approvals?decided=approve")
    context.close()


def test_a_department_declares_and_the_commission_publishes_on_a_phone(
    demo_server: DemoServer, browser: Any
) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, demo_server, SLUG, "dept_admin")
    page.locator("#main-menu summary").click()
    page.locator("nav a", has_text="新项目申报").first.click()
    form = page.locator("form.form")
    assert form.locator("input[name=number]").count() == 0  # the number comes with the publication
    assert form.locator("select[name=level] option").all_inner_texts() == ["省级", "市级"]
    form.locator("input[name=name]").fill(NAME)
    form.locator("select[name=level]").select_option("省级")
    form.locator("select[name=discipline]").select_option("护理学")
    form.locator("input[name=leader]").fill("陈护士长")
    form.locator("input[name=credits]").fill("5")
    form.locator("input[name=hours]").fill("15")
    fits_a_phone(page, "the declaration form")
    form.locator("button.primary").click()
    page.wait_for_url("**/projects/*")
    assert "未提交" in page.locator("main").inner_text()
    page.locator("button.primary", has_text="提交申报").click()
    page.wait_for_url("**/projects/*")
    main = page.locator("main").inner_text()
    assert "评审中" in main and "上报" in main  # the status and the history
    project_url = page.url
    context.close()

    _approve(browser, demo_server, "inst_admin", "单位审核")
    _approve(browser, demo_server, "admin", "继教委评审")

    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, demo_server, SLUG, "dept_admin")
    page.goto(project_url)
    facts = page.locator("dl.facts").inner_text()
    assert "已公布" in facts and "-省级-" in facts
    assert page.locator("a.button", has_text="新增期数").count() == 1  # published: it may now be held
    page.goto(f"{demo_server.base}/t/{SLUG}/projects?keyword=浏览器测试")
    assert page.locator("table.list tbody tr", has_text=NAME).count() == 1
    fits_a_phone(page, "the published list")
    context.close()
