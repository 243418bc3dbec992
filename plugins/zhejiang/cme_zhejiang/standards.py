"""Zhejiang's guided personal-entry catalogue (依据本省学分管理方法向导录入, seed 002 §5.2) as standards.

Thirteen rows, in the seed's order; names carry the year as the province prints them (``2025赴外省…``).
Credits gained in other provinces count as class I, the rest as class II (seed 003, 图-9).
"""

from __future__ import annotations

from cme_platform.standards.rules import ByAuthorRank, PerUnit, Rule, Standard

_NATIONAL = "赴外省面授获得学分（国家级）"
_PROVINCIAL = "赴外省面授获得学分（省级）"
_STUDY = "脱产到上级医疗卫生单位进修"
_ABROAD = "赴国（境）外进修或培训"
_SUPPORT = "执行援藏、援疆、援青、援外任务及重大应急救援等政府指令性任务"
_DEGREE = "参加脱产或半脱产学历（学位）教育"
_PAPER = "发表论文、综述（发表当年）（前三）"

_BY_DAY = PerUnit(unit="day", award=100, cap=1500)
_ONCE = PerUnit(unit="occurrence", award=2500, cap=2500)

_ROWS: tuple[tuple[str, Rule, str, str, bool], ...] = (
    ("赴外省获得学分（国家级）", PerUnit(unit="hour", every=3, award=100, cap=1000), _NATIONAL, "I类", False),
    ("主讲人赴外省获得学分（国家级）", PerUnit(unit="hour", award=200, cap=1000), _NATIONAL, "I类", True),
    ("赴外省获得学分（省级）", PerUnit(unit="hour", award=100, cap=1000), _PROVINCIAL, "I类", False),
    ("主讲人赴外省获得学分（省级）", PerUnit(unit="hour", award=200, cap=1000), _PROVINCIAL, "I类", True),
    ("脱产赴上级单位外出进修不满三个月", _BY_DAY, _STUDY, "II类", False),
    ("脱产赴上级单位外出进修满三个月", _ONCE, _STUDY, "II类", False),
    ("赴国（境）外进修或培训不满三个月", _BY_DAY, _ABROAD, "II类", False),
    ("赴国（境）外进修或培训满三个月", _ONCE, _ABROAD, "II类", False),
    (_SUPPORT + "（不满三个月）", _BY_DAY, _SUPPORT, "II类", False),
    (_SUPPORT + "（满三个月）", _ONCE, _SUPPORT, "II类", False),
    ("在职学历教育", _ONCE, _DEGREE, "II类", False),
    ("发表学术论文（发表当年）-SCI收录期刊", ByAuthorRank(awards=(2500, 1500, 1000)), _PAPER, "II类", False),
    ("发表学术论文（发表当年）-中文核心期刊", ByAuthorRank(awards=(1500, 1000)), _PAPER, "II类", False),
)


def guided_standards(year: int) -> list[Standard]:
    """The guided-entry standards of ``year`` (codes ``zj-01`` … ``zj-13`` stay the same every year)."""
    return [
        Standard(
            code=f"zj-{number:02d}",
            name=f"{year}{name}",
            rule=rule,
            category=category,
            subcategory=subcategory,
            form="个人活动",
            role="speaker" if speaker else "participant",
        )
        for number, (name, rule, subcategory, category, speaker) in enumerate(_ROWS, start=1)
    ]
