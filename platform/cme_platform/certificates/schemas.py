"""What a certificate says and how the API shows it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec


class CertificateFacts(msgspec.Struct, frozen=True, kw_only=True):
    """The snapshot a certificate keeps from the moment it was issued: its printed text."""

    holder_name: str
    gender: str
    id_masked: str
    project_number: str
    project_name: str
    activity_name: str
    """The run as the credit names it (``… 第1期``)."""
    organiser: str
    """主办单位."""
    starts_on: date
    ends_on: date
    level: str
    """The project's level (国家级, 省级…)."""
    category: str
    """The credit category granted (I类, II类…)."""
    credits: int
    """In hundredths."""
    hours: int
    """In hundredths."""
    issuer: str
    """The issuing body (最终审核单位)."""
    title: str
    """The certificate's heading."""


class CertificateOut(msgspec.Struct, kw_only=True):
    """A certificate as its holder and the commission see it."""

    id: int
    number: str
    status: str
    """``valid``, ``revoked`` or ``replaced``."""
    status_label: str
    issued_on: date
    facts: CertificateFacts
    verify_path: str
    """The verification page (relative to the tenant), as the QR code opens it."""
    revoked_at: datetime | None = None
    revoked_reason: str = ""
    replaced_by_number: str = ""


class VerificationOut(msgspec.Struct, kw_only=True):
    """The public answer about a scanned certificate: its whole record and its live state."""

    number: str
    status: str
    status_label: str
    message: str
    issued_on: date
    facts: CertificateFacts
    revoked_at: datetime | None = None
    revoked_reason: str = ""
    replaced_by_number: str = ""


class WithdrawIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The commission revokes a certificate (撤销), or revokes it and issues a corrected one (更正重发)."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="撤销原因")]
    replace: bool = False
    """Issue a new certificate from the credit as it stands now, and point the old one to it."""


class LookupIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """学员证书查询: the project's number and the holder's name, both exactly as on the certificate."""

    project_number: Annotated[str, msgspec.Meta(min_length=1, max_length=64, description="项目编号")]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50, description="学员姓名")]


class CredentialOut(msgspec.Struct, frozen=True, kw_only=True):
    """A certificate as an Open Badges 3.0 credential (``credential``) and its signed VC-JWT (``jwt``)."""

    credential: dict[str, Any]
    jwt: str


class CreditSelectionIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """导出学分证书: the learner's effective credits whose certificates he wants (issued where missing)."""

    credit_ids: Annotated[
        list[Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]], msgspec.Meta(min_length=1, max_length=200)
    ]
