"""On a phone: the Zhejiang demo learner finds the credit his department returned on his home page and in
his messages, reads the reason, replaces the scan and sends it again; the department administrator sees
the new scan in the card and approves it there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_kit import PHONE, DemoServer, fits_a_phone, learners_sign_in_directly, png_file, sign_in
from cme_platform.credits.disciplines import DISCIPLINES
from cme_platform.demo import DEMO_LEARNER_ID

pytestmark = pytest.mark.browser

SLUG = "zhejiang"
RETURNED = "急危重症护理技能培训"
"""The demo credit the learner's department returned (``cme_platform.credits.demo``)."""


def test_a_returned_credit_is_found_corrected_resent_and_approved_on_a_phone(
    demo_server: DemoServer, browser: Any, tmp_path: Path
) -> None:
    learners_sign_in_directly(demo_server)
    scan = png_file(tmp_path / "重新拍摄的证书.png", size=(240, 160), colour=(20, 120, 60))

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{demo_server.base}/t/{SLUG}/login")
    sign_in(page, demo_server, SLUG, DEMO_LEARNER_ID, DEMO_LEARNER_ID[-6:])
    todo = page.locator("li.todo", has_text=RETURNED)
    assert todo.count() == 1, "the returned credit is not on the learner's home page"
    assert "证明照片不清晰" in todo.inner_text()
    assert int(page.locator(".inbox-link .badge").inner_text()) >= 1
    fits_a_phone(page, "the home page")

    page.locator(".inbox-link").click()
    page.wait_for_url("**/notifications")
    message = page.locator("li.message", has_text=RETURNED)
    assert message.count() == 1 and "证明照片不清晰" in message.inner_text()
    fits_a_phone(page, "the messages")
    message.locator("a").click()
    page.wait_for_url("**/credits/*")
    assert "审核意见：证明照片不清晰" in page.locator("main").inner_text()
    page.locator("main a.button", has_text="编辑").click()
    page.wait_for_url("**/edit")
    form = page.locator("form.form")
    chosen = form.locator("select[name=discipline]").input_value()
    offered = form.locator("select[name=subdiscipline] optgroup option")
    assert offered.count() == len(DISCIPLINES[chosen]), "三级学科 of other 二级学科 are offered"
    form.locator("select[name=discipline]").select_option("医学心理学")
    assert offered.all_inner_texts() == list(DISCIPLINES["医学心理学"])
    form.locator("select[name=discipline]").select_option(chosen)
    form.locator("select[name=subdiscipline]").select_option(DISCIPLINES[chosen][0])
    form.locator("input[name=file]").set_input_files(str(scan))
    form.locator("button[value=submit]").click()
    page.wait_for_url("**/credits/*?submitted=1")
    main = page.locator("main").inner_text()
    assert "待审核" in main and "重新拍摄的证书.png" in main
    context.close()

    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{demo_server.base}/t/{SLUG}/login")
    sign_in(page, demo_server, SLUG, "dept_admin")
    page.goto(f"{demo_server.base}/t/{SLUG}/approvals")
    card = page.locator("li.approval-item", has_text=RETURNED)
    assert card.count() == 1, "the resent credit is not in the department's inbox"
    images = card.locator("img.evidence-image")
    assert images.count() == 2  # the old scan and the new one, shown in the card
    images.last.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=images.last.element_handle())
    assert images.last.evaluate("img => img.naturalWidth") == 240
    fits_a_phone(page, "the approver's cards")
    card.locator("button[value=approve]").click()
    page.wait_for_url("**/approvals?decided=approve")
    assert page.locator("li.approval-item", has_text=RETURNED).count() == 0
    context.close()
