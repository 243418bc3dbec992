"""What an upload is for (its *purpose*) and the file kinds each purpose accepts.

One table for the whole platform: :data:`PURPOSES`, keyed by name. Other domains add their purposes
with :func:`register_purpose` (for example a credit domain's ``certificate_scan``); the upload routes,
the page's select and the checks all read this table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cme_platform.errors import FieldError, Forbidden, InvalidInput
from cme_platform.identity.roles import ORG_ADMIN_ROLES

MB = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    """A type of file recognised by its content, with the extensions its name may carry."""

    name: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in (
        FileKind("pdf", "PDF", "application/pdf", ("pdf",)),
        FileKind("jpeg", "JPEG 图片", "image/jpeg", ("jpg", "jpeg")),
        FileKind("png", "PNG 图片", "image/png", ("png",)),
        FileKind(
            "xlsx",
            "Excel 表格（xlsx）",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
        ),
    )
}
"""Every file kind the platform can recognise (see ``checks.detect_kind``)."""


@dataclass(frozen=True)
class FilePurpose:
    """Why a file is uploaded: its allowed kinds, its size limit and whether photo EXIF is read."""

    name: str
    label: str
    kinds: tuple[str, ...]
    max_bytes: int
    read_exif: bool = False
    plugin: str = ""
    """The province plugin whose tenants use it (a module's own files); empty: every tenant."""
    roles: frozenset[str] = frozenset()
    """The roles that may upload for it (role names); empty: every signed-in account."""
    uploaded: bool = True
    """False: the platform makes these files (a generated document); nobody uploads one."""

    def allows(self, roles: Iterable[str]) -> bool:
        """True when an account holding ``roles`` may upload for this purpose."""
        return not self.roles or not self.roles.isdisjoint(str(role) for role in roles)

    def kind_labels(self) -> str:
        """The allowed kinds for messages, e.g. ``PDF、JPEG 图片``."""
        return "、".join(KINDS[k].label for k in self.kinds)


PURPOSES: dict[str, FilePurpose] = {}
"""Every purpose an upload may name, by name (extend with :func:`register_purpose`)."""


def register_purpose(purpose: FilePurpose) -> FilePurpose:
    """Add ``purpose`` to :data:`PURPOSES` (idempotent for an identical definition) and return it."""
    unknown = [k for k in purpose.kinds if k not in KINDS]
    if unknown or not purpose.kinds:
        raise ValueError(f"purpose {purpose.name!r} names unknown file kinds: {unknown}")
    existing = PURPOSES.get(purpose.name)
    if existing is not None and existing != purpose:
        raise ValueError(f"file purpose {purpose.name!r} is already registered differently")
    PURPOSES[purpose.name] = purpose
    return purpose


ADMINISTRATORS = frozenset(role.value for role in ORG_ADMIN_ROLES)
"""The role names of the org units' administrators, who import spreadsheets."""

for _purpose in (
    FilePurpose("evidence", "证明材料", ("pdf", "jpeg", "png"), 50 * MB),
    FilePurpose("photo", "现场照片", ("jpeg", "png"), 20 * MB, read_exif=True),
    FilePurpose("spreadsheet", "导入表格", ("xlsx",), 50 * MB, roles=ADMINISTRATORS),
    FilePurpose("avatar", "头像", ("jpeg", "png"), 5 * MB),
    FilePurpose("document", "生成的文件", ("pdf",), 1024 * MB, uploaded=False),
):
    register_purpose(_purpose)


def tenant_purposes(roles: Iterable[str] | None = None) -> list[FilePurpose]:
    """The purposes the active tenant's uploads may name (the core's and its own plugin's, none the
    platform makes itself); with ``roles``, only those an account holding them may use (what its upload
    form offers)."""
    from cme_platform.tenancy.scope import active_tenant_or_none

    tenant = active_tenant_or_none()
    plugin = tenant.plugin if tenant is not None else ""
    held = None if roles is None else list(roles)
    return [
        p
        for p in PURPOSES.values()
        if p.uploaded and p.plugin in ("", plugin) and (held is None or p.allows(held))
    ]


def purpose_named(name: str | None, roles: Iterable[str]) -> FilePurpose:
    """The purpose ``name`` of the active tenant for an uploader holding ``roles`` (400 naming the field
    ``purpose`` when absent or unknown, or another province's; 403 when his roles may not use it)."""
    purpose = next((p for p in tenant_purposes() if p.name == (name or "")), None)
    if purpose is None:
        message = "请选择文件用途" if not name else "不支持的文件用途"
        raise InvalidInput(message, [FieldError("purpose", message)])
    if not purpose.allows(roles):
        raise Forbidden(f"您的角色不能上传“{purpose.label}”")
    return purpose


def size_limit(purpose: FilePurpose | None, upload_max_bytes: int) -> int:
    """The byte limit for ``purpose`` (the platform-wide limit when the purpose is not known yet)."""
    return upload_max_bytes if purpose is None else min(purpose.max_bytes, upload_max_bytes)
