"""The UI kit's person picker on a phone: an institution administrator entering a credit for someone finds
him by the beginning of his name or by his full ID number, and picks him from the list; the form's long
二级学科 list narrows to what he types, and 三级学科 follows the choice."""

from __future__ import annotations

from typing import Any

import pytest
from browser_kit import PHONE, DemoServer, fits_a_phone, sign_in
from cme_platform.credits.disciplines import DISCIPLINES
from cme_platform.demo import DEMO_LEARNER_ID

pytestmark = pytest.mark.browser

SLUG = "zhejiang"
LEARNER = "张学员（演示）"


def test_an_administrator_finds_a_person_by_name_or_id_number_and_picks_him(
    demo_server: DemoServer, browser: Any
) -> None:
    ((number,),) = demo_server.query(
        "SELECT person_number FROM personnel_person WHERE name = ?"
        " AND tenant = (SELECT id FROM tenant WHERE slug = ?)",
        LEARNER,
        SLUG,
    )
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{demo_server.base}/t/{SLUG}/login")
    sign_in(page, demo_server, SLUG, "inst_admin")
    page.goto(f"{demo_server.base}/t/{SLUG}/credits/new/free")
    field = page.locator(".person-picker input[name=person]")
    field.fill(DEMO_LEARNER_ID[:12])  # a part of an ID number is never searched (nor put in a URL)
    page.wait_for_function("() => document.querySelector('.picker-status').textContent.includes('完整')")
    assert page.locator(".picker-results").is_hidden()
    for typed in ("张学员", DEMO_LEARNER_ID):
        field.fill(typed)
        choice = page.locator(".picker-results button", has_text=LEARNER)
        choice.wait_for()
        assert DEMO_LEARNER_ID not in choice.inner_text()  # the ID number shows masked
        fits_a_phone(page, "the picker's list")
        choice.click()
        page.wait_for_timeout(800)  # the search its blur started must not answer over the choice
        assert field.input_value() == number
        assert page.locator(".picker-results").is_hidden()
        assert f"已选：{LEARNER}（{number}）" in page.locator(".picker-status").inner_text()
    context.close()


def test_a_long_select_narrows_to_the_text_typed(demo_server: DemoServer, browser: Any) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, demo_server, SLUG, "inst_admin")
    page.goto(f"{demo_server.base}/t/{SLUG}/credits/new/free")
    discipline = page.locator("select[name=discipline]")
    assert discipline.locator("option").count() == len(DISCIPLINES) + 1
    narrow = page.get_by_label("筛选二级学科")
    assert page.locator("label", has=discipline).locator("select").count() == 1
    narrow.fill("口腔")
    assert discipline.locator("option").all_inner_texts() == ["请选择", "口腔医学"]
    fits_a_phone(page, "a narrowed select")
    narrow.press("Enter")  # the only match is taken; the form is not submitted
    assert discipline.input_value() == "口腔医学" and "/credits/new/free" in page.url
    offered = page.locator("select[name=subdiscipline] option:not([value=''])")
    assert offered.all_inner_texts() == list(DISCIPLINES["口腔医学"])
    assert page.get_by_label("筛选三级学科").is_hidden()  # a short list needs no box
    narrow.fill("")
    assert discipline.locator("option").count() == len(DISCIPLINES) + 1
    assert discipline.input_value() == "口腔医学"  # clearing the box keeps the choice
    context.close()
