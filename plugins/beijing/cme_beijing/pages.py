"""Beijing's page: the public credit policy page.

The vocabulary below is Beijing's, taken from the 2025 manual of the Beijing CME management system
(seed 000: 可授学分的继续医学教育活动, planned self-study scoring, project supervision and credit audit); the
20-row credit-standard table is the plugin's one table (:data:`cme_beijing.standards.STANDARDS`), the same
that computes credits. The platform mounts these handlers under ``/p/beijing/``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from cme_admin_ui.kit import page_context
from cme_platform.identity.current import principal_of
from cme_platform.standards.catalogue import describe
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, get
from litestar.response import Template

from cme_beijing import INSTITUTION_LEVELS
from cme_beijing.settings import tenant_settings
from cme_beijing.standards import STANDARDS


class ActivityForm(msgspec.Struct, frozen=True):
    """One of the seven forms of creditable CME activity."""

    name: str
    summary: str


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
            "credit_standards": [describe(s) for s in STANDARDS],
            "supervision_ratings": SUPERVISION_RATINGS,
            "institution_levels": INSTITUTION_LEVELS,
        },
    )


routes = [policy]
"""The handlers ``cme_routes`` contributes."""
