"""The settings a Beijing tenant may set in the ``[settings]`` table of its tenant file.

``cme tenants sync`` validates the table with :class:`BeijingSettings` (``cme_settings_schema``) and
stores it with every default filled in; pages read it back with :func:`tenant_settings`. The
commission sees them on the core's 本省参数 page (``/province/settings``).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec
from cme_platform.compliance.national import ComplianceOverrides
from cme_platform.tenancy.context import TenantContext

from cme_beijing.credits import CATEGORY_NAMES


class BeijingSettings(ComplianceOverrides, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Beijing's province settings; every field has a default, unknown keys are rejected."""

    compliance_categories: ClassVar[tuple[str, ...]] = CATEGORY_NAMES

    self_study_credit_cap: Annotated[
        int, msgspec.Meta(ge=1, le=25, description="有计划的自学每份自学计划可授学分上限（分）")
    ] = 10
    supervision_allow_late_reports: Annotated[
        bool, msgspec.Meta(description="项目督查是否允许补报已过期的半天督查时段")
    ] = False


def tenant_settings(tenant: TenantContext) -> BeijingSettings:
    """The tenant's validated settings, with defaults for the keys its tenant file leaves out."""
    return msgspec.convert(tenant.settings, BeijingSettings)
