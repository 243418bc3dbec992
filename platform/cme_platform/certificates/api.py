"""The certificates JSON API.

- ``GET /api/certificates``: 电子学分证书, the learner's own certificates;
- ``GET /api/certificates/{certificate_id}``: one of them;
- ``POST /api/certificates/credits``: certificates of the learner's chosen effective credits (Zhejiang);
- ``GET /api/certificates/{certificate_id}/credential``: one of them as an Open Badges 3.0 VC-JWT;
- ``GET /api/certificates/numbers/{number}``: a certificate of the tenant by number (the commission);
- ``POST /api/certificates/{certificate_id}/withdraw``: revoke it, or revoke and reissue it corrected
  (the commission);
- ``POST /api/project-runs/{run_id}/certificates/pdf``: every certificate of a granted run as one PDF,
  made in the background (the run's owner, its institution, the commission);
- ``GET /api/public/certificates/verify/{seal}``: what a certificate's QR code proves (no sign-in,
  rate-limited per address);
- ``POST /api/public/certificates/lookup``: 学员证书查询 by project number and name, where the province
  offers it (no sign-in, rate-limited per address);
- ``GET /api/recognitions``, ``POST /api/recognitions``: 外省学分认可, a learner's certificates of other
  issuers, verified where they were issued and sent into this province's review;
- ``GET /.well-known/jwks.json``: the tenant's public keys, to check seals without the server.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import JSONBody, Parameter

from cme_platform import ratelimit
from cme_platform.api.openapi import RATE_LIMITED
from cme_platform.api.params import Id
from cme_platform.api.state import plugin_manager, secret_key
from cme_platform.audit.context import current_actor
from cme_platform.certificates import badge, bulk, recognition, service
from cme_platform.certificates.schemas import (
    CertificateOut,
    CredentialOut,
    CreditSelectionIn,
    LookupIn,
    VerificationOut,
    WithdrawIn,
)
from cme_platform.certificates.seal import MAX_SEAL, jwks
from cme_platform.documents.schemas import ExportOut
from cme_platform.errors import TooManyRequests
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.projects.access import MANAGERS, OWNER_ROLES
from cme_platform.tenancy.scope import current_tenant
from cme_platform.tenancy.urls import site_url

Seal = Annotated[str, Parameter(min_length=1, max_length=MAX_SEAL, description="证书二维码中的签名记录")]
Number = Annotated[str, Parameter(min_length=1, max_length=40, description="证书编号")]
VERIFY_BUCKET, LOOKUP_BUCKET = "certificates.verify.address", "certificates.lookup.address"
VERIFY_LIMIT, LOOKUP_LIMIT, WINDOW = 120, 30, timedelta(minutes=10)
"""Verifications and look-ups by name allowed per client address (a hospital's network shares one)."""


async def check_verify_rate() -> None:
    """Count a verification from the client's address; 429 beyond :data:`VERIFY_LIMIT`."""
    await _check_rate(VERIFY_BUCKET, VERIFY_LIMIT)


async def check_lookup_rate() -> None:
    """Count a 学员证书查询 from the client's address; 429 beyond :data:`LOOKUP_LIMIT`."""
    await _check_rate(LOOKUP_BUCKET, LOOKUP_LIMIT)


async def _check_rate(bucket: str, limit: int) -> None:
    verdict = await ratelimit.hit(bucket, current_actor().ip or "-", limit=limit, window=WINDOW)
    if not verdict.allowed:
        raise TooManyRequests("查询过于频繁，请稍后再试")


class CertificateController(Controller):
    """A learner's certificates and the commission's look-up and withdrawal."""

    path = "/api/certificates"
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["证书 certificates"]  # noqa: RUF012

    @get("/", guards=[requires_role(Role.LEARNER)], summary="电子学分证书: my certificates, newest first")
    async def mine(self, principal: Caller) -> list[CertificateOut]:
        return await service.holder_certificates(principal)

    @get(
        "/numbers/{number:str}",
        guards=[requires_role(Role.COMMISSION_ADMIN)],
        summary="A certificate of the tenant by its number (the commission)",
    )
    async def lookup(self, principal: Caller, number: Number) -> CertificateOut:
        return await service.certificate_by_number(number)

    @get("/{certificate_id:int}", guards=[requires_role(Role.LEARNER)], summary="One of my certificates")
    async def one(self, principal: Caller, certificate_id: Id) -> CertificateOut:
        return await service.holder_certificate(principal, certificate_id)

    @post(
        "/credits",
        status_code=200,
        guards=[requires_role(Role.LEARNER)],
        summary="导出学分证书: certificates of my effective credits (issued where missing), where offered "
        "(Zhejiang); 404 elsewhere or when none is an effective credit of mine",
    )
    async def of_credits(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[CreditSelectionIn]
    ) -> list[CertificateOut]:
        return await service.own_credit_certificates(
            plugin_manager(request), secret_key(request), principal, data.credit_ids
        )

    @get(
        "/{certificate_id:int}/credential",
        guards=[requires_role(Role.LEARNER)],
        summary="One of my valid certificates as an Open Badges 3.0 credential, signed as a VC-JWT (EdDSA, "
        "the key of the tenant's JWKS); 409 once revoked",
    )
    async def credential(
        self, request: Request[Any, Any, Any], principal: Caller, certificate_id: Id
    ) -> CredentialOut:
        certificate = await service.holder_certificate(principal, certificate_id)
        vc, jwt = badge.signed_credential(
            secret_key(request), certificate, current_tenant(), site_url(request)
        )
        return CredentialOut(credential=vc, jwt=jwt)

    @post(
        "/{certificate_id:int}/withdraw",
        status_code=200,
        guards=[requires_role(Role.COMMISSION_ADMIN)],
        summary="Revoke a certificate (撤销), or revoke it and issue a corrected one (更正重发)",
    )
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        certificate_id: Id,
        data: JSONBody[WithdrawIn],
    ) -> CertificateOut:
        return await service.withdraw(
            plugin_manager(request), secret_key(request), principal, certificate_id, data
        )


