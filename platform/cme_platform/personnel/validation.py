"""Validation of a person's fields, shared by the forms, the JSON API and the Excel import.

:func:`clean_person` takes raw values (strings from a form or a spreadsheet cell, or typed values from
JSON) keyed by field name and returns typed, normalised values plus every problem found, in Chinese,
naming the field by its label. Document numbers are checked by type: a resident ID number against
GB 11643 (format, real birth date, check character), with birth date and gender derived from it and
cross-checked against what was entered. Text holding a control character is refused per field (the
JSON API and the forms refuse it earlier, at the boundary; an imported cell only reaches this check).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from cme_platform.api.text_guard import FIELD_MESSAGE, has_control_characters
from cme_platform.errors import FieldError
from cme_platform.identity.id_number import check_character
from cme_platform.personnel import vocab

LABELS: dict[str, str] = {
    "id_type": "证件类型",
    "id_number": "证件号码",
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "ethnicity": "民族",
    "political_status": "政治面貌",
    "phone": "手机",
    "office_phone": "联系电话",
    "email": "邮箱",
    "ic_card": "IC卡号",
    "title": "当前职称",
    "specialty": "专业",
    "title_evaluated_on": "职称评定时间",
    "title_appointed_year": "职称聘任年度",
    "establishment": "在编状态",
    "status": "人员状态",
    "transfer_status": "调动状态",
    "position": "院内职务",
    "education": "学历",
    "degree": "学位",
}
"""Field name → the label users know it by (form labels and import column headers)."""

REQUIRED: tuple[str, ...] = (
    "id_number",
    "name",
    "gender",
    "title",
    "specialty",
    "establishment",
    "status",
    "phone",
)
"""Fields marked * in the seed's add-person dialog (birth date comes from a resident ID number)."""

_CHOICES: dict[str, tuple[str, ...]] = {
    "id_type": vocab.DOCUMENT_TYPES,
    "gender": vocab.GENDERS,
    "title": tuple(vocab.TITLES),
    "establishment": vocab.ESTABLISHMENTS,
    "status": vocab.STATUSES,
    "transfer_status": vocab.TRANSFER_STATUSES,
    "education": vocab.EDUCATIONS,
    "degree": vocab.DEGREES,
}
_LENGTHS: dict[str, int] = {
    "name": 50,
    "ethnicity": 20,
    "political_status": 20,
    "office_phone": 30,
    "email": 254,
    "ic_card": 32,
    "specialty": 64,
    "position": 64,
}
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_OTHER_DOCUMENT = re.compile(r"^[A-Z0-9]{5,20}$")


class ResidentIdError(ValueError):
    """A resident ID number that is not valid; the message says why, in Chinese."""


def parse_resident_id(value: str) -> tuple[date, str]:
    """Birth date and gender (男/女) of an 18-character resident ID number; else :class:`ResidentIdError`."""
    text = "".join(value.split()).upper()
    if len(text) != 18:
        raise ResidentIdError("身份证号码应为18位")
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise ResidentIdError("身份证号码前17位应为数字，末位为数字或X")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError as exc:
        raise ResidentIdError("身份证号码中的出生日期不存在") from exc
    if born > date.today() or born.year < 1900:
        raise ResidentIdError("身份证号码中的出生日期不合理")
    if check_character(text[:17]) != text[17]:
        raise ResidentIdError("身份证号码校验位不正确")
    return born, ("男" if int(text[16]) % 2 else "女")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else _loose_date(text)


def _loose_date(text: str) -> date:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not match:
        raise ValueError(text)
    return date(int(match[1]), int(match[2]), int(match[3]))


def clean_person(raw: Mapping[str, Any], *, partial: bool = False) -> tuple[dict[str, Any], list[FieldError]]:
    """Typed, normalised values of ``raw`` and the problems found (empty when it is acceptable).

    With ``partial`` only the fields present are checked (an edit); otherwise required fields must be
    present. The result also holds ``title_level`` (from the title) and, for a resident ID number,
    ``birth_date`` and ``gender`` derived from it when they were not given.
    """
    errors: list[FieldError] = []
    out: dict[str, Any] = {}

    def fail(field: str, message: str) -> None:
        errors.append(FieldError(field, f"{LABELS.get(field, field)}：{message}"))

    for field in LABELS:
        if field not in raw:
            continue
        value = raw[field]
        if field in ("birth_date", "title_evaluated_on"):
            try:
                out[field] = _date(value)
            except (ValueError, TypeError):
                fail(field, "日期格式应为 2024-01-31")
            continue
        if field == "title_appointed_year":
            text = _text(value)
            if text in ("", "未聘任"):
                out[field] = None
            elif text.isascii() and text.isdigit() and 1950 <= int(text) <= date.today().year + 1:
                out[field] = int(text)
            else:
                fail(field, "应为年份（如 2024）或“未聘任”")
            continue
        text = _text(value)
        if has_control_characters(text):
            fail(field, FIELD_MESSAGE)  # and no further checks that would quote the text
            continue
        out[field] = text

    if not partial:
        out.setdefault("id_type", vocab.RESIDENT_ID)
        out["id_type"] = out["id_type"] or vocab.RESIDENT_ID
    for field, choices in _CHOICES.items():
        if out.get(field) and out[field] not in choices:
            fail(field, f"“{out[field]}”不是可选值（可选：{'、'.join(c for c in choices if c)}）")
    for field, limit in _LENGTHS.items():
        if len(out.get(field) or "") > limit:
            fail(field, f"最多 {limit} 个字符")
    if out.get("phone") and not _PHONE.match(out["phone"]):
        fail("phone", "应为11位手机号码")
    if out.get("email") and not _EMAIL.match(out["email"]):
        fail("email", "格式不正确")
    if "title" in out:
        out["title_level"] = vocab.title_level(out["title"])
    if out.get("title_evaluated_on") and out["title_evaluated_on"] > date.today():
        fail("title_evaluated_on", "不能晚于今天")
    _check_document(out, fail)
    if not partial:
        for field in REQUIRED:
            if not out.get(field) and not any(e.field == field for e in errors):
                fail(field, "必填")
    return out, errors


def _check_document(out: dict[str, Any], fail: Any) -> None:
    """Check the document number by its type; derive and cross-check birth date and gender."""
    number = out.get("id_number")
    if not number:
        return
    number = "".join(number.split()).upper()
    out["id_number"] = number
    if out.get("id_type", vocab.RESIDENT_ID) != vocab.RESIDENT_ID:
        if not _OTHER_DOCUMENT.match(number):
            fail("id_number", "应为5–20位字母或数字")
        return
    try:
        born, gender = parse_resident_id(number)
    except ResidentIdError as exc:
        fail("id_number", str(exc))
        return
    if out.get("birth_date") and out["birth_date"] != born:
        fail("birth_date", f"与身份证号码不符（应为 {born.isoformat()}）")
    if out.get("gender") and out["gender"] != gender:
        fail("gender", f"与身份证号码不符（应为{gender}）")
    out["birth_date"], out["gender"] = born, gender
