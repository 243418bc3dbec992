"""Project lists as Excel workbooks (the owner's, his units' and the public query), one row per run, and a
run's attendance (学员名单)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cme_platform.audit.service import record
from cme_platform.clock import china_time
from cme_platform.projects.schemas import ProjectPage
from cme_platform.xlsx import Workbook, workbook_bytes

if TYPE_CHECKING:
    from cme_platform.projects.attendee_lists import AttendeeListOut

HEADERS = (
    "项目编号", "项目名称", "年度", "项目级别", "项目性质", "二级学科", "三级学科", "举办单位", "负责人",
    "学分", "学时", "期数", "会场地址", "开始日期", "结束日期", "举办申请",
)  # fmt: skip
MAX_ROWS = 5000
"""The most projects one export holds (the lists' filters narrow a larger set)."""


def _lines(page: ProjectPage) -> list[list[Any]]:
    lines: list[list[Any]] = []
    for p in page.items:
        head = [
            p.number, p.name, p.year, p.level, p.nature, p.discipline, p.subdiscipline, p.institution_name,
            p.leader, p.credits_text, p.hours_text,
        ]  # fmt: skip
        if not p.runs:
            lines.append([*head, "", "", "", "", ""])
        for run in p.runs:
            lines.append([*head, run.seq, run.venue, str(run.starts_on), str(run.ends_on), run.status_label])
    return lines


def _table(title: str, headers: tuple[str, ...], lines: list[list[Any]], wide: int) -> bytes:
    def fill(book: Workbook) -> None:
        sheet = book.sheet(title)
        sheet.row(0, headers, bold=True)
        for index, line in enumerate(lines, start=1):
            sheet.row(index, line)
        sheet.widths(0, 0, 20)
        sheet.widths(1, 1, wide)
        sheet.widths(2, len(headers) - 1, 12)
        sheet.freeze_header()

    return workbook_bytes(fill)


async def export_page(page: ProjectPage, title: str) -> bytes:
    """``page`` (fetched with at most :data:`MAX_ROWS` items) as a workbook; the export is audited."""
    content = _table(title, HEADERS, _lines(page), 36)
    await record(
        "projects.export",
        object_type="projects_list",
        summary=f"导出{title}（{len(page.items)}个项目）",
        after={"projects": len(page.items), "total": page.total},
    )
    return content


ATTENDANCE_HEADERS = (
    "人员编号", "姓名", "身份证号", "单位", "签到课程数", "首次签到", "最后撤离", "在场分钟", "有效学时",
    "达到规定学时", "上报授分", "已授分", "记录方式",
)  # fmt: skip


async def attendance_workbook(listed: AttendeeListOut) -> bytes:
    """A run's attendance or attendee list as a workbook (ID numbers masked, times in China time); the
    export is audited."""
    lines = [
        [
            e.person_number, e.name, e.id_masked, e.institution_name, e.sessions, china_time(e.first_in),
            china_time(e.last_out), e.minutes, e.hours_text, "是" if e.qualifies else "否",
            "是" if e.selected else "否", "是" if e.granted else "否", e.via_label,
        ]
        for e in listed.entries
    ]  # fmt: skip
    await record(
        "projects.attendees.export",
        object_type="projects_run",
        object_id=listed.run_id,
        summary=f"导出学员名单：{listed.title}（{len(lines)} 人）",
        after={"people": len(lines)},
    )
    return _table("学员名单", ATTENDANCE_HEADERS, lines, 12)
