"""QR codes: made as inline SVG (segno) for the venue's check-in codes and the certificates' seals, and
read back from a PDF's pages (pdfium renders them, zxing-cpp reads the codes) to recognise a certificate.
"""

from __future__ import annotations

from pathlib import Path

import segno

READ_SCALE = 150 / 72
"""Pages are rendered at 150 dpi to be read: enough for a certificate's code, quick on a phone's scan."""


def qr_svg(text: str) -> str:
    """``text`` as a QR code (level M) in inline SVG that scales to its box."""
    return segno.make(text, error="m").svg_inline(scale=8, border=2, omitsize=True)


def qr_version(text: str) -> int:
    """The QR version (size: 1–40) that ``text`` takes at level M."""
    return int(segno.make(text, error="m", boost_error=False).version)


def pdf_qr_texts(path: Path, *, pages: int = 2) -> list[str]:
    """The text of every QR code on the first ``pages`` pages of the PDF at ``path``, each once (blocking:
    call it in a thread); ``ValueError`` when the file is not a PDF pdfium can open."""
    import pypdfium2
    import zxingcpp

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as exc:
        raise ValueError(str(exc)) from exc
    try:
        found: list[str] = []
        for index in range(min(pages, len(document))):
            image = document[index].render(scale=READ_SCALE).to_pil()
            # QR codes only: other formats' readers see false codes in printed text now and then
            found.extend(
                code.text
                for code in zxingcpp.read_barcodes(
                    image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
                )
            )
        return list(dict.fromkeys(found))
    finally:
        document.close()
