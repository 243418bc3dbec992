"""Attendance at a venue, from the QR code to the credit (seed 004 §2): in Beijing's demo the project owner
shows the rotating codes of the run held today; the demo learner, on a phone, opens the check-in code
signed out, signs in, confirms, then checks out; a forged or altered code is refused in Chinese and records
nothing. The owner submits the attendee list, the institution ticks the learner (he came after the session
ended, so he is not preselected) and sends it on, and the commission grants: the learner's 考勤记录, his
credit list and his compliance page show the project's credit, and he downloads its certificate, whose QR
code opens the public verification page on anyone's phone.

The codes rotate every 30 seconds (the current and the previous one are accepted), so each scan fetches a
fresh code from the venue's screen just before it is opened.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from browser_kit import PHONE, DemoServer, fits_a_phone, learners_sign_in_directly, sign_in
from cme_platform.demo import DEMO_LEARNER_ID
from cme_platform.personnel.validation import check_character
from pdf_kit import qr_texts

pytestmark = pytest.mark.browser

SLUG = "beijing"
PROJECT = "心血管疾病诊疗新进展学习班"
CREDIT = f"{PROJECT} 第1期"
LEARNER = "张学员（演示）"
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
LEARNER_PASSWORD = DEMO_LEARNER_ID[-6:]


def _url(server: DemoServer, path: str) -> str:
    return f"{server.base}/t/{SLUG}{path}"


def _learner_person(server: DemoServer) -> int:
    rows = server.query(
        "SELECT p.id FROM personnel_person p JOIN identity_account a ON p.account = a.id"
        " JOIN tenant t ON a.tenant = t.id WHERE t.slug = ? AND a.display_name = ?",
        SLUG,
        LEARNER,
    )
    assert len(rows) == 1, rows
    return int(rows[0][0])


def _held_today_is_over(server: DemoServer) -> bool:
    """True when the demo's run held today has ended and its codes still work (false in the first
    minutes after midnight, China time, when the demo puts its sessions later that day, or once the day it
    was loaded is over)."""
    rows = server.query(
        "SELECT MAX(s.ends_at), r.codes_from, r.codes_until FROM projects_session s"
        " JOIN projects_run r ON s.run = r.id JOIN projects_project p ON r.project = p.id"
        " JOIN tenant t ON p.tenant = t.id WHERE t.slug = ? AND p.name = ? GROUP BY r.id",
        SLUG,
        PROJECT,
    )
    assert len(rows) == 1, rows
    ends, opens, closes = (datetime.fromisoformat(value) for value in rows[0])
    return ends < datetime.now(UTC) and opens <= datetime.now(UTC) < closes


def _attendance_rows(server: DemoServer, person_id: int) -> list[tuple[Any, ...]]:
    """The learner's attendance of the run held today (the demo's earlier, granted run left out)."""
    return server.query(
        "SELECT a.session_id, a.checked_in_at, a.checked_out_at FROM attendance_attendance a"
        " JOIN projects_session s ON a.session_id = s.id JOIN projects_run r ON s.run = r.id"
        " JOIN projects_project p ON r.project = p.id WHERE a.person = ? AND p.name = ?",
        person_id,
        PROJECT,
    )


def _codes(owner: Any, server: DemoServer, session_id: int) -> dict[str, str]:
    """The URLs the venue's screen shows now (by action), read as the screen does, with the owner's
    cookies."""
    response = owner.request.get(_url(server, f"/api/attendance/sessions/project/{session_id}/display"))
    assert response.status == 200, response.text()
    shown = response.json()
    assert shown["rotating"] and shown["rotate_seconds"] == 30
    return {code["action"]: code["url"] for code in shown["codes"]}


def _forged_scans(server: DemoServer) -> int:
    """How many scans the demo server refused as forged (logged against no session)."""
    return int(server.query("SELECT count(*) FROM attendance_scan WHERE reason = ?", "forged")[0][0])


def _refused_scans(owner: Any, server: DemoServer, session_id: int) -> int:
    response = owner.request.get(_url(server, f"/api/attendance/sessions/project/{session_id}/display"))
    return int(response.json()["counts"]["refused"])


def _flash(page: Any) -> str:
    return page.locator("p.flash").inner_text()


def _submit_confirmed(page: Any, button: Any, message: str) -> None:
    """Click ``button`` of a form asking ``confirm()`` first; accept the question (it must be ``message``)
    and wait for the page the form leads to."""
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation():
        button.click()
    assert asked == [message], asked


def _forged(url: str) -> list[str]:
    """Two altered versions of a code's URL: its signature changed, and its action switched (the check-in
    code's signature on a check-out code)."""
    head, signature = url.rsplit(".", 1)
    other = ("B" if signature[0] != "B" else "C") + signature[1:]
    return [f"{head}.{other}", url.replace(".i.", ".o.")]


