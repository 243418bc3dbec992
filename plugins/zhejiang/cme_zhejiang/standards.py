"""Zhejiang's guided personal-entry catalogue (依据本省学分管理方法向导录入, seed 002 §5.2) as standards.

Thirteen rows, in the seed's order; names carry the year as the province prints them (``2025赴外省…``).
Credits gained in other provinces count as class I, the rest as class II (seed 003, 图-9); the category
and subcategory names are those of :mod:`cme_zhejiang.credits`.
"""

from __future__ import annotations

from cme_platform.standards.rules import ByAuthorRank, PerUnit, Rule, Standard

from cme_zhejiang.credits import CLASS_ONE as _I
from cme_zhejiang.credits import CLASS_TWO as _II
from cme_zhejiang.credits import DEGREE_EDUCATION as _DEGREE
from cme_zhejiang.credits import FURTHER_STUDY as _STUDY
from cme_zhejiang.credits import GOVERNMENT_MISSION as _SUPPORT
from cme_zhejiang.credits import OUT_OF_PROVINCE_NATIONAL as _NATIONAL
from cme_zhejiang.credits import OUT_OF_PROVINCE_PROVINCIAL as _PROVINCIAL
from cme_zhejiang.credits import PAPERS as _PAPER
from cme_zhejiang.credits import STUDY_ABROAD as _ABROAD

_BY_DAY = PerUnit(unit="day", award=100, cap=1500)
_ONCE = PerUnit(unit="occurrence", award=2500, cap=2500)

_ROWS: tuple[tuple[str, Rule, str, str, bool], ...] = (
    ("赴外省获得学分（国家级）", PerUnit(unit="hour", every=3, award=100, cap=1000), _NATIONAL, _I, False),
    ("主讲人赴外省获得学分（国家级）", PerUnit(unit="hour", award=200, cap=1000), _NATIONAL, _I, True),
    ("赴外省获得学分（省级）", PerUnit(unit="hour", award=100, cap=1000), _PROVINCIAL, _I, False),
    ("主讲人赴外省获得学分（省级）", PerUnit(unit="hour", award=200, cap=1000), _PROVINCIAL, _I, True),
    ("脱产赴上级单位外出进修不满三个月", _BY_DAY, _STUDY, _II, False),
    ("脱产赴上级单位外出进修满三个月", _ONCE, _STUDY, _II, False),
    ("赴国（境）外进修或培训不满三个月", _BY_DAY, _ABROAD, _II, False),
    ("赴国（境）外进修或培训满三个月", _ONCE, _ABROAD, _II, False),
    (_SUPPORT + "（不满三个月）", _BY_DAY, _SUPPORT, _II, False),
    (_SUPPORT + "（满三个月）", _ONCE, _SUPPORT, _II, False),
    ("在职学历教育", _ONCE, _DEGREE, _II, False),
    ("发表学术论文（发表当年）-SCI收录期刊", ByAuthorRank(awards=(2500, 1500, 1000)), _PAPER, _II, False),
    ("发表学术论文（发表当年）-中文核心期刊", ByAuthorRank(awards=(1500, 1000)), _PAPER, _II, False),
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
