"""The Excel template of the people import: the columns, a filled example row and the allowed values.

The sheet "人员信息" has the header row (单位编码, 科室, then every field of
:data:`~cme_platform.personnel.validation.LABELS` by its label) and one example row with a valid,
fictitious ID number; the sheet "填写说明" lists, per column, whether it is required and its allowed
values from :mod:`~cme_platform.personnel.vocab`.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from cme_platform.personnel import vocab
from cme_platform.personnel.validation import _CHOICES, LABELS, REQUIRED

SHEET_NAME = "人员信息"
HELP_SHEET_NAME = "填写说明"
INSTITUTION_COLUMN = "单位编码"
DEPARTMENT_COLUMN = "科室"
COLUMNS: tuple[str, ...] = (INSTITUTION_COLUMN, DEPARTMENT_COLUMN, *LABELS.values())
"""The template's header row, in order."""

EXAMPLE_ROW: dict[str, str] = {
    INSTITUTION_COLUMN: "H0001",
    DEPARTMENT_COLUMN: "内科",
    "证件类型": vocab.RESIDENT_ID,
    "证件号码": "110105199001019998",
    "姓名": "张三",
    "性别": "男",
    "出生日期": "1990-01-01",
    "民族": "汉族",
    "政治面貌": "群众",
    "手机": "13900000001",
    "联系电话": "010-12345678",
    "邮箱": "zhangsan@example.com",
    "IC卡号": "",
    "当前职称": "主治医师",
    "专业": "内科学",
    "职称评定时间": "2018-07-01",
    "职称聘任年度": "2019",
    "在编状态": "在编",
    "人员状态": vocab.ACTIVE_STATUS,
    "调动状态": "",
    "院内职务": "",
    "学历": "大学本科",
    "学位": "学士",
}
"""The filled example row: its ID number is fictitious, passes the GB 11643 check and belongs to nobody of
the demo (re-importing the example must never change a demo person)."""

_NOTES: dict[str, str] = {
    "id_number": "居民身份证为18位，末位可为X；请将此列设为文本格式",
    "gender": "居民身份证可不填，由证件号码得出",
    "birth_date": "格式 2024-01-31；居民身份证可不填",
    "phone": "11位手机号码",
    "title_evaluated_on": "格式 2024-01-31",
    "title_appointed_year": "年份（如 2024）或“未聘任”",
}


def help_rows() -> list[tuple[str, str, str]]:
    """(column, required, allowed values or format) for every column of the template."""
    rows = [
        (INSTITUTION_COLUMN, "是", "本单位或所辖单位的单位编码（导入时选择了单位可不填）"),
        (DEPARTMENT_COLUMN, "否", "该单位已有科室的名称"),
    ]
    for field, label in LABELS.items():
        choices = "、".join(c for c in _CHOICES.get(field, ()) if c)
        rows.append((label, "是" if field in REQUIRED else "否", choices or _NOTES.get(field, "")))
    return rows


def template_workbook() -> bytes:
    """The template as xlsx bytes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_NAME
    sheet.append(list(COLUMNS))
    sheet.append([EXAMPLE_ROW.get(column, "") for column in COLUMNS])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        dimension = sheet.column_dimensions[cell.column_letter]
        dimension.width = 22 if cell.value == LABELS["id_number"] else 14
        dimension.number_format = "@"  # text: long ID and phone numbers keep every digit
    sheet.freeze_panes = "A2"
    guide = book.create_sheet(HELP_SHEET_NAME)
    guide.append(["列", "必填", "可选值或格式"])
    for cell in guide[1]:
        cell.font = bold
    for row in help_rows():
        guide.append(list(row))
    guide.column_dimensions["A"].width = 16
    guide.column_dimensions["C"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