def _compliance_total(page: Any) -> float:
    facts = page.locator("section.card dl.facts").inner_text()
    match = re.search(r"总学分\s*([\d.]+)\s*分", facts)
    assert match, facts
    return float(match.group(1))


def test_check_in_and_out_on_a_phone_then_list_select_and_grant(
    demo_server: DemoServer, browser: Any
) -> None:
    if not _held_today_is_over(demo_server):
        pytest.skip("the demo's run held today has not ended yet or its codes no longer work")
    learners_sign_in_directly(demo_server)
    person_id = _learner_person(demo_server)
    assert _attendance_rows(demo_server, person_id) == []  # the demo leaves him to check in himself

    # The owner opens 现场签到 and shows the session's codes (the venue's screen).
    owner_context = browser.new_context(**DESKTOP)
    owner = owner_context.new_page()
    sign_in(owner, demo_server, SLUG, "project_owner")
    owner.locator("nav a", has_text="现场签到").first.click()
    owner.wait_for_url("**/attendance/sessions")
    row = owner.locator("table.list tbody tr", has_text=PROJECT)
    assert row.count() == 1, owner.locator("main").inner_text()
    attendance_link = row.locator("a", has_text="考勤与学员名单").get_attribute("href")
    row.locator("a.button", has_text="出示二维码").click()
    owner.wait_for_url("**/attendance/display/project/*")
    session_id = int(owner.url.rstrip("/").rsplit("/", 1)[1])
    assert owner.locator(".venue-code .qr svg").count() == 2  # check-in and check-out, inline SVG
    venue = owner.locator("#venue").inner_text()
    assert "签到二维码" in venue and "撤离二维码" in venue and "每 30 秒更换一次" in venue
    assert owner.locator("[data-count=checked_in]").inner_text() == "6"  # the learner's colleagues
    assert owner.locator("[data-count=checked_out]").inner_text() == "6"
    codes = _codes(owner, demo_server, session_id)
    assert codes["check_in"].startswith(_url(demo_server, "/attendance/scan/a1."))

    # The learner, signed out, opens the check-in code: sent to sign in, and back.
    learner_context = browser.new_context(**PHONE)
    learner = learner_context.new_page()
    learner.goto(codes["check_in"])
    assert "/login" in learner.url, learner.url
    sign_in(learner, demo_server, SLUG, DEMO_LEARNER_ID, LEARNER_PASSWORD)
    # back on the code, with the token of when it was opened (it may rotate while one signs in)
    assert learner.url.startswith(codes["check_in"] + "?opened="), learner.url
    scan = learner.locator("section.scan")
    assert scan.locator("h1").inner_text() == "确认签到"
    assert PROJECT in scan.inner_text() and LEARNER in scan.inner_text()
    fits_a_phone(learner, "the scan page")
    assert _attendance_rows(demo_server, person_id) == []  # opening the code records nothing yet

    # A forged or altered code is refused in Chinese, and records nothing.
    refused_before = _refused_scans(owner, demo_server, session_id)
    forged_before = _forged_scans(demo_server)
    for forged in _forged(codes["check_in"]):
        response = learner.goto(forged)
        assert response is not None and response.status == 400, forged
        assert "二维码无效" in learner.locator("section.scan h1").inner_text()
        assert learner.locator("section.scan form").count() == 0  # nothing to confirm
        fits_a_phone(learner, "the refusal")
    assert _attendance_rows(demo_server, person_id) == []
    # opening a page logs nothing (link previews, reloads); only a confirmed scan is a scan
    assert _forged_scans(demo_server) == forged_before
    assert _refused_scans(owner, demo_server, session_id) == refused_before
    # Confirming an altered code (the genuine page's form, its code changed before the click) is refused.
    learner.goto(_codes(owner, demo_server, session_id)["check_in"])
    form = learner.locator("section.scan form")
    altered = _forged(form.get_attribute("action") or "")[0]
    form.evaluate("(form, action) => form.setAttribute('action', action)", altered)
    form.locator("button.primary").click()
    learner.wait_for_load_state()
    assert "二维码无效" in learner.locator("section.scan h1").inner_text()
    assert _attendance_rows(demo_server, person_id) == []
    assert _forged_scans(demo_server) == forged_before + 1  # logged, against no session
    assert _refused_scans(owner, demo_server, session_id) == refused_before

    # 确认签到 with a fresh code.
    learner.goto(_codes(owner, demo_server, session_id)["check_in"])
    learner.locator("section.scan button.primary", has_text="确认签到").click()
    learner.wait_for_load_state()
    heading = learner.locator("section.scan h1").inner_text()
    assert heading.startswith("签到成功"), heading
    assert "撤离二维码" in learner.locator("section.scan").inner_text()  # reminded to check out
    fits_a_phone(learner, "the check-in result")
    rows = _attendance_rows(demo_server, person_id)
    assert len(rows) == 1 and rows[0][0] == session_id and rows[0][2] is None

    # 确认撤离 with the check-out code.
    learner.goto(_codes(owner, demo_server, session_id)["check_out"])
    assert learner.locator("section.scan h1").inner_text() == "确认撤离"
    fits_a_phone(learner, "the check-out page")
    learner.locator("section.scan button.primary", has_text="确认撤离").click()
    learner.wait_for_load_state()
    heading = learner.locator("section.scan h1").inner_text()
    assert heading.startswith("撤离成功"), heading
    fits_a_phone(learner, "the check-out result")
    rows = _attendance_rows(demo_server, person_id)
    assert len(rows) == 1 and rows[0][2] is not None

    # 考勤记录 lists it (after the session ended: no minutes that count, no credit yet).
    learner.locator("section.scan a", has_text="查看我的考勤记录").click()
    learner.wait_for_url("**/attendance/mine")
    assert learner.locator("main h1").inner_text() == "考勤记录"
    record = learner.locator("table.list tbody tr", has_text=PROJECT)
    assert record.count() == 1
    assert "待上报" in record.inner_text() and "不计学时" in record.inner_text()
    fits_a_phone(learner, "考勤记录")
    learner.goto(_url(demo_server, "/my/compliance"))
    total_before = _compliance_total(learner)
    assert CREDIT not in learner.locator("main").inner_text()

    owner.goto(_url(demo_server, f"/attendance/display/project/{session_id}"))  # the screen's counts
    assert owner.locator("[data-count=checked_in]").inner_text() == "7"
    assert owner.locator("[data-count=checked_out]").inner_text() == "7"

    # The owner submits the attendee list (考勤与学员名单 → 上报学员名单).
    assert attendance_link is not None
    run_attendance = demo_server.base + attendance_link
    owner.goto(run_attendance)
    assert owner.locator("main h1").inner_text() == "考勤与学员名单"
    entries = owner.locator("table.list", has=owner.locator("th", has_text="有效学时")).locator("tbody tr")
    assert entries.count() == 7
    assert "在场 0 分钟" in entries.filter(has_text="张学员").inner_text()
    _submit_confirmed(
        owner,
        owner.locator("button.primary", has_text="上报学员名单"),
        "上报本期学员名单？上报后由本单位科教部门审核。",
    )
    assert _flash(owner) == "学员名单已上报本单位审核"
    assert "审核中" in owner.locator("dl.facts").inner_text()
    assert owner.locator("button", has_text="上报学员名单").count() == 0
    owner_context.close()

    # The institution ticks the learner (not preselected: 0 minutes) and sends the list on.
    institution_context = browser.new_context(**DESKTOP)
    institution = institution_context.new_page()
    sign_in(institution, demo_server, SLUG, "inst_admin")
    institution.goto(run_attendance)
    boxes = institution.locator("input[name=entry_ids]")
    assert boxes.count() == 7
    preselected = institution.locator("input[name=entry_ids]:checked").count()
    assert preselected == 5  # the colleague who left an hour early falls short too
    mine = institution.locator(f"input[name=entry_ids][aria-label='选择{LEARNER}']")
    assert not mine.is_checked()
    mine.check()
    _submit_confirmed(
        institution,
        institution.locator("button.primary", has_text="保存选择并上报继教委"),
        "将选中的学员上报继教委授予学分？",
    )
    assert _flash(institution) == f"已上报继教委，拟授分 {preselected + 1} 人"
    assert institution.locator("input[name=entry_ids]").count() == 0  # its step is done
    assert "拟授分" in institution.locator("tr", has_text="张学员").inner_text()
    institution_context.close()

    # The commission approves and grants.
    commission_context = browser.new_context(**DESKTOP)
    commission = commission_context.new_page()
    sign_in(commission, demo_server, SLUG, "admin")
    commission.goto(run_attendance)
    _submit_confirmed(
        commission,
        commission.locator("button.primary", has_text="审核通过并授予学分"),
        "审核通过并为选中的学员授予学分？",
    )
    assert _flash(commission) == "已审核通过，学分已授予"
    assert "已授予学分" in commission.locator("dl.facts").inner_text()
    assert "已授分" in commission.locator("tr", has_text="张学员").inner_text()
    assert commission.locator("span.tag", has_text="已授分").count() == preselected + 1
    commission_context.close()

    # The learner sees the credit: 考勤记录, his credits, his compliance page.
    learner.goto(_url(demo_server, "/attendance/mine"))
    assert "已授予学分" in learner.locator("table.list tbody tr", has_text=PROJECT).inner_text()
    fits_a_phone(learner, "考勤记录 after the grant")
    learner.goto(_url(demo_server, "/credits"))
    credit = learner.locator("table.credit-list tbody tr", has_text=CREDIT)
    assert credit.count() == 1, learner.locator("main").inner_text()
    fits_a_phone(learner, "the credit list")
    learner.goto(_url(demo_server, "/my/compliance"))
    counted = learner.locator("table.list tbody tr", has_text=CREDIT)
    assert counted.count() == 1, learner.locator("main").inner_text()
    assert _compliance_total(learner) == total_before + 10  # the project's 10 credits
    fits_a_phone(learner, "the compliance page")

    # 电子学分证书: the grant issued his certificate; he downloads it, and its QR code, scanned by anyone's
    # phone (signed out), opens the verification page with the whole record.
    menu_entry = learner.locator("nav a", has_text="电子学分证书").first  # in the folded menu on a phone
    learner.goto(demo_server.base + (menu_entry.get_attribute("href") or ""))
    issued = learner.locator("table.list tbody tr", has_text=PROJECT)
    assert issued.count() == 1 and "有效" in issued.inner_text()
    fits_a_phone(learner, "电子学分证书")
    with learner.expect_download() as download:
        issued.locator("a", has_text="下载证书").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    [scanned] = qr_texts(pdf)
    assert scanned.startswith(_url(demo_server, "/v/"))
    anyone = browser.new_context(**PHONE).new_page()
    anyone.goto(scanned)
    verified = anyone.locator("main").inner_text()
    assert "证书有效" in verified and LEARNER in verified and PROJECT in verified, verified
    assert "10 分" in verified and "北京市继续医学教育委员会" in verified
    fits_a_phone(anyone, "the certificate's verification page")
    anyone.context.close()
    learner_context.close()


