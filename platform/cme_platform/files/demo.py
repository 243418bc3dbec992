"""Demo files: a small generated picture stored like an upload, for demo records that need a file."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from pathlib import Path

from PIL import Image, ImageDraw

from cme_platform.files.storage import storage_for
from cme_platform.files.tables import StoredFile
from cme_platform.settings import get_settings
from cme_platform.tenancy.scope import current_tenant


def _picture(path: Path, caption: str) -> None:
    image = Image.new("RGB", (640, 420), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 623, 403), outline="#00796b", width=6)
    draw.text((60, 190), caption, fill="#263238")
    image.save(path, "PNG")


async def demo_file(uploaded_by: int | None, *, purpose: str, name: str, caption: str) -> int:
    """Store a PNG showing ``caption`` as ``uploaded_by``'s upload for ``purpose``; returns its file id."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.png"
        _picture(path, caption)
        content = path.read_bytes()
        key = f"t{current_tenant().id}/{uuid.uuid4().hex}"
        await storage_for(get_settings()).save(key, path, "image/png")
    row = StoredFile(
        key=key,
        purpose=purpose,
        original_name=name,
        content_type="image/png",
        extension="png",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=uploaded_by,
    )
    await row.save()
    return int(row.id)
