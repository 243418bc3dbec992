"""Beijing's page: the public credit policy page.

The vocabulary below is Beijing's, taken from the 2025 manual of the Beijing CME management system
(seed 000: 可授学分的继续医学教育活动, the 20-row credit-standard table, planned self-study scoring,
project supervision and credit audit). The platform mounts these handlers under ``/p/beijing/``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from cme_platform.identity.principal import principal_of
from cme_platform.tenancy.scope import current_tenant
from cme_platform.web import page_context
from litestar import Request, get
from litestar.response import Template

from cme_beijing import INSTITUTION_LEVELS
from cme_beijing.settings import tenant_settings


class ActivityForm(msgspec.Struct, frozen=True):
    """One of the seven forms of creditable CME activity."""

    name: str
    summary: str


class CreditStandard(msgspec.Struct, frozen=True):
    """One row of Beijing's credit-standard table (授分标准)."""

    name: str
    rule: str
    category: str
    form: str
    note: str = ""


ACTIVITY_FORMS: tuple[ActivityForm, ...] = (
    ActivityForm(
        "继续医学教育项目",
        "国家级、市级、区级继续医学教育项目及北京市继教委许可发证书项目。参加者在授课时间通过IC卡、"
        "微信签到等方式完成签到后获得学分；主讲人按主讲学时另行授分。",
    ),
    ActivityForm("进修学习", "满3个月授予25分；不满3个月每6小时1分，上限25分。"),
    ActivityForm(
        "在职学历（学位）教育", "满3个月授予25分；不满3个月每6小时1分，上限25分；须上传留档认证材料。"
    ),
    ActivityForm(
        "有组织的继续医学教育实践活动",
        "医疗卫生机构先上传年度、季度或月度教学活动计划，经主管部门审核备案后按授分标准授予学分；"
        "授分须与备案计划和学员考勤核对，参加外单位培训还须提供培训通知。",
    ),
    ActivityForm("政府指令性医疗卫生任务", "满3个月授予25分；不满3个月每6小时1分，上限25分。"),
    ActivityForm(
        "有计划的自学",
        "机构或学员上传自学计划及附件（授课、带教、参与专业考试命题、健康宣教、发表论文、出版著作、"
        "承担教学和科研课题等），由机构继续医学教育主管部门按模块化计分规则综合评估后授予学分。",
    ),
    ActivityForm("符合规定的其他方式", "目前为住院医师规范化培训，授予25分。"),
)
"""可授学分的继续医学教育活动, in the seed's order."""

_PROJECT = "继续医学教育项目"
_PRACTICE = "有组织的继续医学教育实践活动"
_SPEAKER_CAP = "主讲人分数不能超过项目分数"

CREDIT_STANDARDS: tuple[CreditStandard, ...] = (
    CreditStandard(
        "国家级继续医学教育项目主讲人授分",
        "每1小时2分（上限10分）",
        "国家级继续医学教育项目",
        _PROJECT,
        _SPEAKER_CAP,
    ),
    CreditStandard(
        "市级继续医学教育项目主讲人授分",
        "每1小时2分（上限10分）",
        "市级继续医学教育项目",
        _PROJECT,
        _SPEAKER_CAP,
    ),
    CreditStandard(
        "区级继续医学教育项目主讲人授分",
        "每1小时2分（上限10分）",
        "区级继续医学教育项目",
        _PROJECT,
        _SPEAKER_CAP,
    ),
    CreditStandard("参加外地国家级继续医学教育项目", "申报项目导入", "国家级继续医学教育项目", _PROJECT),
    CreditStandard("参加外地市级继续医学教育项目", "申报项目导入", "市级继续医学教育项目", _PROJECT),
    CreditStandard("进修学习满3个月", "25分", "进修学习", "满三个月学习时间"),
    CreditStandard("进修学习不满3个月", "每6小时1分（上限25分）", "进修学习", "不足三个月学习时间"),
    CreditStandard("在职学历（学位）教育满3个月", "25分", "在职学历（学位）教育", "满三个月学习时间"),
    CreditStandard(
        "在职学历（学位）教育不满3个月",
        "每6小时1分（上限25分）",
        "在职学历（学位）教育",
        "不足三个月学习时间",
    ),
    CreditStandard(
        "继续医学教育实践活动主讲人授分", "每3小时1分", _PRACTICE, "根据实际情况填写", _SPEAKER_CAP
    ),
    CreditStandard(
        "单次继续医学教育实践活动主讲人授分",
        "0.5学分",
        _PRACTICE,
        "根据实际情况填写",
        _SPEAKER_CAP + "；单次不少于1小时学习",
    ),
    CreditStandard("政府指令性医疗卫生任务满3个月", "25分", "政府指令性医疗卫生任务", "满三个月学习时间"),
    CreditStandard(
        "政府指令性医疗卫生任务不满3个月",
        "每6小时1分（上限25分）",
        "政府指令性医疗卫生任务",
        "不足三个月学习时间",
    ),
    CreditStandard("住院医师规范化培训", "25分", "住院医师规范化培训", "住院医师规范化培训"),
    CreditStandard(
        "参加国家级继续医学教育项目", "每3小时1分（上限10分）", "国家级继续医学教育项目", _PROJECT
    ),
    CreditStandard("参加市级继续医学教育项目", "每3小时1分（上限10分）", "市级继续医学教育项目", _PROJECT),
    CreditStandard("参加区级继续医学教育项目", "每3小时1分（上限10分）", "区级继续医学教育项目", _PROJECT),
    CreditStandard(
        "北京市继教委许可发证书项目",
        "许可发项目导入",
        "北京市继教委许可发证书项目",
        "北京市继教委许可发证书项目",
    ),
    CreditStandard("继续医学教育实践活动", "每6小时1分", _PRACTICE, "根据实际情况填写"),
    CreditStandard(
        "单次继续医学教育实践活动", "0.2学分", _PRACTICE, "根据实际情况填写", "单次不少于1小时授课"
    ),
)
"""The credit-standard table of seed 000, in its order (序号 1–20)."""

SUPERVISION_RATINGS: tuple[str, ...] = ("合格", "基本合格", "不合格")
"""督查评分: the ratings the commission gives a supervised project."""


@get("/policy", include_in_schema=False)
async def policy(request: Request[Any, Any, Any]) -> Template:
    """Public page: Beijing's creditable activities, credit standards, supervision and audit rules."""
    await principal_of(request)
    tenant = current_tenant()
    return Template(
        template_name="beijing/policy.html",
        context={
            **page_context(request),
            "settings": tenant_settings(tenant),
            "activity_forms": ACTIVITY_FORMS,
            "credit_standards": CREDIT_STANDARDS,
            "supervision_ratings": SUPERVISION_RATINGS,
            "institution_levels": INSTITUTION_LEVELS,
        },
    )


routes = [policy]
"""The handlers ``cme_routes`` contributes."""
