"""Beijing's credit standard table (授分标准, seed 000: 20 rows), in the seed's order.

Columns of the seed map to :class:`~cme_platform.standards.rules.Standard` as 授分标准名称 → ``name``,
授分规则 → ``rule``, 学分类别 → ``category``, 活动形式 → ``form``, 备注 → ``note`` (and its limits:
主讲人分数不能超过项目分数 → ``not_above_project``, 单次不少于1小时 → ``min_hours``).
"""

from __future__ import annotations

from cme_platform.standards.rules import Fixed, FromProject, PerUnit, Rule, Standard

_PROJECT = "继续医学教育项目"
_FULL = "满三个月学习时间"
_PARTIAL = "不足三个月学习时间"
PRACTICE = "有组织的继续医学教育实践活动"
"""The 学分类别 of organised practice activities, whose grants name a filed plan."""
_AS_NEEDED = "根据实际情况填写"
_NOT_ABOVE = "主讲人分数不能超过项目分数"

_SPEAKER = PerUnit(unit="hour", award=200, cap=1000)
_ATTENDEE = PerUnit(unit="hour", every=3, award=100, cap=1000)
_PARTIAL_RULE = PerUnit(unit="hour", every=6, award=100, cap=2500)
_FULL_RULE = Fixed(award=2500)

# name, rule, category, form, note, speaker, min_hours
_ROWS: tuple[tuple[str, Rule, str, str, str, bool, int], ...] = (
    ("国家级继续医学教育项目主讲人授分", _SPEAKER, "国家级继续医学教育项目", _PROJECT, _NOT_ABOVE, True, 0),
    ("市级继续医学教育项目主讲人授分", _SPEAKER, "市级继续医学教育项目", _PROJECT, _NOT_ABOVE, True, 0),
    ("区级继续医学教育项目主讲人授分", _SPEAKER, "区级继续医学教育项目", _PROJECT, _NOT_ABOVE, True, 0),
    ("参加外地国家级继续医学教育项目", FromProject(), "国家级继续医学教育项目", _PROJECT, "", False, 0),
    ("参加外地市级继续医学教育项目", FromProject(), "市级继续医学教育项目", _PROJECT, "", False, 0),
    ("进修学习满3个月", _FULL_RULE, "进修学习", _FULL, "", False, 0),
    ("进修学习不满3个月", _PARTIAL_RULE, "进修学习", _PARTIAL, "", False, 0),
    ("在职学历(学位)教育满3个月", _FULL_RULE, "在职学历(学位)教育", _FULL, "", False, 0),
    ("在职学历(学位)教育不满3个月", _PARTIAL_RULE, "在职学历(学位)教育", _PARTIAL, "", False, 0),
    (
        "继续医学教育实践活动主讲人授分",
        PerUnit(unit="hour", every=3, award=100),
        PRACTICE,
        _AS_NEEDED,
        _NOT_ABOVE,
        True,
        0,
    ),
    (
        "单次继续医学教育实践活动主讲人授分",
        Fixed(award=50),
        PRACTICE,
        _AS_NEEDED,
        f"{_NOT_ABOVE}; 单次不少于1小时学习",
        True,
        1,
    ),
    ("政府指令性医疗卫生任务满3个月", _FULL_RULE, "政府指令性医疗卫生任务", _FULL, "", False, 0),
    ("政府指令性医疗卫生任务不满3个月", _PARTIAL_RULE, "政府指令性医疗卫生任务", _PARTIAL, "", False, 0),
    ("住院医师规范化培训", _FULL_RULE, "住院医师规范化培训", "住院医师规范化培训", "", False, 0),
    ("参加国家级继续医学教育项目", _ATTENDEE, "国家级继续医学教育项目", _PROJECT, "", False, 0),
    ("参加市级继续医学教育项目", _ATTENDEE, "市级继续医学教育项目", _PROJECT, "", False, 0),
    ("参加区级继续医学教育项目", _ATTENDEE, "区级继续医学教育项目", _PROJECT, "", False, 0),
    (
        "北京市继教委许可发证书项目",
        FromProject(label="许可发项目导入"),
        "北京市继教委许可发证书项目",
        "北京市继教委许可发证书项目",
        "",
        False,
        0,
    ),
    ("继续医学教育实践活动", PerUnit(unit="hour", every=6, award=100), PRACTICE, _AS_NEEDED, "", False, 0),
    ("单次继续医学教育实践活动", Fixed(award=20), PRACTICE, _AS_NEEDED, "单次不少于1小时授课", False, 1),
)

STANDARDS: tuple[Standard, ...] = tuple(
    Standard(
        code=f"bj-{number:02d}",
        name=name,
        rule=rule,
        category=category,
        form=form,
        note=note,
        role="speaker" if speaker else "participant",
        not_above_project=speaker,
        min_hours=min_hours,
    )
    for number, (name, rule, category, form, note, speaker, min_hours) in enumerate(_ROWS, start=1)
)
"""Beijing's 20 standards (codes ``bj-01`` … ``bj-20``), the same every year until changed."""

GRANTED_BY_INSTITUTIONS: tuple[str, ...] = tuple(
    s.code for s in STANDARDS if s.form != _PROJECT and not isinstance(s.rule, FromProject)
)
"""The standards an institution grants to its people through the 3-step wizard (seed 000: 进修学习, 在职学历
(学位)教育, 有组织的实践活动, 政府指令性医疗卫生任务, 住院医师规范化培训); projects grant the others."""
