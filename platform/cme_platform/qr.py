"""QR codes as inline SVG (segno): the venue's check-in codes, the certificates' seals."""

from __future__ import annotations

import segno


def qr_svg(text: str) -> str:
    """``text`` as a QR code (level M) in inline SVG that scales to its box."""
    return segno.make(text, error="m").svg_inline(scale=8, border=2, omitsize=True)


def qr_version(text: str) -> int:
    """The QR version (size: 1–40) that ``text`` takes at level M."""
    return int(segno.make(text, error="m", boost_error=False).version)
