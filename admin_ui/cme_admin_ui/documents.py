"""Pages that answer with a PDF: a template of the tenant rendered to HTML, then through WeasyPrint off the
event loop (:mod:`cme_platform.pdf`), sent as a download."""

from __future__ import annotations

from typing import Any

from cme_platform.files.service import content_disposition
from cme_platform.pdf import template_pdf
from litestar import Request, Response


async def rendered_pdf(request: Request[Any, Any, Any], template_name: str, **context: Any) -> bytes:
    """``template_name`` (the tenant's override where its province has one) rendered with ``context``, as
    a PDF."""
    engine = request.app.template_engine
    assert engine is not None  # the app renders its pages with it
    return await template_pdf(engine, template_name, **context)


def pdf_download(pdf: bytes, filename: str) -> Response[bytes]:
    """``pdf`` as a download named ``filename``, never cached (it holds personal data)."""
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "private, no-store"},
    )
