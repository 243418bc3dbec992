"""Issued certificates: what each certifies (a snapshot taken at issue), its number and seal, its state."""

from __future__ import annotations

from piccolo.columns import JSON, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from cme_platform.attendance.tables import ExternalAttendee
from cme_platform.credits.tables import CreditRecord
from cme_platform.identity.tables import Account
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.tables import TenantOwned


class Certificate(TenantOwned, Table, tablename="certificates_certificate"):
    """An electronic credit certificate (电子学分证书) of one credit of one holder.

    The holder is a person of the registry (``person``, with the ``credit`` record it certifies) or an
    external attendee (``external``, certified from the attendee list's entry). ``snapshot`` keeps what the
    certificate says, so later edits of the project or the person never change it. ``number`` is unique per
    tenant and never reused (revoked certificates keep theirs).
    """

    number = Varchar(length=40, null=False)
    person = ForeignKey(Person, null=True, on_delete=OnDelete.restrict, default=None)
    external = ForeignKey(ExternalAttendee, null=True, on_delete=OnDelete.restrict, default=None)
    credit = ForeignKey(CreditRecord, null=True, on_delete=OnDelete.restrict, default=None)
    source_type = Varchar(length=32, null=False)
    """What was certified: ``credit`` (a credit record) or ``attendee_entry`` (an external's grant)."""
    source_id = Integer(null=False)
    year = Integer(null=False)
    snapshot = JSON(default={})
    """:class:`~cme_platform.certificates.schemas.CertificateFacts` as issued."""
    lookup_key = Varchar(length=64, null=False, default="")
    """The keyed hash of the project number and the holder's name (:func:`~cme_platform.certificates.service
    .lookup_key`), for 学员证书查询; neither is readable from it."""
    seal = Text(null=False, default="")
    """The signed record the QR code carries (:mod:`~cme_platform.certificates.seal`)."""
    issued_on = Date(null=False)
    issued_at = Timestamptz(default=TimestamptzNow())
    status = Varchar(length=12, null=False, default="valid")
    """``valid``, ``revoked`` or ``replaced`` (revoked and reissued corrected)."""
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null, default=None)
    revoked_reason = Varchar(length=200, null=False, default="")
    replaced_by = Varchar(length=40, null=False, default="")
    """The number of the corrected certificate that replaces this one (``replaced``)."""


class Recognition(TenantOwned, Table, tablename="certificates_recognition"):
    """A certificate of another issuer (another tenant of this platform, or a trusted platform) that a
    learner submitted for recognition (外省学分认可): what its verification said (``facts``), and the
    credit record it became, which goes through this province's approval chain. One per certificate
    (issuer and number): the same certificate is never recognised twice."""

    person = ForeignKey(Person, null=False, on_delete=OnDelete.restrict)
    issuer = Varchar(length=63, null=False)
    """The slug its seal names (a tenant of this platform, or a ``[[recognition.trusted]]`` issuer)."""
    issuer_name = Varchar(length=100, null=False, default="")
    number = Varchar(length=40, null=False)
    seal = Text(null=False, default="")
    facts = JSON(default={})
    """:class:`~cme_platform.certificates.schemas.CertificateFacts` as the issuer verified them."""
    category = Varchar(length=64, null=False, default="")
    """The category this province gives the credit (``cme_recognised_category``)."""
    credit = ForeignKey(CreditRecord, null=True, on_delete=OnDelete.set_null, default=None)
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
