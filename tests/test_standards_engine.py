"""The credit standards engine: rule texts as the seeds print them, exact credits, refused inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cme_platform.standards.amounts import format_credits, parse_credits
from cme_platform.standards.engine import Context, Inputs, StandardInputError, compute
from cme_platform.standards.rules import ByAuthorRank, Fixed, FromProject, PerUnit, Standard

OUT_OF_PROVINCE = Standard(
    code="zj-1",
    name="赴外省获得学分（国家级）",
    rule=PerUnit(unit="hour", every=3, award=100, cap=1000),
    category="I类",
    subcategory="赴外省面授获得学分（国家级）",
)
SCI_PAPER = Standard(
    code="zj-12",
    name="发表学术论文（发表当年）-SCI收录期刊",
    rule=ByAuthorRank(awards=(2500, 1500, 1000)),
    category="II类",
)
SINGLE_TALK = Standard(
    code="bj-11",
    name="单次继续医学教育实践活动主讲人授分",
    rule=Fixed(award=50),
    category="有组织的继续医学教育实践活动",
    role="speaker",
    min_hours=1,
    not_above_project=True,
)


def test_rule_texts_match_the_seed_tables() -> None:
    assert OUT_OF_PROVINCE.text == "每3小时授予1分(最高限分10)"
    assert PerUnit(unit="day", award=100, cap=1500).describe() == "每1天授予1分(最高限分15)"
    assert PerUnit(unit="occurrence", award=2500, cap=2500).describe() == "每1次授予25分(最高限分25)"
    assert Fixed(award=50).describe() == "0.5分"
    assert SCI_PAPER.text == "第一作者（通讯作者）25分 第二作者15分 第三作者10分"
    assert FromProject().describe() == "申报项目导入"


def test_per_hour_rounds_down_to_the_hundredth_and_caps() -> None:
    assert compute(OUT_OF_PROVINCE, Inputs(hours=Decimal(1))).credits == 33
    outcome = compute(OUT_OF_PROVINCE, Inputs(hours=Decimal("3.5")))
    assert outcome.credits == 116
    assert "3.5小时 × 每3小时1分 = 1.16分" in outcome.explanation
    capped = compute(OUT_OF_PROVINCE, Inputs(hours=Decimal(40), days=2))
    assert capped.credits == 1000 and "超过上限，按10分计" in capped.explanation


@pytest.mark.parametrize(
    ("inputs", "field", "message"),
    [
        (Inputs(hours=Decimal(-1)), "hours", "负数"),
        (Inputs(hours=Decimal(25)), "hours", "24小时"),
        (Inputs(hours=Decimal(49), days=2), "hours", "48小时"),
        (Inputs(hours=Decimal(3), days=0), "days", "至少为1"),
        (Inputs(), "hours", "请填写学时"),
    ],
)
def test_impossible_durations_are_refused(inputs: Inputs, field: str, message: str) -> None:
    with pytest.raises(StandardInputError, match=message) as caught:
        compute(OUT_OF_PROVINCE, inputs)
    assert caught.value.field == field


def test_author_rank() -> None:
    assert compute(SCI_PAPER, Inputs(author_rank=2)).credits == 1500
    with pytest.raises(StandardInputError, match="第三作者") as caught:
        compute(SCI_PAPER, Inputs(author_rank=4))
    assert caught.value.field == "author_rank"


def test_speaker_minimum_duration_and_project_limit() -> None:
    with pytest.raises(StandardInputError, match="单次不少于1小时"):
        compute(SINGLE_TALK, Inputs(hours=Decimal("0.5")), Context(project_credits=100))
    with pytest.raises(StandardInputError, match="项目学分"):
        compute(SINGLE_TALK, Inputs(hours=Decimal(1)))
    assert compute(SINGLE_TALK, Inputs(hours=Decimal(2)), Context(project_credits=100)).credits == 50
    limited = compute(SINGLE_TALK, Inputs(hours=Decimal(2)), Context(project_credits=30))
    assert limited.credits == 30 and "主讲人学分不超过项目学分，按0.3分计" in limited.explanation


def test_yearly_cap_counts_what_the_year_already_has() -> None:
    capped = Standard(code="x", name="在职学历教育", rule=Fixed(award=2500), category="II类", yearly_cap=2500)
    assert compute(capped, Inputs(), Context(earned_this_year=1000)).credits == 1500
    assert compute(capped, Inputs(), Context(earned_this_year=3000)).credits == 0


def test_credits_from_a_project_are_not_computed() -> None:
    imported = Standard(
        code="bj-4", name="参加外地国家级继续医学教育项目", rule=FromProject(), category="国家级"
    )
    with pytest.raises(StandardInputError, match="项目导入"):
        compute(imported, Inputs(hours=Decimal(3)))


def test_amount_text() -> None:
    assert [format_credits(v) for v in (2500, 250, 33, 0, 5)] == ["25", "2.5", "0.33", "0", "0.05"]
    assert parse_credits("2.5") == 250 and parse_credits("0.33") == 33
    for bad in ("-1", "0.333", "abc", "NaN"):
        with pytest.raises(ValueError):
            parse_credits(bad)
