"""The settings a Zhejiang tenant may set in the ``[settings]`` table of its tenant file.

``cme tenants sync`` validates the table with :class:`ZhejiangSettings` (``cme_settings_schema``) and
stores it with every default filled in; pages read it back with :func:`tenant_settings`. The
commission sees them on the core's 本省参数 page (``/province/settings``).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec
from cme_platform.compliance.national import ComplianceOverrides
from cme_platform.tenancy.context import TenantContext

from cme_zhejiang.credits import CREDIT_CATEGORIES

_CATEGORY_NAMES = tuple(c.name for c in CREDIT_CATEGORIES)


class ZhejiangSettings(ComplianceOverrides, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Zhejiang's province settings; every field has a default, unknown keys are rejected."""

    compliance_categories: ClassVar[tuple[str, ...]] = _CATEGORY_NAMES

    credit_effective_delay_days: Annotated[
        int, msgspec.Meta(ge=0, le=30, description="审核通过的个人学分在几天后生效（浙江为次日生效：1）")
    ] = 1
    learner_self_entry_requires_grant: Annotated[
        bool, msgspec.Meta(description="学员自行录入个人学分是否需单位开通权限")
    ] = True
    out_of_province_credits_need_review: Annotated[
        bool, msgspec.Meta(description="赴外省获得的学分是否须经上级管理部门审核通过后生效")
    ] = True


def tenant_settings(tenant: TenantContext) -> ZhejiangSettings:
    """The tenant's validated settings, with defaults for the keys its tenant file leaves out."""
    return msgspec.convert(tenant.settings, ZhejiangSettings)