class RecognitionController(Controller):
    """外省学分认可: a learner's certificates of other issuers, recognised through this province's review."""

    path = "/api/recognitions"
    guards = [requires_role(Role.LEARNER)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["证书 certificates"]  # noqa: RUF012

    @get("/", summary="外省学分认可: the certificates I submitted, newest first, with their review state")
    async def mine(self, principal: Caller) -> list[recognition.RecognitionOut]:
        return await recognition.my_recognitions(principal)

    @post(
        "/",
        summary="Submit another issuer's certificate (its QR content, or its uploaded PDF's id): verified "
        "where it was issued, then a credit record sent for review (400 forged, revoked or someone else's; "
        "409 submitted before; 503 when the issuer's platform does not answer)",
    )
    async def submit(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[recognition.RecognitionIn]
    ) -> recognition.RecognitionOut:
        return await recognition.recognise_from_api(
            plugin_manager(request), secret_key(request), request.app.state.settings, principal, data
        )


@post(
    "/api/project-runs/{run_id:int}/certificates/pdf",
    status_code=202,
    guards=[requires_role(*MANAGERS, *OWNER_ROLES)],
    dependencies={"principal": Provide(provide_principal)},
    tags=["证书 certificates"],
    summary="批量打印证书: every valid certificate of a granted run as one PDF, made in the background "
    "(202; poll GET /api/documents/{id}); the run's owner, its institution or the commission",
)
async def print_run_certificates(request: Request[Any, Any, Any], principal: Caller, run_id: Id) -> ExportOut:
    """Queue the PDF of the run's certificates (404 beyond reach, 409 while it has none)."""
    return await bulk.start_run_certificates(
        principal, run_id, site_url=site_url(request), settings=request.app.state.settings
    )


@get(
    "/api/public/certificates/verify/{seal:str}",
    tags=["证书 certificates"],
    summary="What a certificate's QR code proves: its whole record and live state (no sign-in)",
    responses=RATE_LIMITED,
)
async def verify_certificate(request: Request[Any, Any, Any], seal: Seal) -> VerificationOut:
    """The certificate a seal names, when the seal is this tenant's and its signature is good."""
    await check_verify_rate()
    return await service.verify(secret_key(request), seal)


@post(
    "/api/public/certificates/lookup",
    status_code=200,
    tags=["证书 certificates"],
    summary="学员证书查询: certificates by project number and the holder's name (no sign-in), where offered",
    responses=RATE_LIMITED,
)
async def lookup_certificates(
    request: Request[Any, Any, Any], data: JSONBody[LookupIn]
) -> list[CertificateOut]:
    """The certificates of that project held by that name, exactly; a wrong number or name finds none."""
    await check_lookup_rate()
    return await service.lookup(plugin_manager(request), data.project_number, data.name)


@get(
    "/.well-known/jwks.json",
    tags=["证书 certificates"],
    summary="The tenant's public keys (JWKS, Ed25519) that check certificate seals",
    media_type="application/jwk-set+json",
)
async def public_keys(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Every key id that has signed this tenant's certificates."""
    return jwks(secret_key(request), current_tenant().slug)


def certificate_api_routes() -> list[Any]:
    """The certificates and recognitions controllers, a run's certificates as one PDF, the public
    verification and look-up, and the key set."""
    return [
        CertificateController,
        RecognitionController,
        print_run_certificates,
        verify_certificate,
        lookup_certificates,
        public_keys,
    ]
