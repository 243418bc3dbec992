"""What a province's certificates look like (``cme_certificate_policy``): title, issuer, number scheme."""

from __future__ import annotations

from typing import Annotated

import msgspec

Prefix = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{0,8}$")]


class CertificatePolicy(msgspec.Struct, frozen=True, kw_only=True):
    """The province's electronic credit certificate (电子学分证书)."""

    title: str = "继续医学教育学分证书"
    """The heading printed on the certificate."""
    issuer: str = ""
    """The issuing body printed bottom right (最终审核单位; empty: the tenant's name)."""
    number_prefix: Prefix = "CME"
    """Capital letters before the year of every number: ``ZJ`` gives ``ZJ2026-4KQ8-M2XD-7P``."""
    public_lookup: bool = False
    """学员证书查询: anyone finds a certificate by the project's number and the holder's name (Jiangsu)."""
    credit_certificates: bool = False
    """A learner exports certificates of any effective credit he selects in his credit query (Zhejiang
    003 §10: 选定学分后导出学分证书), not only of granted project credits."""
    external_access: bool = False
    """外省人员证书查询 (Zhejiang 10.2): attendees outside the registry (registered at the venue) sign in
    with their ID number and an SMS code to the phone they gave there, to list and print their own."""
