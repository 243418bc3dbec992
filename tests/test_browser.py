"""A real browser (Debian's Chromium through Playwright) walks through the demo as a person would."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``cme demo`` data on a fresh SQLite database, served by ``cme serve`` on a free port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PICCOLO_"))}
    env.update(
        CME_DATA_DIR=str(tmp_path_factory.mktemp("browser-data")),
        CME_TENANTS_DIR=str(ROOT / "tenants"),
        CME_PORT=str(port),
    )
    cme = [sys.executable, "-m", "cme_platform.cli"]
    setup = subprocess.run(
        [*cme, "demo", "--no-serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert setup.returncode == 0, setup.stderr
    server = subprocess.Popen(
        [*cme, "serve"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                message = server.stderr.read().decode() if server.stderr else ""
                raise RuntimeError(f"server did not start: {message}") from None
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail(
            "Debian's chromium is not installed: run `make test` (scripts/bootstrap.sh --test installs it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


PLUGIN_MENU = {"beijing": "/p/beijing/", "zhejiang": "/p/zhejiang/", "jiangsu": "/p/jiangsu/"}


@pytest.mark.parametrize("slug", ["beijing", "zhejiang", "jiangsu"])
def test_start_page_by_path_shows_tenant_and_plugin_menu(demo_server, browser, slug):
    page = browser.new_page()
    page.goto(f"{demo_server}/t/{slug}/")
    heading = page.locator("main h1").inner_text()
    assert "继续医学教育委员会" in heading
    plugin_links = page.locator(f'nav a[href^="/t/{slug}/p/{slug}/"]')
    assert plugin_links.count() >= 1, "the plugin's public menu entry is missing"
    plugin_links.first.click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{demo_server}/t/{slug}/p/{slug}/")
    assert page.locator("main h1").count() == 1
    page.close()


def test_start_page_by_host_name(demo_server, browser):
    port = demo_server.rsplit(":", 1)[1]
    page = browser.new_page()
    page.goto(f"http://zhejiang.localhost:{port}/")
    assert "浙江省继续医学教育委员会" in page.locator("main h1").inner_text()
    assert page.locator('nav a[href^="/p/zhejiang/"]').count() >= 1
    page.close()


def test_admin_signs_in_and_adds_a_department_on_a_phone(demo_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{demo_server}/t/beijing/orgs/departments")
    assert page.url.endswith("/t/beijing/login")
    page.fill("input[name=username]", "inst_admin")
    page.fill("input[name=password]", "Demo@2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo_server}/t/beijing/")
    assert "单位管理员" in page.locator("main").inner_text()
    page.goto(f"{demo_server}/t/beijing/orgs/departments/new")
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
    response = page.goto(f"{demo_server}/t/atlantis/")
    assert response is not None and response.status == 404
    assert "atlantis" in page.locator("main").inner_text()
    page.close()
