"""A certificate as an Open Badges 3.0 credential (a W3C Verifiable Credential 2.0), signed as a VC-JWT.

A learner takes it elsewhere (a wallet, another register): the credential says who issued it (the
tenant, its site as the issuer's id), what was achieved (the project, its category, credits and hours),
when, and for whom: the holder is named by a salted SHA-256 hash of his name (an ``IdentityObject``), so
the file carries no personal data in clear beyond what the certificate prints. As VC-JOSE-COSE secures a
2.0 credential, the JWT's payload is the credential itself (``typ`` ``vc+jwt``, ``cty`` ``vc``), signed
with the tenant's Ed25519 key of the certificates' seals (``EdDSA``, ``kid`` as in the key set at
``<issuer id>/.well-known/jwks.json``), so anyone holding that key set checks it; ``id`` is the
certificate's verification address, where its live state (valid, revoked, replaced) is answered.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import quote

import msgspec

from cme_platform.certificates.schemas import CertificateOut
from cme_platform.certificates.seal import KEY_ID, signing_key
from cme_platform.errors import Conflict
from cme_platform.standards.amounts import format_credits
from cme_platform.tenancy.context import TenantContext

CONTEXTS = (
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
)
MEDIA_TYPE = "application/vc+jwt"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def credential(certificate: CertificateOut, tenant: TenantContext, site: str, *, salt: str) -> dict[str, Any]:
    """The Open Badges 3.0 ``OpenBadgeCredential`` of ``certificate`` issued by ``tenant`` at ``site``
    (its absolute address); ``salt`` salts the hash of the holder's name."""
    facts = certificate.facts
    issued = datetime.combine(certificate.issued_on, time(), tzinfo=UTC)
    credits, hours = format_credits(facts.credits), format_credits(facts.hours)
    return {
        "@context": list(CONTEXTS),
        "id": site + certificate.verify_path,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": site, "type": ["Profile"], "name": facts.issuer or tenant.name},
        "validFrom": issued.isoformat().replace("+00:00", "Z"),
        "name": f"{facts.title} {certificate.number}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": True,
                    "identityHash": "sha256$"
                    + hashlib.sha256((facts.holder_name.strip() + salt).encode()).hexdigest(),
                    "salt": salt,
                }
            ],
            "creditsEarned": facts.credits / 100,
            "achievement": {
                "id": f"{site}/certificates/achievements/{quote(facts.project_number or certificate.number)}",
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": facts.activity_name or facts.project_name,
                "description": (
                    f"{facts.starts_on}至{facts.ends_on}参加{facts.organiser}主办的继续医学教育项目"
                    f"（{facts.level}，项目编号 {facts.project_number}），经考核合格，"
                    f"授予{facts.category}{credits}分（{hours}学时）。"
                ),
                "criteria": {
                    "narrative": "参加项目达到规定学时，经主办单位和继续医学教育委员会审核授予学分。"
                },
                "creditsAvailable": facts.credits / 100,
                "fieldOfStudy": facts.category,
            },
        },
    }


def signed_credential(
    secret: str, certificate: CertificateOut, tenant: TenantContext, site: str
) -> tuple[dict[str, Any], str]:
    """The credential of a valid certificate and its VC-JWT (compact JWS, ``EdDSA``); 409 for a revoked or
    replaced one (its verification address says why)."""
    if certificate.status != "valid":
        raise Conflict("该证书已撤销或更正重发，不能导出可验证凭证")
    vc = credential(certificate, tenant, site, salt=secrets.token_hex(8))
    header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": f"{tenant.slug}:{KEY_ID}"}
    signing_input = f"{_b64(msgspec.json.encode(header))}.{_b64(msgspec.json.encode(vc))}"
    signature = signing_key(secret, tenant.slug, KEY_ID).sign(signing_input.encode())
    return vc, f"{signing_input}.{_b64(signature)}"
