"""Excel exports of compliance: one person's year (records and summary) and the people list.

Workbooks are written with the shared writer (:mod:`cme_platform.xlsx`) in memory, in a worker thread.
The list export is audited as ``compliance.export`` with its filter and row count.
"""

from __future__ import annotations

from functools import partial

import anyio.to_thread
import msgspec

from cme_platform.audit.service import record
from cme_platform.compliance import schemas as s
from cme_platform.xlsx import Workbook, workbook_bytes

RECORD_HEADERS = (
    "活动日期",
    "项目/活动名称",
    "项目编号",
    "学分类别",
    "学分子类别",
    "举办方式",
    "授予单位",
    "学分",
    "学时",
    "生效日期",
)
SUMMARY_HEADERS = ("学分类别", "学分", "学时")
LIST_HEADERS = (
    "人员编号",
    "姓名",
    "单位",
    "科室",
    "职称",
    "职称级别",
    "在编状态",
    "年度总学分",
    "计入学分",
    "达标结果",
)


def _fill_person(item: s.PersonCompliance, book: Workbook) -> None:
    records = book.sheet("学分记录")
    records.row(0, RECORD_HEADERS, bold=True)
    records.widths(0, len(RECORD_HEADERS) - 1, 14)
    for index, r in enumerate(item.records, start=1):
        records.row(
            index,
            [
                r.activity_date,
                r.activity_name,
                r.activity_number,
                r.category,
                r.subcategory,
                r.form,
                r.issuer,
                r.credits / 100,
                r.hours / 100,
                r.effective_on,
            ],
        )
    summary = book.sheet("学分汇总")
    summary.widths(0, 2, 16)
    summary.row(0, (f"{item.year}年度", item.name, item.person_number), bold=True)
    summary.row(1, ("达标结果", item.met_label, item.standard_text))
    summary.row(3, SUMMARY_HEADERS, bold=True)
    row = 4
    summary.row(row, ("总学分", item.total_credits / 100, item.total_hours / 100), bold=True)
    for line in item.summary:
        row += 1
        label = f"  {line.label}" if line.level else line.label
        summary.row(row, (label, line.credits / 100, line.hours / 100))
    row += 2
    for line_text in item.explanation:
        summary.cell(row, 0, line_text)
        row += 1


async def person_workbook(item: s.PersonCompliance) -> bytes:
    """The person's year as xlsx: the sheets 学分记录 and 学分汇总."""
    return await anyio.to_thread.run_sync(workbook_bytes, partial(_fill_person, item))


def _fill_list(page: s.PersonResultPage, book: Workbook) -> None:
    sheet = book.sheet("人员达标情况")
    sheet.row(0, LIST_HEADERS, bold=True)
    sheet.freeze_header()
    sheet.widths(0, len(LIST_HEADERS) - 1, 14)
    for index, p in enumerate(page.items, start=1):
        sheet.row(
            index,
            [
                p.person_number,
                p.name,
                p.institution_name,
                p.department_name,
                p.title,
                p.title_level,
                p.establishment,
                p.total_credits / 100,
                p.counted_credits / 100,
                p.met_label,
            ],
        )


async def list_workbook(page: s.PersonResultPage, filters: s.ResultFilter) -> bytes:
    """The list as xlsx (sheet 人员达标情况); audited."""
    content = await anyio.to_thread.run_sync(workbook_bytes, partial(_fill_list, page))
    await record(
        "compliance.export",
        object_type="compliance_list",
        summary=f"导出{page.year}年度人员达标情况 {page.total} 人",
        after={
            "year": page.year,
            "filter": {k: v for k, v in msgspec.structs.asdict(filters).items() if v not in (None, "")},
            "rows": page.total,
        },
    )
    return content


def file_name(title: str, year: int) -> str:
    """The download name (``达标情况-2026.xlsx``)."""
    return f"{title}-{year}.xlsx"
