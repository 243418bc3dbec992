"""What the browser tests share: a demo server in a subprocess, Debian's Chromium, and signing in.

The server runs ``cme demo --no-serve`` on a fresh SQLite database and then ``cme serve``; its log
(where the console SMS gateway writes codes) is kept in ``DemoServer.log_path``. Captchas are solved by
deriving the challenge's answer with the server's secret, as only a test may.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "Demo@2026"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
"""A browser context of a phone: 390 px wide, touch, the page's own viewport."""
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


@dataclass
class DemoServer:
    """A running demo: ``base`` URL, its data directory and its log file."""

    base: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def database(self) -> Path:
        """The server's SQLite database file."""
        return self.data_dir / "cme.sqlite3"

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run a read-only query against the server's database."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as connection:
            return list(connection.execute(sql, params))

    def captcha_answer(self, token: str) -> str:
        """The answer of a captcha challenge, derived with the server's secret (``<data dir>/secret_key``)."""
        from cme_platform.identity.captcha import captcha_answer_for

        return captcha_answer_for(token, (self.data_dir / "secret_key").read_text().strip())

    def log(self) -> str:
        """Everything the server has logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, pattern: str, timeout: float = 10.0) -> re.Match[str]:
        """Wait until the log matches ``pattern`` (a regular expression) and return the last match."""
        deadline = time.monotonic() + timeout
        while True:
            matches = list(re.finditer(pattern, self.log()))
            if matches:
                return matches[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} did not appear in the server log:\n{self.log()[-2000:]}")
            time.sleep(0.1)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PICCOLO_"))}
    env.update(CME_DATA_DIR=str(data_dir), CME_TENANTS_DIR=str(ROOT / "tenants"), CME_PORT=str(port), **extra)
    return env


def serve(data_dir: Path, *, log_name: str = "server.log", **extra_env: str) -> DemoServer:
    """``cme serve`` on ``data_dir`` (already set up) on a free port, with ``extra_env`` variables."""
    port = free_port()
    log_path = data_dir / log_name
    process = subprocess.Popen(
        [sys.executable, "-m", "cme_platform.cli", "serve"],
        cwd=ROOT,
        env=_server_env(data_dir, port, **extra_env),
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"server did not start: {log_path.read_text()[-2000:]}") from None
            time.sleep(0.2)
    return DemoServer(base=base, data_dir=data_dir, log_path=log_path, process=process)


def start_demo_server(data_dir: Path) -> DemoServer:
    """Set up the demo data in ``data_dir`` and serve it on a free port."""
    setup = subprocess.run(
        [sys.executable, "-m", "cme_platform.cli", "demo", "--no-serve"],
        cwd=ROOT,
        env=_server_env(data_dir, free_port()),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert setup.returncode == 0, setup.stderr
    return serve(data_dir)


def stop_demo_server(server: DemoServer) -> None:
    """Stop the server process."""
    server.process.terminate()
    server.process.wait(timeout=10)


def chromium_executable() -> str | None:
    """Debian's Chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def solve_captcha(page: Any, server: DemoServer) -> None:
    """Fill the form's captcha field with the answer of the challenge the page shows."""
    token = page.locator("input[name=captcha_token]").input_value()
    page.fill("input[name=captcha]", server.captcha_answer(token))


def sign_in(page: Any, server: DemoServer, slug: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the tenant's login form (username, password, captcha) and submit it."""
    if "/login" not in page.url:
        page.goto(f"{server.base}/t/{slug}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    solve_captcha(page, server)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()


def learners_sign_in_directly(server: DemoServer) -> None:
    """The demo learners keep their first password (the forced change has its own browser test)."""
    with sqlite3.connect(server.database) as db:
        sql = "UPDATE identity_account SET must_change_password = 0 WHERE display_name = ?"
        db.execute(sql, ("张学员（演示）",))


def png_file(
    path: Path, size: tuple[int, int] = (16, 16), colour: tuple[int, int, int] = (30, 90, 200)
) -> Path:
    """Write a real PNG image of ``size`` to ``path`` (a scan to upload) and return the path."""
    from PIL import Image

    Image.new("RGB", size, colour).save(path, format="PNG")
    return path


def fits_a_phone(page: Any, where: str) -> None:
    """Assert that the page does not scroll sideways at a phone's 390 px (``where`` names it)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{where} scrolls sideways on a phone ({width}px)"
