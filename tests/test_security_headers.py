"""Security headers: every response (pages, JSON, errors, static files) sends a Content Security Policy
without inline scripts, no framing, no sniffing and a same-origin referrer policy; downloads keep their own
stricter policy; no template relies on inline script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cme_admin_ui import TEMPLATE_DIR

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" * 40


def assert_protected(response: Any) -> None:
    headers = response.headers
    policy = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'", "scripts come from the site only, never inline"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


async def test_pages_json_errors_and_static_files_carry_the_headers(cme_client: Any, world: Any) -> None:
    page = await cme_client.get("/t/alpha/login")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert_protected(page)
    assert '<script src="/static/app.js" defer></script>' in page.text
    unauthenticated = await cme_client.get("/t/alpha/api/orgs/regions")
    assert unauthenticated.status_code == 401 and unauthenticated.json()["code"]
    assert_protected(unauthenticated)
    missing = await cme_client.get("/t/alpha/no-such-page")
    assert missing.status_code == 404
    assert_protected(missing)
    script = await cme_client.get("/static/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert_protected(script)


async def test_downloads_keep_their_own_stricter_policy(cme_client: Any, world: Any, login: Any) -> None:
    await login(cme_client, world.tenant, "learner")
    uploaded = await cme_client.post(
        "/t/alpha/api/files",
        data={"purpose": "evidence"},
        files={"file": ("证明.pdf", PDF, "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    link = (await cme_client.get(f"/t/alpha/api/files/{uploaded.json()['id']}")).json()["download_url"]
    download = await cme_client.get(link)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers.get_list("content-security-policy") == ["default-src 'none'; sandbox"]
    assert download.headers["x-frame-options"] == "DENY"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_has_inline_script_or_event_handlers() -> None:
    templates = [*Path(TEMPLATE_DIR).rglob("*.html"), *ROOT.glob("plugins/*/cme_*/**/*.html")]
    assert len(templates) > 20
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in templates
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER)
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "the Content Security Policy blocks inline script: use static/app.js"


async def test_every_page_links_the_favicon_that_static_serves(cme_client: Any, world: Any) -> None:
    login = await cme_client.get(f"/t/{world.tenant.slug}/login")
    assert '<link rel="icon" href="/static/favicon.svg"' in login.text
    icon = await cme_client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
