"""Every page of every demo role of every tenant, opened in a real browser on a phone and on a desk.

Each role signs in once (in a phone's browser), reads its menu and opens every entry at 390×844; each
page is then widened to 1366×768 (a desk) and checked again. For every page it asserts what a user would
notice first:

- nothing scrolls sideways, at either width: neither the page nor any element inside it (``scrollWidth``
  ≤ ``clientWidth`` + 1 for every element; a wide table inside a box that scrolls is exactly what a phone
  user cannot read);
- no 4xx or 5xx answer;
- no English word in the visible text outside the allowed words (formats, units, names such as API);
- every date-time is China time: none is eight hours behind (a stamp of this session rendered in UTC)
  and none lies in the future, except a planned time (an element marked ``data-planned``, such as a
  session's start, which the demo puts later today when it loads just after midnight).

It prints each page's load time; pages over 300 ms at the median are marked (measured, not asserted).
"""

from __future__ import annotations

import re
import statistics
import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest
from browser_kit import PHONE, DemoServer, learners_sign_in_directly, sign_in
from cme_platform.clock import CHINA
from cme_platform.demo import DEMO_LEARNER_ID, DEMO_PASSWORD
from cme_platform.identity.password_policy import default_password

pytestmark = pytest.mark.browser

TENANTS = ("beijing", "jiangsu", "zhejiang")
USERNAMES = (
    "admin",
    "audit_expert",
    "region_admin",
    "inst_admin",
    "dept_admin",
    "project_owner",
    "onsite_manager",
    DEMO_LEARNER_ID,
)
PHONE_SIZE = {"width": 390, "height": 844}
DESK_SIZE = {"width": 1366, "height": 768}
ALLOWED_WORDS = {
    # formats and units
    *("excel", "pdf", "jpeg", "jpg", "png", "xlsx", "kb", "mb", "gb"),
    # names that read as such in Chinese text: API 令牌, IC 卡, SCI 收录, SMS, Ⅰ/Ⅱ类学分 in Latin letters
    *("api", "id", "ip", "ic", "sci", "sms", "ii"),
}
"""Words that are names of formats, units or products, and read as such in Chinese text too. Data a user
typed (login names, codes, file names) is marked ``translate="no"`` and not checked."""
SLOW_MS = 300

WIDE_ELEMENTS = """() => {
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    if (["INPUT", "TEXTAREA", "SELECT", "OPTION", "SCRIPT", "STYLE"].includes(el.tagName)) continue;
    if (el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      const classes = typeof el.className === "string" ? el.className.split(/\\s+/) : [];
      const tag = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
      const name = [tag, ...classes].filter(Boolean).join(".");
      wide.push(`${name} ${el.scrollWidth}>${el.clientWidth}`);
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1) wide.unshift(`page ${page.scrollWidth}>${page.clientWidth}`);
  return wide.slice(0, 5);
}"""

VISIBLE_WORDS = """() => {
  const words = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (!parent || parent.closest("script, style, code, kbd, samp, [translate=no]")) continue;
    if (!parent.checkVisibility()) continue;
    words.push(...(walker.currentNode.textContent.match(/[A-Za-z][A-Za-z]+/g) || []));
  }
  return words;
}"""

PLANNED_TEXT = """() => Array.from(
  document.querySelectorAll("[data-planned]"), el => el.innerText
).join("\\n")"""

STAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})")


def password_of(username: str) -> str:
    return default_password(username) if username == DEMO_LEARNER_ID else DEMO_PASSWORD


def menu_links(page: Any) -> list[str]:
    hrefs = page.eval_on_selector_all("nav.menu li a", "links => links.map(a => a.getAttribute('href'))")
    return sorted(set(hrefs))


def wrong_times(text: str, now: datetime, *, planned: bool = False) -> list[str]:
    """Date-times in ``text`` that are not China time: eight hours behind a stamp of this session, or
    (unless the times are ``planned``) ahead of now."""
    found = []
    for match in STAMP.finditer(text):
        year, month, day, hour, minute = (int(part) for part in match.groups())
        try:
            shown = datetime(year, month, day, hour, minute, tzinfo=CHINA)
        except ValueError:
            continue
        ahead = not planned and shown > now + timedelta(minutes=2)
        if ahead or abs(shown - (now - timedelta(hours=8))) < timedelta(hours=1):
            found.append(match.group(0))
    return found


def english_words(page: Any) -> list[str]:
    """English words in the page's visible text, outside data marked as such and the allowed words."""
    return sorted({word for word in page.evaluate(VISIBLE_WORDS) if word.casefold() not in ALLOWED_WORDS})


def problems_of(page: Any, where: str, response: Any) -> list[str]:
    """What is wrong with the page just opened (``where`` names it in the messages)."""
    if response is None or response.status >= 400:
        return [f"{where}: HTTP {response and response.status}"]
    found = []
    wide = page.evaluate(WIDE_ELEMENTS)
    if wide:
        found.append(f"{where}: scrolls sideways: {'; '.join(wide)}")
    english = english_words(page)
    if english:
        found.append(f"{where}: English words: {', '.join(english[:8])}")
    now = datetime.now(CHINA)
    planned = page.evaluate(PLANNED_TEXT)
    stamps = page.locator("body").inner_text()
    for text in planned.splitlines():
        stamps = stamps.replace(text, "")
    times = wrong_times(stamps, now) + wrong_times(planned, now, planned=True)
    if times:
        found.append(f"{where}: not China time: {', '.join(times[:3])}")
    return found


@pytest.mark.parametrize("slug", TENANTS)
def test_every_page_of_every_role_reads_well_on_a_phone_and_a_desk(
    demo_server: DemoServer, browser: Any, slug: str
) -> None:
    learners_sign_in_directly(demo_server)
    problems: list[str] = []
    timings: dict[str, list[float]] = defaultdict(list)
    for username in USERNAMES:
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(f"{demo_server.base}/t/{slug}/login")
        sign_in(page, demo_server, slug, username, password_of(username))
        assert "/login" not in page.url, f"{slug} {username} could not sign in"
        for link in [f"/t/{slug}/", *menu_links(page)]:
            page.set_viewport_size(PHONE_SIZE)
            started = time.perf_counter()
            response = page.goto(f"{demo_server.base}{link}")
            timings[link].append((time.perf_counter() - started) * 1000)
            problems += problems_of(page, f"{slug} 手机 390 {username} {link}", response)
            page.set_viewport_size(DESK_SIZE)  # the same page on a desk's width: lists become tables
            wide = page.evaluate(WIDE_ELEMENTS)
            if wide:
                problems.append(f"{slug} 桌面 1366 {username} {link}: scrolls sideways: {'; '.join(wide)}")
        context.close()
    medians = {link: statistics.median(ms) for link, ms in timings.items()}
    print(f"\n{slug}: {sum(map(len, timings.values()))} pages opened; median load time per page (ms):")
    for link, ms in sorted(medians.items(), key=lambda item: -item[1]):
        print(f"  {ms:7.0f}  {link}{'   ← over ' + str(SLOW_MS) + ' ms' if ms > SLOW_MS else ''}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
