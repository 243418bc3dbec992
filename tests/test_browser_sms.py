"""SMS-code sign-in in a real browser on a phone-sized screen: the code comes from the server log."""

from __future__ import annotations

import re
import sqlite3

import pytest
from browser_kit import solve_captcha
from cme_platform.pii import mask_phone

pytestmark = pytest.mark.browser

PHONE = "19912345678"


def _account_with_phone(demo_server) -> tuple[str, str]:
    """(display name, phone) of a Beijing demo account that lands on the home page (given :data:`PHONE`)."""
    with sqlite3.connect(demo_server.database) as db:
        account_id, display_name, phone = db.execute(
            "SELECT a.id, a.display_name, a.phone FROM identity_account a JOIN tenant t ON a.tenant = t.id"
            " WHERE t.slug = 'beijing' AND a.active = 1 AND a.must_change_password = 0"
            " ORDER BY a.phone IS NULL, a.id LIMIT 1"
        ).fetchone()
        if not phone:
            db.execute("UPDATE identity_account SET phone = ? WHERE id = ?", (PHONE, account_id))
            phone = PHONE
    return display_name, phone


def test_sms_code_sign_in(demo_server, browser):
    display_name, phone = _account_with_phone(demo_server)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{demo_server.base}/t/beijing/login")
    page.click("text=短信验证码登录")
    page.wait_for_url(f"{demo_server.base}/t/beijing/login/sms")
    page.fill("input[name=phone]", phone)
    solve_captcha(page, demo_server)
    page.click("form.sms-send button[type=submit]")
    page.wait_for_load_state()
    assert "验证码已发送" in page.locator("main").inner_text()
    assert page.locator("form.sms-resend button").is_disabled(), "resending must wait 60 seconds"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
    code = demo_server.wait_for_log(rf"SMS to {re.escape(mask_phone(phone))}: .*?验证码为 (\d{{6}})").group(1)
    page.fill("input[name=code]", code)
    page.click("form.sms-code button[type=submit]")
    page.wait_for_url(f"{demo_server.base}/t/beijing/")
    header = page.locator("header").inner_text()
    assert display_name in header and "退出" in header
    context.close()
