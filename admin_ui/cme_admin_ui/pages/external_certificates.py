"""外省人员证书查询 (seed 003 §10.2): someone from another province who registered at the venue gives his
ID number, the phone he gave there and the image captcha, receives a code on that phone, and with it lists
and prints his certificates for half an hour. No account is signed in: the access lives in the session,
bound to the tenant and to that attendee, and opens these pages only."""

from __future__ import annotations

import time
from typing import Any, TypedDict

from cme_platform.api.params import Id
from cme_platform.api.state import plugin_manager
from cme_platform.certificates import external
from cme_platform.errors import DomainError, NotFound
from cme_platform.identity import sms
from cme_platform.identity.captcha import issue_captcha, verify_captcha
from cme_platform.identity.sessions import rotate_session
from cme_platform.tenancy.scope import current_tenant
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.pages.auth import CAPTCHA_WRONG, FormData
from cme_admin_ui.pages.certificates import certificates_pdf, pdf_response
from cme_admin_ui.pages.credits import back
from cme_admin_ui.shell import flash, page_context

ACCESS_KEY = "external_certificates"
PATH = "/certificates/external"


def _attendee(request: Request[Any, Any, Any]) -> int | None:
    """The attendee whose certificates this session may open now (``None``: none, or it ran out)."""
    access = (request.session or {}).get(ACCESS_KEY)
    if not isinstance(access, dict) or access.get("tenant") != current_tenant().id:
        return None
    if not isinstance(access.get("until"), int | float) or access["until"] <= time.time():
        return None
    attendee = access.get("attendee")
    return attendee if isinstance(attendee, int) else None


async def _page(
    request: Request[Any, Any, Any],
    *,
    step: str = "id",
    id_number: str = "",
    phone: str = "",
    error: str = "",
    notice: str = "",
    status_code: int = 200,
) -> Template:
    attendee = _attendee(request)
    return Template(
        template_name="certificates/external.html",
        context={
            **page_context(request),
            "items": await external.attendee_certificates(attendee) if attendee else None,
            "step": step,
            "id_number": id_number,
            "phone": phone,
            "error": error,
            "notice": notice,
            "minutes": external.ACCESS_MINUTES,
            "captcha_token": "" if attendee else await issue_captcha(),
            "captcha_refresh_url": tenant_url(request, PATH),
            "resend_after": int(sms.RESEND_AFTER.total_seconds()),
        },
        status_code=status_code,
    )


@get(PATH, include_in_schema=False)
async def external_page(request: Request[Any, Any, Any]) -> Template:
    """The ID number and captcha form, or, once a code opened them, the attendee's certificates."""
    external.check_offered(plugin_manager(request))
    return await _page(request)


@post(f"{PATH}/send", include_in_schema=False, status_code=200)
async def send_code(request: Request[Any, Any, Any], data: FormData) -> Template:
    """获取验证码: the same answer whether or not the ID number registered at a venue."""
    pm = plugin_manager(request)
    external.check_offered(pm)
    who = _who(data)
    if not await verify_captcha(data.get("captcha_token") or "", data.get("captcha") or ""):
        return await _page(request, **who, error=CAPTCHA_WRONG, status_code=400)
    try:
        notice = await external.send_code(
            pm, who["id_number"], who["phone"], request.client.host if request.client else ""
        )
    except sms.SmsRefused as refused:
        return await _page(request, **who, error=refused.message, status_code=refused.status)
    except DomainError as exc:
        return await _page(request, **who, error=exc.message, status_code=exc.status_code)
    return await _page(request, step="code", **who, notice=notice)


class Who(TypedDict):
    """The ID number and phone a form of these pages carries."""

    id_number: str
    phone: str


def _who(data: dict[str, str]) -> Who:
    """The ID number and phone the form carries."""
    return {
        "id_number": (data.get("id_number") or "").strip()[:18],
        "phone": (data.get("phone") or "").strip()[:20],
    }


@post(PATH, include_in_schema=False, status_code=303)
async def open_access(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """查询: a right code opens the attendee's certificates in this session (a new session id)."""
    pm = plugin_manager(request)
    external.check_offered(pm)
    who = _who(data)
    try:
        attendee = await external.open_access(pm, who["id_number"], who["phone"], data.get("code") or "")
    except sms.SmsRefused as refused:
        return await _page(request, step="code", **who, error=refused.message, status_code=400)
    except DomainError as exc:
        return await _page(request, **who, error=exc.message, status_code=exc.status_code)
    await rotate_session(request)
    until = int(time.time()) + external.ACCESS_MINUTES * 60
    request.set_session(
        {
            **(request.session or {}),
            ACCESS_KEY: {"tenant": current_tenant().id, "attendee": attendee, "until": until},
        }
    )
    return back(request, PATH)


@get(f"{PATH}/{{certificate_id:int}}/pdf", include_in_schema=False)
async def external_pdf(request: Request[Any, Any, Any], certificate_id: Id) -> Response[bytes]:
    """One of the attendee's certificates as an A4 PDF (404 without access, or for anyone else's)."""
    external.check_offered(plugin_manager(request))
    attendee = _attendee(request)
    if attendee is None:
        raise NotFound("请先输入证件号码和短信验证码")
    certificate = await external.attendee_certificate(attendee, certificate_id)
    if certificate.status != "valid":  # the page offers no download of it; its verification says why
        raise NotFound("该证书已撤销，请查看查验页面")
    return pdf_response(await certificates_pdf(request, [certificate]), certificate)


@post(f"{PATH}/leave", include_in_schema=False, status_code=303)
async def leave(request: Request[Any, Any, Any]) -> Redirect:
    """退出: close the access at once (it closes by itself after half an hour)."""
    request.set_session({k: v for k, v in (request.session or {}).items() if k != ACCESS_KEY})
    flash(request, "已退出证书查询")
    return back(request, PATH)


routes = [external_page, send_code, open_access, external_pdf, leave]
