"""按标准授分 on a phone, in the Beijing demo (seed 000's 3-step wizard): the institution's administrator
chooses 进修学习不满3个月, picks two people with the kit's picker, fills the activity with its hours,
sees the credits computed as he types, attaches the notice, confirms, and reads the grant with each
person's credit; the demo's own grant of teaching rounds is listed beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_kit import PHONE, DemoServer, fits_a_phone, png_file, sign_in

pytestmark = pytest.mark.browser

SLUG = "beijing"


def test_an_institution_grants_credits_to_two_people_in_three_steps(
    demo_server: DemoServer, browser: Any, tmp_path: Path
) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, demo_server, SLUG, "inst_admin")
    page.goto(f"{demo_server.base}/t/{SLUG}/credits/standard-grants")
    assert "内科教学查房（演示）" in page.locator("main").inner_text()  # the demo's grant
    fits_a_phone(page, "the grants")
    page.locator("a.button", has_text="新增授分").click()
    page.locator("tr", has_text="进修学习不满3个月").locator("a", has_text="选择").click()
    page.wait_for_url("**/new/bj-07")
    fits_a_phone(page, "step 2")
    picks = page.locator("input[name=pick]")
    numbers = [picks.nth(i).locator("xpath=..").inner_text().split("]")[0].lstrip("[") for i in (0, 1)]
    picks.nth(0).check()
    picks.nth(1).check()
    page.locator("button", has_text="加入已选").click()
    assert "已选人员（2）" in page.locator("main").inner_text()
    page.locator("button", has_text="下一步").click()
    page.wait_for_selector("input[name=activity_name]")
    assert "授分人员：2 人" in page.locator("main").inner_text()
    fits_a_phone(page, "step 3")
    form = page.locator("form.form")
    form.locator("input[name=activity_name]").fill("心内科导管室进修（浏览器）")
    form.locator("select[name=form]").select_option("进修学习")
    form.locator("select[name=discipline]").select_option("临床内科学")
    form.locator("select[name=subdiscipline]").select_option("心血管病学")
    form.locator("input[name=hours]").fill("18")
    form.locator("input[name=days]").fill("3")
    preview = page.locator(".preview-credits")
    preview.wait_for()
    page.wait_for_function("() => document.querySelector('.preview-credits').textContent.includes('3')")
    assert "本条学分为 3 分" in preview.inner_text()
    form.locator("input[name=file]").set_input_files(str(png_file(tmp_path / "进修通知.png")))
    page.once("dialog", lambda dialog: dialog.accept())  # 确认向 2 人授予学分？
    form.locator("button", has_text="授予学分").click()
    page.wait_for_url("**/credits/standard-grants/*")
    shown = page.locator("main").inner_text()
    assert "已向 2 人授予学分，共 6 分" in page.locator("body").inner_text()
    assert "心内科导管室进修（浏览器）" in shown and "2 人，6 分" in shown and "进修通知.png" in shown
    assert all(number in shown for number in numbers)
    fits_a_phone(page, "the grant")
    context.close()
