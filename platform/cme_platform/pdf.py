"""Documents as PDF (certificates, the credit forms): HTML rendered by the caller (the province's template)
through WeasyPrint.

Fonts come from fontconfig: the templates name ``Noto Serif CJK SC`` and ``Noto Sans CJK SC``
(Debian's ``fonts-noto-cjk``, installed by ``scripts/bootstrap.sh`` and the image), which WeasyPrint
embeds as subsets, so the PDF shows the same Chinese text on any reader.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import jinja2

for _noisy in ("weasyprint", "fontTools"):  # progress steps and subsetting at INFO, for every document
    logging.getLogger(_noisy).setLevel(logging.WARNING)


@cache
def _font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_pdf(html: str) -> bytes:
    """The PDF of the HTML document ``html`` (A4 and margins come from its own CSS ``@page`` rule)."""
    from weasyprint import HTML

    document: bytes = HTML(string=html).write_pdf(font_config=_font_config())
    return document


def render_document(html: str) -> Any:
    """The laid-out pages of ``html`` (a WeasyPrint ``Document``), to be joined by :func:`joined_pdf`."""
    from weasyprint import HTML

    return HTML(string=html).render(font_config=_font_config())


def joined_pdf(documents: list[Any]) -> bytes:
    """One PDF of the pages of ``documents`` in order (thousands of certificates are laid out in batches,
    with progress between them, and written once)."""
    pages = [page for document in documents for page in document.pages]
    pdf: bytes = documents[0].copy(pages).write_pdf()
    return pdf


class Templates(Protocol):
    """Where documents' templates come from: the shell's engine, which resolves a name to the active
    tenant's override where its province has one (``cme_admin_ui.overrides``)."""

    def get_template(self, template_name: str) -> jinja2.Template:
        """The template named ``template_name`` for the active tenant."""


async def template_pdf(templates: Templates, template_name: str, **context: Any) -> bytes:
    """``template_name`` rendered with ``context`` and then as a PDF, off the event loop."""
    html = templates.get_template(template_name).render(**context)
    return await asyncio.to_thread(render_pdf, html)
