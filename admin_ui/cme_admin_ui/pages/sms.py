"""Signing in with an SMS code (``/login/sms``) and recovering a password by phone (``/password/recover``).

Both pages work in two steps: phone number and image captcha → "发送验证码" (``…/send``), then the code
(plus the new password twice when recovering, and the username when several accounts share the phone).
The answer to a send request never reveals whether the phone is registered. Tenants that sign in only
through single sign-on get neither page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from cme_platform.identity import sms
from cme_platform.identity.captcha import issue_captcha, verify_captcha
from cme_platform.identity.current import principal_of
from cme_platform.identity.password_policy import strength_problems
from cme_platform.identity.signin import complete_sign_in
from cme_platform.tenancy.scope import current_tenant
from cme_platform.tenancy.urls import tenant_url
from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from cme_admin_ui.pages.auth import CAPTCHA_WRONG, SSO_ONLY, FormData
from cme_admin_ui.shell import page_context

PHONE_STEP = "phone"
CODE_STEP = "code"
DONE_STEP = "done"
PASSWORDS_DIFFER = "两次输入的密码不一致"
PhoneParameter = Annotated[str, QueryParameter(name="phone", max_length=20)]
StepParameter = Annotated[str, QueryParameter(name="step", max_length=10)]


@dataclass(frozen=True)
class Flow:
    """One of the two SMS pages: the code purpose, its path and its template."""

    purpose: str
    path: str
    template: str


LOGIN_FLOW = Flow(sms.LOGIN, "/login/sms", "auth/sms_login.html")
RECOVER_FLOW = Flow(sms.RESET, "/password/recover", "auth/recover.html")


def _refresh_url(request: Request[Any, Any, Any], flow: Flow, step: str, phone: str) -> str:
    """The captcha's "换一张" link: the same step of the flow, with the phone filled in."""
    query = {"phone": phone, **({"step": CODE_STEP} if step == CODE_STEP else {})} if phone else {}
    return tenant_url(request, flow.path + (f"?{urlencode(query)}" if query else ""))


