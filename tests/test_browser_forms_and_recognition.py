"""In the demo, on a phone: a department's account selects people with the kit's picker (ticked and
added, one removed, one found by his number as it is typed) and downloads their 多年度学分验证表 as one
PDF (seed 002 §9.1); the demo learner in Jiangsu sees his Zhejiang certificate
recognised after Jiangsu's approval (外省学分认可)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_kit import PHONE, DemoServer, fits_a_phone, learners_sign_in_directly, sign_in
from cme_platform.demo import DEMO_LEARNER_ID
from pdf_kit import pdf_fonts, pdf_text

pytestmark = pytest.mark.browser


def test_a_department_account_exports_the_multi_year_form_of_two_people(
    demo_server: DemoServer, browser: Any
) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, demo_server, "jiangsu", "dept_admin")
    page.goto(f"{demo_server.base}/t/jiangsu/compliance/forms?form=years")
    assert page.locator("main h1").inner_text() == "多年度学分验证表"
    fits_a_phone(page, "the selection screen")
    picks = page.locator("input[name=pick]")
    assert picks.count() >= 3
    names = [picks.nth(i).locator("xpath=..").inner_text() for i in (0, 1, 2)]
    numbers = [name.split("]")[0].removeprefix("[") for name in names]
    picks.nth(0).check()
    picks.nth(1).check()
    page.locator("button", has_text="加入已选").click()  # moved in the page, without a round trip
    selected = page.locator("[data-selected] input[name=drop]")
    assert "已选人员（2）" in page.locator("main").inner_text() and selected.count() == 2
    selected.nth(1).check()
    page.locator("button", has_text="移出").click()
    assert "已选人员（1）" in page.locator("main").inner_text()
    assert page.locator("[data-candidates] label", has_text=numbers[1]).count() == 1  # back among 待选
    # 快速添加: the third found by his person number as it is typed
    page.get_by_label("快速添加").fill(numbers[2])
    page.locator(".picker-results button", has_text=numbers[2]).click()
    assert "已选人员（2）" in page.locator("main").inner_text()
    assert page.locator("[data-selected] label", has_text=numbers[2]).count() == 1
    assert page.locator("[data-candidates] label", has_text=numbers[2]).count() == 0
    fits_a_phone(page, "the selection screen with two people selected")
    names = [names[0], names[2]]
    with page.expect_download() as download:
        page.locator("button.primary", has_text="导出PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    assert all(font[-5] == "yes" for font in pdf_fonts(pdf))
    text = pdf_text(pdf)
    assert text.count("多年度学分验证表") >= 2
    for shown in names:  # "[person number]name department"
        assert shown.split("]")[1].split()[0] in text, (shown, text[:500])
    context.close()


def test_the_demo_learner_sees_his_zhejiang_certificate_recognised_in_jiangsu(
    demo_server: DemoServer, browser: Any
) -> None:
    learners_sign_in_directly(demo_server)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, demo_server, "jiangsu", DEMO_LEARNER_ID, DEMO_LEARNER_ID[-6:])  # his first password
    page.goto(f"{demo_server.base}/t/jiangsu/recognitions")
    shown = page.locator("main").inner_text()
    assert "外省学分认可" in shown and "浙江省继续医学教育委员会" in shown and "审核通过" in shown, shown
    assert "国家级继续医学教育项目" in shown  # the category Jiangsu gives a national project
    fits_a_phone(page, "外省学分认可")
    context.close()
