"""外省学分认可: a learner submits another province's electronic credit certificate (its QR content, or its
PDF whose QR code is read from the page); once verified where it was issued it becomes a credit record
that goes through this province's review, listed here with its state."""

from __future__ import annotations

from typing import Any

from cme_platform.api.state import plugin_manager, secret_key
from cme_platform.certificates import recognition
from cme_platform.errors import DomainError
from cme_platform.files.intake import UPLOAD_ROUTE_OPT
from cme_platform.files.receive import FormShape
from cme_platform.identity.csrf import CSRF_FIELD
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.shell import flash, page_context
from cme_admin_ui.uploads import keep_upload, read_upload_form

LEARNERS = [requires_role(Role.LEARNER)]
EVIDENCE = recognition.EVIDENCE
RECOGNITION_FORM = FormShape(
    text_fields=frozenset({CSRF_FIELD, "code"}), max_text=1024, max_segments=4, file_required=False
)
"""The QR content, or the certificate's PDF (whose own code counts when both are given)."""


async def _page(
    request: Request[Any, Any, Any], *, code: str = "", error: str = "", status_code: int = 200
) -> Template:
    principal = await current_principal(request)
    return Template(
        template_name="certificates/recognitions.html",
        context={
            **page_context(request),
            "items": await recognition.my_recognitions(principal),
            "code": code,
            "error": error,
        },
        status_code=status_code,
    )


@get("/recognitions", guards=LEARNERS, include_in_schema=False)
async def recognitions_page(request: Request[Any, Any, Any]) -> Template:
    """The form, and the certificates submitted so far with the state of their credit."""
    return await _page(request)


@post(
    "/recognitions",
    guards=LEARNERS,
    include_in_schema=False,
    request_max_body_size=None,
    opt=UPLOAD_ROUTE_OPT,
    status_code=303,
)
async def submit_recognition(request: Request[Any, Any, Any]) -> Template | Redirect:
    """提交认可: verify the certificate where it was issued, then send its credit for review; a refused
    certificate stores nothing and says why."""
    principal = await current_principal(request)
    received = await read_upload_form(request, principal, shape=RECOGNITION_FORM, purpose=EVIDENCE)
    code = str(received.fields.get("code") or "").strip()
    try:
        if not code and not received.has_file:
            return await _page(request, error="请输入证书二维码内容，或选择证书 PDF 文件", status_code=400)
        await recognition.check_attempts(principal)
        if received.has_file:  # the certificate's own code, so the kept file is the certificate verified
            code = await recognition.code_in_pdf(received.path)

        async def keep() -> int | None:
            return await keep_upload(request, principal, received, EVIDENCE) if received.has_file else None

        done = await recognition.recognise(
            plugin_manager(request), secret_key(request), principal, code, keep_file=keep
        )
    except DomainError as exc:
        return await _page(request, code=code, error=exc.message, status_code=exc.status_code)
    finally:
        received.discard()
    flash(
        request, f"证书 {done.number} 验证有效，已提交认可：{done.facts.project_name}（{done.status_label}）"
    )
    return back(request, "/recognitions")


routes = [recognitions_page, submit_recognition]
