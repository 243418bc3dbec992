"""Certificate pages (电子学分证书): the learner's certificates and their PDFs, the public verification page
a certificate's QR code opens, and the commission's look-up with revocation and correction."""

from __future__ import annotations

from typing import Annotated, Any

from cme_platform.api.params import Id, row_ids
from cme_platform.api.state import plugin_manager, secret_key
from cme_platform.certificates import badge, service
from cme_platform.certificates.api import check_lookup_rate, check_verify_rate
from cme_platform.certificates.schemas import CertificateOut, WithdrawIn
from cme_platform.certificates.seal import MAX_SEAL
from cme_platform.errors import DomainError, TooManyRequests
from cme_platform.files.service import content_disposition
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.qr import qr_svg
from cme_platform.tenancy.scope import current_tenant
from cme_platform.tenancy.urls import site_url
from litestar import Request, Response, get, post
from litestar.params import Parameter, QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.documents import pdf_download, rendered_pdf
from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.pages.forms import FormErrors, parse_form
from cme_admin_ui.shell import flash, page_context

LEARNERS = [requires_role(Role.LEARNER)]
COMMISSION = [requires_role(Role.COMMISSION_ADMIN)]
Seal = Annotated[str, Parameter(max_length=MAX_SEAL)]
Number = Annotated[str, QueryParameter(max_length=40, description="证书编号")]


def verify_url(request: Request[Any, Any, Any], certificate: CertificateOut) -> str:
    """The absolute address the certificate's QR code opens."""
    return site_url(request) + certificate.verify_path


async def certificates_pdf(request: Request[Any, Any, Any], certificates: list[CertificateOut]) -> bytes:
    """The certificates as one PDF, a page each, from the tenant's ``certificates/pdf.html``."""
    pages = [(certificate, qr_svg(verify_url(request, certificate))) for certificate in certificates]
    return await rendered_pdf(request, "certificates/pdf.html", pages=pages)


@get("/certificates", guards=LEARNERS, include_in_schema=False)
async def my_certificates(request: Request[Any, Any, Any]) -> Template:
    """电子学分证书: the learner's certificates, each with its PDF and its verification page."""
    principal = await current_principal(request)
    items = await service.holder_certificates(principal)
    return Template(template_name="certificates/mine.html", context={**page_context(request), "items": items})


@get("/certificates/{certificate_id:int}/pdf", guards=LEARNERS, include_in_schema=False)
async def download_certificate(request: Request[Any, Any, Any], certificate_id: Id) -> Response[bytes]:
    """One of the learner's certificates as an A4 PDF."""
    principal = await current_principal(request)
    certificate = await service.holder_certificate(principal, certificate_id)
    return pdf_response(await certificates_pdf(request, [certificate]), certificate)


@post("/certificates/credits/pdf", guards=LEARNERS, include_in_schema=False, status_code=200)
async def credits_pdf(request: Request[Any, Any, Any]) -> Response[bytes] | Redirect:
    """导出学分证书 (Zhejiang): the certificates of the effective credits ticked in the credit query, as one
    PDF (issued now where a credit has none); back to the query with the reason when none qualifies."""
    principal = await current_principal(request)
    form = await request.form()
    ids = row_ids(form.getall("ids")) if "ids" in form else []
    try:
        certificates = await service.own_credit_certificates(
            plugin_manager(request), secret_key(request), principal, ids
        )
    except DomainError as exc:
        flash(request, exc.message)
        return back(request, "/credits")
    name = certificates[0].number if len(certificates) == 1 else f"{len(certificates)}张"
    return pdf_download(await certificates_pdf(request, certificates), f"学分证书-{name}.pdf")


@get("/certificates/{certificate_id:int}/credential.jwt", guards=LEARNERS, include_in_schema=False)
async def download_credential(request: Request[Any, Any, Any], certificate_id: Id) -> Response[str]:
    """导出可验证凭证: one of the learner's valid certificates as an Open Badges 3.0 VC-JWT file."""
    principal = await current_principal(request)
    certificate = await service.holder_certificate(principal, certificate_id)
    _vc, jwt = badge.signed_credential(secret_key(request), certificate, current_tenant(), site_url(request))
    return Response(
        jwt,
        media_type=badge.MEDIA_TYPE,
        headers={
            "Content-Disposition": content_disposition(f"学分证书-{certificate.number}.jwt"),
            "Cache-Control": "private, no-store",
        },
    )


