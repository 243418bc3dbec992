"""On a phone, Jiangsu's hosting application (seed 004 §1.2): the demo project owner enters a national
project, adds a run with a session, uploads the 会议通知 and the 会议日程 and submits; his institution's
科教部门 confirms and the commission approves in the approvals inbox; the run shows as approved in his list
and the project appears in the public project query."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from browser_kit import PHONE, DemoServer, fits_a_phone, png_file, sign_in
from cme_platform.clock import CHINA

pytestmark = pytest.mark.browser

SLUG = "jiangsu"
NUMBER = "2026-14-02-049 (国)"
NAME = "外科护理新进展学习班（浏览器测试）"


def _open_menu_entry(page: Any, label: str) -> None:
    """Open the phone's menu (folded below 860 px) and follow one of its entries."""
    page.locator("#main-menu summary").click()
    page.locator("nav a", has_text=label).first.click()


def _approve_in_inbox(browser: Any, server: DemoServer, username: str, step: str) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, server, SLUG, username)
    _open_menu_entry(page, "举办申请审核")
    item = page.locator("li", has=page.locator(".approval-title", has_text=NAME))
    assert item.count() == 1, f"{username} does not see the application"
    text = item.inner_text()
    assert step in text and "会议通知.png" in text and "会议日程.png" in text
    fits_a_phone(page, f"{username}'s inbox")
    item.locator("button[value=approve]").click()
    page.wait_for_url("**/approvals?decided=approve")
    context.close()


def test_an_owner_applies_and_the_institution_and_commission_approve_on_a_phone(
    demo_server: DemoServer, browser: Any, tmp_path: Path
) -> None:
    today = datetime.now(CHINA).date().isoformat()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, demo_server, SLUG, "project_owner")
    _open_menu_entry(page, "我的项目")
    fits_a_phone(page, "my projects")
    page.locator("a.button", has_text="国家级项目录入").click()
    form = page.locator("form.form")
    form.locator("input[name=number]").fill(NUMBER)
    form.locator("input[name=name]").fill(NAME)
    form.locator("select[name=level]").select_option("国家级")
    form.locator("select[name=discipline]").select_option("护理学")
    form.locator("select[name=subdiscipline]").select_option("外科护理学")
    form.locator("input[name=leader]").fill("测试用")
    form.locator("input[name=credits]").fill("30")
    fits_a_phone(page, "the project form")
    form.locator("button.primary").click()
    assert "学分不能超过25" in page.locator("form.form").inner_text()  # the policy's maximum, kept values
    assert form.locator("input[name=name]").input_value() == NAME
    form.locator("input[name=credits]").fill("10")
    form.locator("button.primary").click()
    page.wait_for_url("**/projects/*")
    assert NUMBER in page.locator("main").inner_text()

    page.locator("a.button", has_text="新增期数").click()
    form = page.locator("form.form")
    form.locator("input[name=venue]").fill("苏州")
    form.locator("input[name=starts_on]").fill(today)
    form.locator("input[name=ends_on]").fill(today)
    form.locator("button.primary").click()
    page.wait_for_url("**/projects/runs/*")

    page.locator("button.primary", has_text="提交申请").click()  # nothing added yet: refused, says why
    main = page.locator("main").inner_text()
    assert "请至少添加一个课程" in main and "请上传会议通知" in main

    sessions = page.locator("form", has=page.locator("input[name=title]"))
    sessions.locator("input[name=title]").fill("围手术期护理")
    sessions.locator("input[name=speakers]").fill("李教授")
    sessions.locator("input[name=day]").fill(today)
    sessions.locator("input[name=start]").fill("09:00")
    sessions.locator("input[name=end]").fill("11:00")
    sessions.locator("button[type=submit]").click()
    page.wait_for_url("**/projects/runs/*#sessions")
    assert "围手术期护理" in page.locator("#sessions + table").inner_text()

    for label in ("会议通知", "会议日程"):
        scan = png_file(tmp_path / f"{label}.png", size=(320, 200))
        row = page.locator("#materials + table tr", has_text=label)
        row.locator("input[type=file]").set_input_files(str(scan))
        row.locator("button[type=submit]").click()
        page.wait_for_url("**#materials")
        assert f"{label}.png" in page.locator("#materials + table tr", has_text=label).inner_text()
    fits_a_phone(page, "the run page")
    page.locator("button.primary", has_text="提交申请").click()
    page.wait_for_url("**/projects/runs/*")
    assert "审核中（单位确认）" in page.locator("main").inner_text()
    run_url = page.url
    context.close()

    _approve_in_inbox(browser, demo_server, "inst_admin", "单位确认")
    _approve_in_inbox(browser, demo_server, "admin", "继教委审核")

    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, demo_server, SLUG, "project_owner")
    _open_menu_entry(page, "我的项目")
    row = page.locator("table.list tr", has_text=NAME)
    assert "已批准举办" in row.inner_text()
    page.goto(run_url)
    assert "提交申请" not in page.locator("main").inner_text()  # an approved run no longer changes
    context.close()

    visitor = browser.new_context(**PHONE)
    page = visitor.new_page()
    page.goto(f"{demo_server.base}/t/{SLUG}/projects?keyword=浏览器测试")
    row = page.locator("table.list tbody tr", has_text=NAME)
    assert row.count() == 1 and "苏州" in row.inner_text()
    fits_a_phone(page, "the public project query")
    row.locator("a", has_text=NAME).click()
    assert "围手术期护理" in page.locator("main").inner_text()  # the approved run's schedule
    visitor.close()
