"""The vocabulary of the personnel registry: titles with their levels, statuses and the other choices.

These are the nationwide values of the health-title system; a province's plugin may add titles later
through a hook without changing the stored shape (a title is text, its level one of :data:`TITLE_LEVELS`).
"""

from __future__ import annotations

TITLE_LEVELS: tuple[str, ...] = ("初级", "中级", "副高", "正高")
NO_TITLE = "无职称"

TITLES: dict[str, str] = {
    **dict.fromkeys(("主任医师", "主任药师", "主任护师", "主任技师", "研究员"), "正高"),
    **dict.fromkeys(("副主任医师", "副主任药师", "副主任护师", "副主任技师", "副研究员"), "副高"),
    **dict.fromkeys(("主治医师", "主管药师", "主管护师", "主管技师", "助理研究员"), "中级"),
    **dict.fromkeys(
        ("医师", "医士", "药师", "药士", "护师", "护士", "技师", "技士", "研究实习员", NO_TITLE), "初级"
    ),
}
"""Every title (职称) and its level (职称级别); 无职称 counts with the junior level for compliance."""

STATUSES: tuple[str, ...] = ("正常", "调出", "退休", "离职", "注销")
ACTIVE_STATUS = "正常"
ESTABLISHMENTS: tuple[str, ...] = ("在编", "非在编")
GENDERS: tuple[str, ...] = ("男", "女")
TRANSFER_STATUSES: tuple[str, ...] = ("", "调入", "调出")
EDUCATIONS: tuple[str, ...] = ("", "博士研究生", "硕士研究生", "大学本科", "大学专科", "中专", "其他")
DEGREES: tuple[str, ...] = ("", "博士", "硕士", "学士", "无")

RESIDENT_ID = "居民身份证"
DOCUMENT_TYPES: tuple[str, ...] = (
    RESIDENT_ID,
    "护照",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "外国人永久居留身份证",
    "军官证",
)


def title_level(title: str) -> str:
    """The level of ``title`` (empty for an unknown title)."""
    return TITLES.get(title, "")