def pdf_response(pdf: bytes, certificate: CertificateOut) -> Response[bytes]:
    """A certificate's PDF as a download named by its number."""
    return pdf_download(pdf, f"学分证书-{certificate.number}.pdf")


@get("/v/{seal:str}", include_in_schema=False)
async def verification_page(request: Request[Any, Any, Any], seal: Seal) -> Template:
    """What a certificate's QR code opens (no sign-in): the whole record and whether it is still valid,
    or why the code does not verify."""
    await check_verify_rate()
    context, status = page_context(request), 200
    try:
        context["result"] = await service.verify(secret_key(request), seal)
    except DomainError as exc:
        context["refusal"], status = exc.message, exc.status_code
    return Template(template_name="certificates/verify.html", context=context, status_code=status)


@get("/v/{seal:str}/pdf", include_in_schema=False)
async def print_certificate(request: Request[Any, Any, Any], seal: Seal) -> Response[bytes]:
    """打印: the PDF of the certificate a seal names (anyone holding its QR code, or who found it through
    学员证书查询), rate-limited as the verification is."""
    await check_verify_rate()
    certificate = await service.sealed_certificate(secret_key(request), seal)
    return pdf_response(await certificates_pdf(request, [certificate]), certificate)


@get("/certificates/lookup", include_in_schema=False)
async def lookup_page(request: Request[Any, Any, Any]) -> Template:
    """学员证书查询 (Jiangsu): the form, by project number and the learner's name."""
    service.check_lookup_offered(plugin_manager(request))
    return Template(template_name="certificates/lookup.html", context={**page_context(request), "values": {}})


@post("/certificates/lookup", include_in_schema=False, status_code=200)
async def lookup_results(request: Request[Any, Any, Any]) -> Template:
    """The certificates found (sent as a form, so that no name is written into an address or a log)."""
    form = await request.form()
    values = {
        "project_number": str(form.get("project_number") or "")[:64],
        "name": str(form.get("name") or "")[:50],
    }
    context: dict[str, Any] = {**page_context(request), "values": values}
    try:
        await check_lookup_rate()
        context["found"] = await service.lookup(
            plugin_manager(request), values["project_number"], values["name"]
        )
    except TooManyRequests as exc:
        context["message"] = exc.message
    return Template(template_name="certificates/lookup.html", context=context)


@get("/certificates/manage", guards=COMMISSION, include_in_schema=False)
async def manage_certificates(request: Request[Any, Any, Any], number: Number = "") -> Template:
    """证书管理: find a certificate by its number; revoke it, or revoke it and issue a corrected one."""
    return await _manage_page(request, number)


async def _manage_page(
    request: Request[Any, Any, Any], number: str, errors: dict[str, str] | None = None, reason: str = ""
) -> Template:
    found, message = None, ""
    if number.strip():
        try:
            found = await service.certificate_by_number(number)
        except DomainError as exc:
            message = exc.message
    return Template(
        template_name="certificates/manage.html",
        context={
            **page_context(request),
            "number": number,
            "found": found,
            "message": message,
            "errors": errors or {},
            "reason": reason,
        },
        status_code=400 if errors else 200,
    )


@post("/certificates/{certificate_id:int}/withdraw", guards=COMMISSION, include_in_schema=False)
async def withdraw_certificate(request: Request[Any, Any, Any], certificate_id: Id) -> Template | Redirect:
    """撤销 or 更正重发, with the reason; the certificate's page then says what happened."""
    principal = await current_principal(request)
    form = await request.form()
    number = str(form.get("number") or "")[:40]
    reason = str(form.get("reason") or "")[:300]
    try:
        data = parse_form({"reason": reason, "replace": form.get("replace") == "1"}, WithdrawIn)
        pm = plugin_manager(request)
        done = await service.withdraw(pm, secret_key(request), principal, certificate_id, data)
    except FormErrors as exc:
        return await _manage_page(request, number, exc.errors, reason)
    except DomainError as exc:
        return await _manage_page(request, number, {"reason": exc.message}, reason)
    if done.replaced_by_number:
        flash(request, f"证书 {done.number} 已撤销，并重发更正后的证书 {done.replaced_by_number}")
        return back(request, f"/certificates/manage?number={done.replaced_by_number}")
    flash(request, f"证书 {done.number} 已撤销")
    return back(request, f"/certificates/manage?number={done.number}")


routes = [
    my_certificates,
    download_certificate,
    download_credential,
    credits_pdf,
    verification_page,
    print_certificate,
    lookup_page,
    lookup_results,
    manage_certificates,
    withdraw_certificate,
]
