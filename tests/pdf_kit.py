"""Reading the PDFs the platform renders, as a reader would: the fonts poppler finds in them, and the QR
codes on their first page (rendered by poppler, decoded by zxing-cpp), their text."""

from __future__ import annotations

import io
import subprocess

import zxingcpp
from PIL import Image


def pdf_fonts(pdf: bytes) -> list[list[str]]:
    """``pdffonts`` rows: name, type, encoding, embedded, subset, unicode, object id."""
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def qr_texts(pdf: bytes) -> list[str]:
    """The text of every QR code on the first page, rendered at 150 dpi (each text once)."""
    png = subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    # QR codes only: the other formats' readers see false codes in printed text now and then ("D48D")
    image = Image.open(io.BytesIO(png))
    found = [
        code.text
        for code in zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    ]
    return list(dict.fromkeys(found))


def pdf_text(pdf: bytes) -> str:
    """The text of every page, as ``pdftotext`` extracts it (the fonts' Unicode maps must be right)."""
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
