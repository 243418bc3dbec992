"""Jiangsu's page: the public hosting-and-grant workflow page.

The workflow below is Jiangsu's, taken from the operating procedure of the national and provincial CME
project credit system (seed 004: 项目查询及举办申请流程, 项目举办流程, 电子学分证书打印流程). The platform
mounts these handlers under ``/p/jiangsu/``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from cme_admin_ui.kit import page_context
from cme_platform.approvals.kinds import PROJECT_HOSTING
from cme_platform.identity.current import principal_of
from cme_platform.tenancy.scope import current_tenant
from litestar import Request, get
from litestar.response import Template

from cme_jiangsu.settings import JiangsuSettings, tenant_settings


class WorkflowStep(msgspec.Struct, frozen=True):
    """One step of a project's way from publication to certificates, and the page where it is done
    (empty while the platform does not offer it yet)."""

    title: str
    actor: str
    detail: str
    path: str = ""
    link: str = ""


def _duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440}天"
    if minutes % 60 == 0:
        return f"{minutes // 60}小时"
    return f"{minutes}分钟"


def workflow_steps(settings: JiangsuSettings) -> list[WorkflowStep]:
    """The hosting application and grant workflow, with the tenant's deadlines filled in."""
    return [
        WorkflowStep(
            "项目公布",
            "管理用户",
            "立项用户申报的项目经评审通过、继续医学教育委员会审核同意后在系统中公布，可在“项目查询”中查看状态。",
            "/projects",
            "项目查询",
        ),
        WorkflowStep(
            "项目举办申请",
            "立项用户",
            "在“项目举办申请”中选择国家级项目或省级项目。国家级项目不在本系统申报，需先录入项目基本信息；"
            "获批的省级项目（含备案项目）可直接选择。",
            "/projects/mine",
            "我的项目",
        ),
        WorkflowStep(
            "资料上传并提交申请",
            "立项用户",
            "上传带红章的会议通知扫描件（或照片）和会议日程，每个附件最大50M，上传完成后提交申请。",
            "/projects/mine",
            "我的项目",
        ),
        WorkflowStep(
            "单位确认上报",
            "行政用户",
            "医疗卫生单位及学协会科教部门确认无误后上报至管理用户。",
            f"/approvals?kind={PROJECT_HOSTING}",
            "举办申请审核",
        ),
        WorkflowStep(
            "审核举办申请",
            "管理用户",
            "江苏省继续医学教育委员会办公室审核通过或退回修改，审核通过后方可举办。",
            f"/approvals?kind={PROJECT_HOSTING}",
            "举办申请审核",
        ),
        WorkflowStep(
            "现场签到与撤离",
            "学员",
            "立项用户获取签到二维码和撤离二维码，有效时间按申请材料设定，默认每"
            f"{_duration(settings.qr_refresh_minutes)}刷新。学员须完成签到和撤离两次扫码，缺一不可；"
            "撤离时确认个人信息并填写调查问卷。",
        ),
        WorkflowStep(
            "提交学员名单",
            "立项用户、行政用户",
            "立项用户将含签到及撤离信息的学员名单提交至行政用户；行政用户按实际参会学时，于项目举办结束后"
            f"{settings.attendee_list_deadline_days}天内将完成规定学时的学员名单提交至管理用户。",
        ),
        WorkflowStep(
            "审核并授予学分",
            "管理用户",
            f"管理用户于{settings.grant_review_deadline_days}天内根据实际举办情况完成审核，并对审核通过的学员授予学分。",
        ),
        WorkflowStep(
            "证书查询与打印",
            "学员及有关单位",
            "在网站首页“学员证书查询”中输入项目编号、学员姓名等条件检索证书并打印。",
        ),
    ]


CHECKIN_FIELDS: tuple[str, ...] = (
    "身份证号码",
    "姓名",
    "性别",
    "年龄",
    "手机号",
    "单位",
    "科室",
    "单位所在地",
    "是否来自基层",
    "职称",
    "职务（选填）",
    "学历（选填）",
)
"""What a walk-in learner fills in after scanning the check-in QR code (seed 004, 学员信息)."""


@get("/workflow", include_in_schema=False)
async def workflow(request: Request[Any, Any, Any]) -> Template:
    """Public page: how a project is applied for, hosted and granted credits in Jiangsu."""
    await principal_of(request)
    settings = tenant_settings(current_tenant())
    context = page_context(request)
    return Template(
        template_name="jiangsu/workflow.html",
        context={
            **context,
            "settings": settings,
            "steps": workflow_steps(settings),
            "reachable": {entry.path for _, entries in context["menu"] for entry in entries},
            "checkin_fields": CHECKIN_FIELDS,
        },
    )


routes = [workflow]
"""The handlers ``cme_routes`` contributes."""
