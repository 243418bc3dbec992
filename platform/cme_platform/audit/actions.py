"""Chinese labels of audit action names and object types: the core's, and those modules contribute.

A module that records its own actions (``beijing.activity_plan.create``) names them through the
``cme_audit_labels`` hook, so the audit page, its filter and its export show Chinese words for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import pluggy

from cme_platform.plugins.manager import active_plugin_manager, startup_hooks, tenant_hooks

ACTION_LABELS: dict[str, str] = {
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.locked": "账号锁定",
    "auth.logout": "退出登录",
    "auth.password_changed": "修改密码",
    "auth.password_reset": "重置密码",
    "auth.recovery_failed": "找回密码验证码错误",
    "auth.sms_sent": "发送短信验证码",
    "auth.sso_failed": "单点登录失败",
    "identity.account.create": "新建账号",
    "identity.account.update": "修改账号",
    "identity.account.activate": "启用账号",
    "identity.account.deactivate": "停用账号",
    "identity.account.reset_password": "管理员重置密码",
    "identity.role.grant": "授予角色",
    "identity.role.revoke": "撤销角色",
    "identity.setup_link.create": "生成设置密码链接",
    "identity.token.create": "创建接口令牌",
    "identity.token.revoke": "吊销接口令牌",
    "files.upload": "上传文件",
    "files.download_link": "生成下载链接",
    "orgs.region.create": "新建区域",
    "orgs.region.update": "修改区域",
    "orgs.institution.create": "新建单位",
    "orgs.institution.update": "修改单位",
    "orgs.department.create": "新建科室",
    "orgs.department.update": "修改科室",
    "personnel.person.create": "添加人员",
    "personnel.person.update": "修改人员信息",
    "personnel.person.batch_update": "批量修改人员状态/职称",
    "personnel.person.reveal": "查看完整证件号码",
    "personnel.year.create": "添加年度职称/状态",
    "personnel.year.update": "修改年度职称/状态",
    "personnel.year.delete": "删除年度职称/状态",
    "personnel.profile.update": "学员修改个人资料",
    "personnel.import.finish": "人员导入",
    "personnel.export": "导出人员名单",
    "personnel.search.sensitive": "按证件号码/手机号查询人员",
    "personnel.search.limited": "查询人员过于频繁（已限制）",
    "compliance.recompute": "达标重算",
    "compliance.export": "导出人员达标情况",
    "compliance.forms.print": "打印人员学分登记表或验证表",
    "audit.export": "导出操作日志",
    "credits.record.create": "录入学分",
    "credits.record.update": "修改学分",
    "credits.record.delete": "删除学分",
    "credits.record.submit": "上报学分",
    "credits.record.approve_step": "学分审核通过（转下一级）",
    "credits.record.approve": "学分审核通过",
    "credits.record.reject": "学分审核不通过",
    "credits.record.return": "学分退回修改",
    "credits.record.correct": "更正已审核学分",
    "credits.export": "导出学分明细",
    "credits.grant.open": "开通个人学分录入",
    "credits.grant.close": "关闭个人学分录入",
    "operator.login": "运维人员登录",
    "operator.login_failed": "运维人员登录失败",
    "operator.logout": "运维人员退出",
    "operator.view_tenant": "运维人员查看租户",
    "security.csrf_refused": "拒绝：表单来源校验失败",
    "security.token_refused": "拒绝：API 令牌无效",
    "security.forbidden": "拒绝：越权访问",
    "security.upload_refused": "拒绝：上传文件不合规",
    "credits.record.post": "学分记入学分账",
    "credits.standard_grant.create": "按标准授分",
    "projects.project.create": "录入项目",
    "projects.project.import": "导入已立项项目",
    "projects.project.reimport": "导入更新已立项项目",
    "projects.import": "导入项目列表",
    "projects.review.assign": "安排专家评审",
    "projects.review.submit": "提交专家评审",
    "projects.project.update": "修改项目信息",
    "projects.project.delete": "删除项目",
    "projects.project.declare": "保存项目申报",
    "projects.project.delegate": "委托科室代办项目",
    "projects.project.submit": "提交项目申报",
    "projects.project.advanced": "项目申报审核通过（转下一级）",
    "projects.project.approved": "项目申报评审通过并公布",
    "projects.project.rejected": "项目申报未通过",
    "projects.project.returned": "项目申报退回修改",
    "projects.run.create": "新增举办期数",
    "projects.run.update": "修改举办期数",
    "projects.run.delete": "删除举办期数",
    "projects.run.submit": "提交举办申请",
    "projects.run.advanced": "举办申请确认上报（转下一级）",
    "projects.run.approved": "举办申请审核通过",
    "projects.run.rejected": "举办申请审核不通过",
    "projects.run.returned": "举办申请退回修改",
    "projects.session.create": "新增课程",
    "projects.session.delete": "删除课程",
    "projects.material.upload": "上传举办申请资料",
    "projects.export": "导出项目列表",
    "projects.attendees.submit": "上报学员名单",
    "projects.attendees.select": "选择上报授分的学员",
    "projects.attendees.advanced": "学员名单单位审核上报",
    "projects.attendees.approved": "学员名单审核通过（授予学分）",
    "projects.attendees.rejected": "学员名单不予授分",
    "projects.attendees.returned": "学员名单退回修改",
    "projects.attendees.export": "导出学员名单",
    "attendance.exam.save": "保存在线考试试题",
    "attendance.exam.take": "参加在线考试",
    "certificates.revoke": "撤销电子学分证书",
    "certificates.replace": "更正重发电子学分证书",
    "certificates.print_run": "批量打印项目期数的学分证书",
    "certificates.recognise": "提交外省学分认可",
    "certificates.issue_own": "学员导出学分证书",
    "certificates.external_sign_in": "外省人员以短信验证码查询证书",
    "certificates.external_failed": "外省人员证书查询验证码错误",
}
"""Every agreed action name with the label the audit pages show."""

OBJECT_LABELS: dict[str, str] = {
    "account": "账号",
    "region": "区域",
    "institution": "单位",
    "department": "科室",
    "file": "文件",
    "token": "接口令牌",
    "audit_event": "操作日志",
    "tenant": "租户",
    "operator": "运维人员",
    "person": "人员",
    "person_list": "人员名单",
    "personnel_import": "人员导入",
    "credit_record": "学分记录",
    "standard_grant": "按标准授分",
    "credit_list": "学分明细",
    "self_entry_grant": "个人学分录入权限",
    "compliance_run": "达标重算",
    "compliance_list": "人员达标情况",
    "projects_project": "项目",
    "projects_run": "项目期数",
    "projects_session": "课程",
    "projects_list": "项目列表",
    "projects_attendee_list": "学员名单",
    "attendance_exam": "在线考试",
    "certificates_certificate": "电子学分证书",
}
"""Chinese names of the usual object types (others are shown as stored)."""


SIGN_IN_METHODS: dict[str, str] = {
    "password": "密码",
    "sms": "短信验证码",
    "sso": "统一身份认证",
    "setup_link": "设置密码链接",
}
"""How a sign-in was made, in the words of the audit record's summary."""


