"""内部培训 on a phone, in the Zhejiang demo (seed 002 §4): the department adds a training, completes its
举办周期 and submits it; it scores the demo's training held yesterday and writes it off; the institution
writes it off in its inbox, and the training reads 已核销 with its credits counted in the statistics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from browser_kit import PHONE, DemoServer, fits_a_phone, sign_in
from cme_platform import clock

pytestmark = pytest.mark.browser

SLUG = "zhejiang"
HELD = "院内感染防控培训（演示）"
NEW = "超声心动图读图业务学习（浏览器）"


def test_a_department_adds_scores_and_writes_off_a_training_the_institution_confirms(
    demo_server: DemoServer, browser: Any
) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, demo_server, SLUG, "dept_admin")
    assert page.locator("nav.menu a", has_text="内部培训").count() >= 1  # in his menu
    page.goto(f"{demo_server.base}/t/{SLUG}/p/zhejiang/trainings")
    fits_a_phone(page, "the trainings")

    # 新增: the facts, then 下一步完善举办周期 adds a session and 提交 sends it to the institution
    page.locator("a.button", has_text="新增").click()
    form = page.locator("form.form")
    form.locator("input[name=name]").fill(NEW)
    form.locator("select[name=level]").select_option("科室组织的活动")
    form.locator("input[name=credits]").fill("0.5")
    form.locator("input[name=hours]").fill("2")
    form.locator("select[name=discipline]").select_option("临床内科学")
    form.locator("select[name=subdiscipline]").select_option("心血管病学")
    form.locator("select[name=form]").select_option("业务学习")
    fits_a_phone(page, "the new training's form")
    form.locator("button", has_text="下一步完善举办周期").click()
    page.wait_for_url("**/p/zhejiang/trainings/*")
    day = clock.today() + timedelta(days=3)
    sessions = page.locator("form", has=page.locator("h3", has_text="添加课程"))
    sessions.locator("input[name=title]").fill("超声心动图标准切面")
    sessions.locator("input[name=day]").fill(str(day))
    sessions.locator("input[name=start]").fill("14:00")
    sessions.locator("input[name=end]").fill("16:00")
    sessions.locator("button", has_text="添加课程").click()
    page.wait_for_selector("text=课程已添加")
    assert "超声心动图标准切面" in page.locator("main").inner_text()
    fits_a_phone(page, "the training's page")
    page.locator("button", has_text="提交单位审核").click()
    page.wait_for_selector("text=已提交单位审核")
    assert "待单位审核" in page.locator("main").inner_text()

    # 待评分: the demo's training held yesterday; three attended long enough, one left early
    page.goto(f"{demo_server.base}/t/{SLUG}/p/zhejiang/trainings?tab=to_score")
    row = page.locator("table.list tbody tr", has_text=HELD)
    row.locator("a.button", has_text="授分").click()
    page.wait_for_url("**/scores")
    fits_a_phone(page, "the scoring sheet")
    inputs = page.locator("input[name^=credits_]")
    assert inputs.count() == 4
    assert [inputs.nth(i).input_value() for i in range(4)] == ["0.5", "0.5", "0.5", "0"]
    assert page.locator("tr", has_text="学时不足").count() == 1
    inputs.nth(0).fill("0.3")
    page.once("dialog", lambda dialog: dialog.accept())  # 确定核销并提交单位核销吗？
    page.locator("button", has_text="核销").click()
    page.wait_for_selector("text=已提交单位核销")
    assert "待单位核销" in page.locator("main").inner_text()
    context.close()

    # 单位核销 in the institution's inbox, then the training reads 已核销
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, demo_server, SLUG, "inst_admin")
    page.goto(f"{demo_server.base}/t/{SLUG}/approvals?kind=zhejiang.training_write_off")
    item = page.locator("li", has=page.locator(".approval-title", has_text=HELD))
    assert item.count() == 1 and "3 人授分" in item.inner_text(), page.locator("main").inner_text()
    fits_a_phone(page, "the write-off inbox")
    item.locator("button[value=approve]").click()
    page.wait_for_url("**/approvals?decided=approve")
    page.goto(f"{demo_server.base}/t/{SLUG}/p/zhejiang/trainings")
    assert "已核销" in page.locator("table.list tbody tr", has_text=HELD).inner_text()
    page.goto(f"{demo_server.base}/t/{SLUG}/approvals?kind=zhejiang.training")
    assert NEW in page.locator("main").inner_text()  # the department's new training waits here
    page.goto(f"{demo_server.base}/t/{SLUG}/p/zhejiang/trainings/statistics")
    fits_a_phone(page, "the statistics")
    granted = page.locator("table.list tbody tr", has_text="合计").locator("td[data-label=授予学分]")
    if (clock.today() - timedelta(days=5)).year == clock.today().year:  # both demo trainings this year
        assert granted.inner_text() == "3.3"  # 4 × 0.5 written off by the demo, 0.3 + 0.5 + 0.5 now
    context.close()