async def _page(
    request: Request[Any, Any, Any],
    flow: Flow,
    *,
    step: str = PHONE_STEP,
    phone: str = "",
    username: str = "",
    errors: list[str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Template:
    """The flow's page at ``step`` (a fresh captcha for sending, or for sending again on the code step)."""
    await principal_of(request)
    sso_only = bool(current_tenant().auth.get("sso_only"))
    return Template(
        template_name=flow.template,
        context={
            **page_context(request),
            "step": step,
            "phone": phone,
            "username": username,
            "need_username": bool(username) or sms.NEED_USERNAME in (errors or []),
            "errors": [SSO_ONLY] if sso_only else errors or [],
            "notice": notice,
            "sso_only": sso_only,
            "flow_path": flow.path,
            "resend_after": int(sms.RESEND_AFTER.total_seconds()),
            "captcha_token": "" if sso_only or step == DONE_STEP else await issue_captcha(),
            "captcha_refresh_url": _refresh_url(request, flow, step, phone),
        },
        status_code=403 if sso_only else status_code,
    )


def _shown_step(phone: str, step: str) -> str:
    """The step a GET request may show: the code form only for a phone, never the success page."""
    return CODE_STEP if step == CODE_STEP and phone else PHONE_STEP


async def _send(request: Request[Any, Any, Any], flow: Flow, data: dict[str, str]) -> Template:
    """Check the captcha and send a code; the code step on success, the phone step with the reason else."""
    phone = (data.get("phone") or "").strip()[:20]
    if current_tenant().auth.get("sso_only"):
        return await _page(request, flow)
    back = CODE_STEP if data.get("resend") else PHONE_STEP
    if not await verify_captcha(data.get("captcha_token") or "", data.get("captcha") or ""):
        return await _page(request, flow, step=back, phone=phone, errors=[CAPTCHA_WRONG], status_code=400)
    client_ip = request.client.host if request.client else ""
    try:
        phone = await sms.send_code(request.app.state.plugin_manager, phone, flow.purpose, client_ip)
    except sms.SmsRefused as refused:
        return await _page(
            request, flow, step=back, phone=phone, errors=[refused.message], status_code=refused.status
        )
    return await _page(request, flow, step=CODE_STEP, phone=phone, notice=sms.SENT)


@get("/login/sms", include_in_schema=False, name="login_sms")
async def sms_login_page(
    request: Request[Any, Any, Any], phone: PhoneParameter = "", step: StepParameter = PHONE_STEP
) -> Template:
    """SMS sign-in: phone number and captcha (or, with ``step=code`` and a phone, the code form)."""
    return await _page(request, LOGIN_FLOW, step=_shown_step(phone, step), phone=phone)


@post("/login/sms/send", include_in_schema=False, status_code=200)
async def sms_login_send(request: Request[Any, Any, Any], data: FormData) -> Template:
    """Send a sign-in code (same answer whether or not the phone is registered)."""
    return await _send(request, LOGIN_FLOW, data)


@post("/login/sms", include_in_schema=False, status_code=200)
async def sms_login(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    """Check the code (and the username when the phone is shared) and sign in."""
    if current_tenant().auth.get("sso_only"):
        return await _page(request, LOGIN_FLOW)
    phone = (data.get("phone") or "").strip()[:20]
    username = (data.get("username") or "").strip()[:64]
    try:
        claim = await sms.claim_code(phone, sms.LOGIN, data.get("code") or "", username)
        await sms.use_claim(claim)
    except sms.SmsRefused as refused:
        return await _page(
            request,
            LOGIN_FLOW,
            step=CODE_STEP,
            phone=phone,
            username=username,
            errors=[refused.message],
            status_code=refused.status,
        )
    return await complete_sign_in(request, claim.account_id, method="sms")


@get("/password/recover", include_in_schema=False, name="password_recover")
async def recover_page(
    request: Request[Any, Any, Any], phone: PhoneParameter = "", step: StepParameter = PHONE_STEP
) -> Template:
    """Password recovery: phone number and captcha (or, with ``step=code`` and a phone, the code form)."""
    return await _page(request, RECOVER_FLOW, step=_shown_step(phone, step), phone=phone)


@post("/password/recover/send", include_in_schema=False, status_code=200)
async def recover_send(request: Request[Any, Any, Any], data: FormData) -> Template:
    """Send a recovery code (same answer whether or not the phone is registered)."""
    return await _send(request, RECOVER_FLOW, data)


@post("/password/recover", include_in_schema=False, status_code=200)
async def recover(request: Request[Any, Any, Any], data: FormData) -> Template:
    """Check the code and set the new password (strength rule); the success page links to sign-in."""
    if current_tenant().auth.get("sso_only"):
        return await _page(request, RECOVER_FLOW)
    phone = (data.get("phone") or "").strip()[:20]
    username = (data.get("username") or "").strip()[:64]
    password = data.get("password") or ""

    async def refuse(errors: list[str], status_code: int = 400) -> Template:
        return await _page(
            request,
            RECOVER_FLOW,
            step=CODE_STEP,
            phone=phone,
            username=username,
            errors=errors,
            status_code=status_code,
        )

    if password != (data.get("password_confirm") or ""):
        return await refuse([PASSWORDS_DIFFER])
    try:
        claim = await sms.claim_code(phone, sms.RESET, data.get("code") or "", username)
        problems = strength_problems(password, username=claim.username)
        if problems:
            return await refuse(problems)
        await sms.recover_password(claim, password)
    except sms.SmsRefused as refused:
        return await refuse([refused.message], refused.status)
    return await _page(request, RECOVER_FLOW, step=DONE_STEP, username=claim.username)


routes = [sms_login_page, sms_login_send, sms_login, recover_page, recover_send, recover]
