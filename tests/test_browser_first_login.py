"""First sign-in in a real browser: default password, captcha, forced password change, home page."""

from __future__ import annotations

import sqlite3

import pytest
from browser_kit import sign_in
from cme_platform.identity.id_number import check_character
from cme_platform.identity.password_policy import default_password
from cme_platform.identity.passwords import hash_password

pytestmark = pytest.mark.browser

FIRST_17 = "11010819880412561"
NEW_PASSWORD = "Xin#Mima2026"


def _create_learner(demo_server, username: str) -> None:
    """An account that must change its default password, written straight into the demo database."""
    with sqlite3.connect(demo_server.database) as db:
        tenant_id, created_at = db.execute(
            "SELECT t.id, a.created_at FROM tenant t JOIN identity_account a ON a.tenant = t.id"
            " WHERE t.slug = 'beijing' LIMIT 1"
        ).fetchone()
        db.execute(
            "INSERT INTO identity_account (tenant, username, display_name, password_hash, active,"
            " must_change_password, created_at) VALUES (?, ?, ?, ?, 1, 1, ?)",
            (tenant_id, username, "李首登", hash_password(default_password(username)), created_at),
        )


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"


def test_first_login_forces_a_password_change(demo_server, browser):
    username = FIRST_17 + check_character(FIRST_17)
    _create_learner(demo_server, username)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{demo_server.base}/t/beijing/login")
    assert page.locator("form.login img[alt=图形验证码]").evaluate("img => img.naturalWidth") > 0
    _no_sideways_scroll(page)

    sign_in(page, demo_server, "beijing", username, default_password(username))
    assert page.url == f"{demo_server.base}/t/beijing/account/password"
    assert "首次登录" in page.locator("main").inner_text()
    _no_sideways_scroll(page)
    page.goto(f"{demo_server.base}/t/beijing/")
    assert page.url == f"{demo_server.base}/t/beijing/account/password", "the home page must wait"

    page.fill("input[name=current_password]", default_password(username))
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=confirm_password]", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{demo_server.base}/t/beijing/")
    assert "李首登" in page.locator("header").inner_text()
    rows = demo_server.query(
        "SELECT must_change_password, password_changed_at FROM identity_account WHERE username = ?", username
    )
    assert rows[0][0] == 0 and rows[0][1] is not None
    context.close()