WALK_IN_ID = "320503198509090043"
"""A well-formed resident ID number (GB 11643 check character) of nobody in the Jiangsu demo."""


def test_a_visitor_registers_at_a_jiangsu_session_and_checks_out_through_the_questionnaire(
    demo_server: DemoServer, browser: Any
) -> None:
    assert check_character(WALK_IN_ID[:17]) == WALK_IN_ID[17]
    # The Jiangsu owner prints the codes (static: 刷新时间 a day) and reads the check-in code's URL.
    owner_context = browser.new_context(**DESKTOP)
    owner = owner_context.new_page()
    sign_in(owner, demo_server, "jiangsu", "project_owner")
    owner.goto(f"{demo_server.base}/t/jiangsu/attendance/sessions")
    # the run held today has one session, or two (morning and afternoon) when the demo loaded just
    # after midnight; its codes work all day either way
    row = owner.locator("table.list tbody tr", has_text=PROJECT).first
    row.locator("a.button", has_text="出示二维码").click()
    owner.wait_for_url("**/attendance/display/project/*")
    assert "静态二维码" in owner.locator("#venue").inner_text()
    session_id = int(owner.url.rstrip("/").rsplit("/", 1)[1])
    shown = owner.request.get(
        f"{demo_server.base}/t/jiangsu/api/attendance/sessions/project/{session_id}/display"
    )
    urls = {code["action"]: code["url"] for code in shown.json()["codes"]}
    assert not shown.json()["rotating"]

    # A visitor's phone opens the check-in code: the registration form, not the sign-in page.
    phone_context = browser.new_context(**PHONE)
    visitor = phone_context.new_page()
    visitor.goto(urls["check_in"])
    assert visitor.locator("section.scan h1").inner_text() == "现场登记 · 签到"
    fits_a_phone(visitor, "the walk-in form")
    visitor.fill("#id_number", WALK_IN_ID[:17] + "1")  # a wrong check character: refused, nothing stored
    visitor.fill("#name", "王登记")
    visitor.fill("#phone", "13912345678")
    visitor.check("input[name=gender][value='女']")
    visitor.fill("#age", "41")
    visitor.fill("#unit", "苏州市立医院")
    visitor.fill("#department", "心内科")
    visitor.fill("#unit_place", "苏州")
    visitor.check("input[name=grassroots][value='false']")
    visitor.fill("#title", "主治医师")
    visitor.locator("section.scan button.primary").click()
    visitor.wait_for_load_state()
    assert "身份证号码校验位不正确" in visitor.locator("section.scan").inner_text()
    assert visitor.locator("#unit").input_value() == "苏州市立医院"  # what he typed stays
    assert demo_server.query("SELECT count(*) FROM attendance_external")[0][0] == 0
    visitor.fill("#id_number", WALK_IN_ID)
    visitor.locator("section.scan button.primary").click()
    visitor.wait_for_load_state()
    assert "签到成功" in visitor.locator("section.scan h1").inner_text()
    fits_a_phone(visitor, "the walk-in result")

    # Checking out: the same ID number and phone, then the seven questions.
    visitor.goto(urls["check_out"])
    assert visitor.locator("section.scan h1").inner_text() == "现场登记 · 撤离"
    assert visitor.locator("fieldset.question").count() == 7
    fits_a_phone(visitor, "the check-out form with the questionnaire")
    visitor.fill("#id_number", WALK_IN_ID)
    visitor.fill("#phone", "13912345678")
    for question in range(1, 7):
        visitor.locator(f"input[name=q{question}]").first.check()
    visitor.locator("input[name=q7]").nth(0).check()
    visitor.locator("input[name=q7]").nth(2).check()
    visitor.locator("section.scan button.primary").click()
    visitor.wait_for_load_state()
    assert "撤离成功" in visitor.locator("section.scan h1").inner_text()
    rows = demo_server.query(
        "SELECT a.checked_in_at, a.checked_out_at, a.checked_in_via FROM attendance_attendance a"
        " JOIN attendance_external e ON a.external = e.id WHERE e.name = ?",
        "王登记",
    )
    assert len(rows) == 1 and rows[0][1] is not None and rows[0][2] == "walk_in"
    answers = demo_server.query(
        "SELECT sum(a.chosen) FROM attendance_answer a JOIN projects_session s ON a.group_id = s.run"
        " WHERE s.id = ?",
        session_id,
    )
    assert answers[0][0] == 8  # seven questions, the last with two choices: counted, not kept per person
    phone_context.close()
    owner_context.close()
