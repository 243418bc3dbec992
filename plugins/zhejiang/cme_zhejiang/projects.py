"""Zhejiang's projects (seed 002 §3): departments (科室) declare provincial and city projects in the
platform (新项目申报), the institution checks and the commission publishes them (已公布项目浏览); national
projects are declared nationally and entered by their owners."""

from __future__ import annotations

from cme_platform.attendance.policy import AttendancePolicy
from cme_platform.certificates.policy import CertificatePolicy
from cme_platform.projects.policy import ProjectPolicy

from cme_zhejiang.credits import CLASS_ONE, CLASS_TWO, NATIONAL_PROJECT

PROJECT_POLICY = ProjectPolicy(
    levels=("国家级", "省级", "市级"),
    entered_levels=("国家级",),
    declared_levels=("省级", "市级"),
    declarers=("department_admin", "project_owner"),
    delegation=True,
    level_categories={
        "国家级": (CLASS_ONE, NATIONAL_PROJECT),
        "省级": (CLASS_ONE, "省级继续医学教育项目"),
        "市级": (CLASS_TWO, "市级继续医学教育项目"),
    },
)
"""科室 accounts and 立项用户 declare 省级 and 市级 projects; the core's chain reviews them (单位审核, then
继教委评审) and the core's numbering gives the published number. An institution may let a 科室 manage a
project's runs and hosting applications (代办项目). A project's credits are class I (national and
provincial) or class II (city), under the subcategory of its level."""

CERTIFICATE_POLICY = CertificatePolicy(
    title="浙江省继续医学教育学分电子证书",
    issuer="浙江省继续医学教育委员会（办）",
    number_prefix="ZJ",
    credit_certificates=True,
    external_access=True,
)
"""Zhejiang's electronic credit certificate: its heading, the commission that issues it, ``ZJ2026-…``;
a learner exports one for any effective credit he selects (003 §10); people from other provinces print
theirs after signing in with ID number and SMS code (003 §10.2)."""

ATTENDANCE_POLICY = AttendancePolicy(
    walk_in=True,
    walk_in_fields=("gender", "unit", "department", "unit_place", "title"),
    walk_in_required=("gender", "unit", "unit_place"),
)
"""The core's attendance (check-in and check-out, 80%, 14 days), and 现场登记 for people outside the
registry (from other provinces): ID number, name, phone, gender, unit and where it is; they print their
certificates later after signing in with that ID number and phone (003 §10.2)."""
