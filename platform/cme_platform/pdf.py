"""Documents as PDF (certificates, the credit forms): HTML rendered by the caller (the province's template)
through WeasyPrint.

Fonts come from fontconfig: the templates name ``Noto Serif CJK SC`` and ``Noto Sans CJK SC``
(Debian's ``fonts-noto-cjk``, installed by ``scripts/bootstrap.sh`` and the image), which WeasyPrint
embeds as subsets, so the PDF shows the same Chinese text on any reader.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

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
