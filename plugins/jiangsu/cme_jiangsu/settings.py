"""The settings a Jiangsu tenant may set in the ``[settings]`` table of its tenant file.

``cme tenants sync`` validates the table with :class:`JiangsuSettings` (``cme_settings_schema``) and
stores it with every default filled in; pages read it back with :func:`tenant_settings`. The
commission sees them on the core's 本省参数 page (``/province/settings``).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec
from cme_platform.compliance.national import ComplianceOverrides
from cme_platform.tenancy.context import TenantContext

from cme_jiangsu.credits import CATEGORY_NAMES


class JiangsuSettings(ComplianceOverrides, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Jiangsu's province settings; every field has a default, unknown keys are rejected."""

    compliance_categories: ClassVar[tuple[str, ...]] = CATEGORY_NAMES

    attendee_list_deadline_days: Annotated[
        int,
        msgspec.Meta(
            ge=1, le=90, description="项目举办结束后提交完成规定学时的学员名单的期限（天，两周：14）"
        ),
    ] = 14
    grant_review_deadline_days: Annotated[
        int, msgspec.Meta(ge=1, le=90, description="管理用户收到学员名单后完成审核并授予学分的期限（天）")
    ] = 14
    qr_refresh_minutes: Annotated[
        int, msgspec.Meta(ge=1, le=10080, description="签到、撤离二维码的默认刷新时间（分钟，1天：1440）")
    ] = 1440


def tenant_settings(tenant: TenantContext) -> JiangsuSettings:
    """The tenant's validated settings, with defaults for the keys its tenant file leaves out."""
    return msgspec.convert(tenant.settings, JiangsuSettings)
