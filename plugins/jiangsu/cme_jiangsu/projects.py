"""Jiangsu's projects (seed 004 §1): national projects entered by their owners, provincial projects
declared and published in the platform, the two materials of a hosting application, and attendance at
the venue (§2)."""

from __future__ import annotations

from cme_platform.attendance.policy import AttendancePolicy, Question, Window
from cme_platform.certificates.policy import CertificatePolicy
from cme_platform.projects.policy import MaterialSpec, ProjectPolicy

PROJECT_POLICY = ProjectPolicy(
    levels=("国家级", "省级"),
    entered_levels=("国家级",),
    declared_levels=("省级",),
    natures=("申报项目", "备案项目"),
    materials=(
        MaterialSpec(
            code="notice", label="会议通知", hint="请上传带红章的会议通知扫描(拍照)图片，附件最大50M"
        ),
        MaterialSpec(code="schedule", label="会议日程", hint="附件最大50M"),
    ),
)
"""国家级 projects are not declared in Jiangsu's system: their owners enter the basic information first
(国家级项目录入); 省级 projects (含备案项目) are published by the commission and chosen directly. Each
application carries the 会议通知 with the red seal and the 会议日程; the owner's 行政用户 confirms it and the
管理用户 approves it (the core's hosting chain)."""

WALK_IN_ASKED = (
    "gender",
    "age",
    "unit",
    "department",
    "unit_place",
    "grassroots",
    "title",
    "position",
    "education",
)
"""004 §2.1 学员信息: 身份证号码*, 姓名*, 性别*, 年龄*, 手机号*, 单位*, 科室*, 单位所在地*,
是否来自基层*, 职称*, 职务, 学历 (the first seven here are required)."""

SATISFACTION = ("满意", "一般", "不满意")

QUESTIONNAIRE: tuple[Question, ...] = (
    Question(
        code="q1",
        text="认为本项目讲授主要内容是本学科最新发展、最新成果或亟待解决的问题",
        options=("是", "基本是", "否"),
    ),
    Question(code="q2", text="对本项目基本内容以前了解情况为", options=("全知道", "部分知道", "不知道")),
    Question(code="q3", text="通过本项目学习认为收获", options=("很大", "较大", "一般", "较小")),
    Question(code="q4", text="对授课教师的授课水平", options=SATISFACTION),
    Question(code="q5", text="对本项目的组织管理", options=SATISFACTION),
    Question(code="q6", text="对本项目的总体评价", options=SATISFACTION),
    Question(
        code="q7",
        text="通过本项目学习，感到收获最大的是（选两项）",
        options=("开阔思路", "提高临床诊治能力", "提高理论水平", "提高科研工作能力", "提高操作能力"),
        picks=2,
    ),
)
"""The check-out questionnaire (004 §2.1: 请先完成下面的调查问卷然后再提交您的确认信息). Questions 1, 2 and 7
and the start of 3 are the seed's; the seed's page break hides 3's last options and questions 4 to 6, of
which only the options 满意/一般 show: their wording here is an **assumption** in the same style."""


def attendance_policy(list_deadline_days: int) -> AttendancePolicy:
    """004 §2.1: the owner prints the 注册签到二维码 and the 离开二维码 (static codes), which work only
    around each session's start and end (or in the period the hosting application sets); a learner must
    scan both (缺一不可) and answers the questionnaire before his check-out; scanning opens the
    registration form (学员信息), so anyone may register at the venue. §2.2: the 行政用户 sends
    the list on within ``list_deadline_days`` of the run's end (the setting
    ``attendee_list_deadline_days``: 两周内), so a later list is refused."""
    return AttendancePolicy(
        check_out=True,
        check_in_window=Window(opens_before=60, closes_after=120),
        check_out_window=Window(opens_before=60, closes_after=120),
        rotate_seconds=0,
        list_deadline_days=list_deadline_days,
        late_list="refuse",
        questionnaire=QUESTIONNAIRE,
        walk_in=True,
        walk_in_fields=WALK_IN_ASKED,
        walk_in_required=WALK_IN_ASKED[:7],
    )


CERTIFICATE_POLICY = CertificatePolicy(
    title="江苏省继续医学教育学分证书",
    issuer="江苏省继续医学教育委员会",
    number_prefix="JS",
    public_lookup=True,
)
"""Jiangsu's electronic credit certificate: its heading, the commission that issues it, ``JS2026-…``, and the
public 学员证书查询 by project number and name (seed 004 §3)."""
