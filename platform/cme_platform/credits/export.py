"""Excel export of a credit list (图-7's columns) with the totals row; audited as ``credits.export``."""

from __future__ import annotations

from typing import Any

import pluggy

from cme_platform import clock
from cme_platform.audit.service import record
from cme_platform.credits import status
from cme_platform.credits.queries import category_names, filter_clause, format_hours, record_query, totals
from cme_platform.credits.schemas import CreditFilter
from cme_platform.credits.sources import CreditSource
from cme_platform.credits.tables import CreditRecord
from cme_platform.identity.principal import Principal
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.pii_search import audited_filter, charge_search
from cme_platform.standards.amounts import format_credits
from cme_platform.xlsx import Workbook, workbook_bytes

HEADERS: tuple[str, ...] = (
    "日期",
    "项目编号",
    "活动名称",
    "活动类型",
    "学分类别",
    "学分子类别",
    "学科",
    "举办方式",
    "学时",
    "学分",
    "审核状态",
    "审核意见",
    "学分录入单位",
)
"""The columns of seed 003 图-7, in its order."""

MAX_ROWS = 100_000
"""The most records one export holds (a person's or an institution's list stays far below it)."""


def _line(row: dict[str, Any], today: Any) -> list[Any]:
    discipline = "/".join(p for p in (row["discipline"], row["subdiscipline"]) if p)
    return [
        row["activity_date"],
        row["activity_number"],
        row["activity_name"],
        CreditSource.label_of(row["source"]),
        row["category"],
        row["subcategory"],
        discipline,
        row["form"],
        float(format_hours(row["hours"])),
        float(format_credits(row["credits"])),
        status.status_label(row["status"], row["effective_on"], today),
        row["review_comment"],
        row["institution_name"] or "",
    ]


TOTAL_LABEL = "总学分（已生效）"
"""The totals row's first label: the credits in effect, as compliance counts them."""


def _workbook(lines: list[list[Any]], summary: list[list[tuple[str, str]]]) -> bytes:
    def fill(book: Workbook) -> None:
        sheet = book.sheet("学分明细")
        sheet.row(0, HEADERS, bold=True)
        for index, line in enumerate(lines, start=1):
            sheet.row(index, line)
        for at, summary_row in enumerate(summary, start=len(lines) + 2):
            for offset, (label, value) in enumerate(summary_row):
                sheet.cell(at, offset * 2, label, bold=True)
                sheet.cell(at, offset * 2 + 1, float(value))
        sheet.widths(0, 1, 12)
        sheet.widths(2, 2, 36)
        sheet.widths(3, 12, 14)

    return workbook_bytes(fill)


async def export_records(
    principal: Principal, filters: CreditFilter, *, pm: pluggy.PluginManager | None = None
) -> bytes:
    """The records ``filters`` select within the caller's reach as an .xlsx workbook with totals."""
    await charge_search(PersonAccess.of(principal), filters.q_field, filters.q)
    today = clock.today()
    where = filter_clause(principal, filters, today)
    rows = await (
        record_query(where)
        .order_by(CreditRecord.activity_date, ascending=False)
        .order_by(CreditRecord.id, ascending=False)
        .limit(MAX_ROWS)
    )
    summary = await totals(where, category_names(pm, filters.year or today.year), today)
    line = [(TOTAL_LABEL, summary.credits_text), ("总学时", summary.hours_text)]
    line += [(c.category, c.credits_text) for c in summary.by_category]
    states = [(f"{s.label}（{s.records}条）", s.credits_text) for s in summary.by_state]
    content = _workbook([_line(r, today) for r in rows], [line, states])
    await record(
        "credits.export",
        object_type="credit_list",
        summary=f"导出学分明细（{len(rows)}条）",
        after={"filters": audited_filter(filters), "rows": len(rows)},
    )
    return content
