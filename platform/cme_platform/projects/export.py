"""Project lists as Excel workbooks (the owner's, his units' and the public query), one row per run."""

from __future__ import annotations

from typing import Any

from cme_platform.audit.service import record
from cme_platform.projects.schemas import ProjectPage
from cme_platform.xlsx import Workbook, workbook_bytes

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


async def export_page(page: ProjectPage, title: str) -> bytes:
    """``page`` (fetched with at most :data:`MAX_ROWS` items) as a workbook; the export is audited."""
    lines = _lines(page)

    def fill(book: Workbook) -> None:
        sheet = book.sheet(title)
        sheet.row(0, HEADERS, bold=True)
        for index, line in enumerate(lines, start=1):
            sheet.row(index, line)
        sheet.widths(0, 0, 20)
        sheet.widths(1, 1, 36)
        sheet.widths(2, len(HEADERS) - 1, 12)
        sheet.freeze_header()

    content = workbook_bytes(fill)
    await record(
        "projects.export",
        object_type="projects_list",
        summary=f"导出{title}（{len(page.items)}个项目）",
        after={"projects": len(page.items), "total": page.total},
    )
    return content