@dataclass(frozen=True, kw_only=True)
class AuditLabels:
    """Chinese labels for audit action names (``actions``) and object types (``objects``)."""

    actions: Mapping[str, str] = field(default_factory=dict)
    objects: Mapping[str, str] = field(default_factory=dict)


CORE_LABELS = AuditLabels(actions=ACTION_LABELS, objects=OBJECT_LABELS)
"""The core's labels (contributed by its default plugin)."""


def _merged(contributions: list[AuditLabels]) -> AuditLabels:
    actions: dict[str, str] = {}
    objects: dict[str, str] = {}
    for contributed in contributions:
        for mine, theirs in ((actions, contributed.actions), (objects, contributed.objects)):
            twice = sorted(set(mine) & set(theirs))
            if twice:
                raise ValueError(f"audit labels given twice: {', '.join(twice)}")
            mine.update(theirs)
    return AuditLabels(actions=actions, objects=objects)


@lru_cache(maxsize=8)
def audit_labels(pm: pluggy.PluginManager) -> AuditLabels:
    """Every label contributed through ``cme_audit_labels`` by the installed plugins; a name labelled
    twice is an error (the application checks it when it is built)."""
    return _merged(startup_hooks(pm, "cme_audit_labels")())


@lru_cache(maxsize=32)
def tenant_audit_labels(pm: pluggy.PluginManager, plugin: str) -> AuditLabels:
    """The labels of the core and of the province plugin ``plugin``: what a tenant's audit page offers
    to filter by (another province's actions never happen there)."""
    return _merged(tenant_hooks(pm, plugin).cme_audit_labels())


def action_label(action: str) -> str:
    """The Chinese label of ``action``, or the raw name when no module labels it."""
    return audit_labels(active_plugin_manager()).actions.get(action, action)


def object_label(object_type: str) -> str:
    """The Chinese name of ``object_type``, or the raw name when no module names it."""
    return audit_labels(active_plugin_manager()).objects.get(object_type, object_type)
