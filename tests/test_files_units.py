"""Files building blocks without the database: names, type detection, link tokens, read rules, EXIF."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import msgspec
import pytest
from cme_platform.files.checks import detect_kind, extension_of, human_size, sanitize_name
from cme_platform.files.exif import read_photo_facts
from cme_platform.files.links import InvalidLink, LinkClaims, issue_token, read_token
from cme_platform.files.policy import READ_RULES, may_read, register_read_rule
from cme_platform.files.purposes import PURPOSES, FilePurpose, register_purpose, size_limit
from cme_platform.files.service import content_disposition
from cme_platform.files.storage import LocalStorage, S3Storage, StorageError, check_key, storage_for
from cme_platform.identity.principal import Grant, Principal
from cme_platform.identity.roles import Role
from cme_platform.settings import load_settings
from PIL import Image

SECRET = "unit-test-secret"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\报告.pdf", "报告.pdf"),
        ("bad\x00name\x1b\u202e.pdf", "badname.pdf"),
        ("..", "未命名"),
        ("  .hidden.pdf ", "hidden.pdf"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_names_are_sanitised(raw, safe):
    assert sanitize_name(raw) == safe


def test_extensions_and_sizes():
    assert extension_of("证明.PDF") == "pdf" and extension_of("README") == "" and extension_of(".pdf") == ""
    assert (
        human_size(5 * 1024 * 1024) == "5 MB" and human_size(2048) == "2 KB" and human_size(12) == "12 字节"
    )


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_kinds_are_decided_by_content(tmp_path):
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    assert detect_kind(_write(tmp_path, "a.bin", png.getvalue())).name == "png"  # type: ignore[union-attr]
    assert detect_kind(_write(tmp_path, "b.bin", b"%PDF-1.7\n" + b"0" * 64)).name == "pdf"  # type: ignore[union-attr]
    assert detect_kind(_write(tmp_path, "c.bin", b"MZ\x90\x00" + b"\x00" * 64)) is None
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w/>")
    assert detect_kind(_write(tmp_path, "d.bin", archive.getvalue())) is None, "a DOCX is not an XLSX"


def test_link_tokens_are_signed_scoped_and_expire():
    claims = LinkClaims(tenant_id=3, file_id=42, expires_at=2_000)
    token = issue_token(SECRET, claims)
    assert read_token(SECRET, token, tenant_id=3, now=1_999) == claims
    for secret, tenant, now, reason in [
        ("other", 3, 1_000, "forged"),
        (SECRET, 4, 1_000, "other_tenant"),
        (SECRET, 3, 2_000, "expired"),
    ]:
        with pytest.raises(InvalidLink) as caught:
            read_token(secret, token, tenant_id=tenant, now=now)
        assert caught.value.reason == reason
    with pytest.raises(InvalidLink):
        read_token(SECRET, token.replace(".", ".x", 1), tenant_id=3, now=0)


def test_content_disposition_carries_the_chinese_name():
    header = content_disposition('继续 "教育".pdf')
    assert header.startswith('attachment; filename="__ ____.pdf"; ')
    assert header.endswith("filename*=UTF-8''%E7%BB%A7%E7%BB%AD%20%22%E6%95%99%E8%82%B2%22.pdf")


def test_purposes_can_be_added_once_and_limits_are_capped():
    extra = FilePurpose("unit_scan", "扫描件", ("pdf",), 10 * 1024 * 1024)
    try:
        assert register_purpose(extra) is extra and register_purpose(extra) is extra
        with pytest.raises(ValueError):
            register_purpose(FilePurpose("unit_scan", "扫描件", ("png",), 1))
        with pytest.raises(ValueError):
            register_purpose(FilePurpose("unit_bad", "坏", ("exe",), 1))
    finally:
        PURPOSES.pop("unit_scan", None)
    assert size_limit(PURPOSES["avatar"], 50 * 1024 * 1024) == 5 * 1024 * 1024
    assert size_limit(PURPOSES["evidence"], 1024) == 1024 and size_limit(None, 77) == 77


def test_storage_keys_cannot_traverse():
    assert check_key("t1/0a1b") == "t1/0a1b"
    for bad in ("../x", "t1/../../etc", "/abs", "t1//x", "t1/x y"):
        with pytest.raises(ValueError):
            check_key(bad)


class _File:
    def __init__(self, purpose: str, uploaded_by: int) -> None:
        self.id, self.purpose, self.uploaded_by = 1, purpose, uploaded_by


def _principal(account_id: int, *roles: Role) -> Principal:
    return Principal(
        account_id=account_id,
        username="u",
        display_name="u",
        must_change_password=False,
        grants=tuple(Grant(r) for r in roles),
    )


async def test_read_rules_only_add_access():
    evidence = _File("unit_evidence", uploaded_by=1)
    approver = _principal(2, Role.INSTITUTION_ADMIN)
    assert await may_read(_principal(1, Role.LEARNER), evidence)
    assert await may_read(_principal(9, Role.COMMISSION_ADMIN), evidence)
    assert not await may_read(approver, evidence)

    async def approvers(principal: Principal, file: object) -> bool:
        return principal.has_any(Role.INSTITUTION_ADMIN)

    register_read_rule("unit_evidence", approvers)
    try:
        assert await may_read(approver, evidence)
        assert not await may_read(approver, _File("photo", uploaded_by=1))
    finally:
        READ_RULES.pop("unit_evidence")


def test_unreadable_images_give_no_photo_facts(tmp_path):
    facts = read_photo_facts(_write(tmp_path, "x.jpg", b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00garbage"))
    assert facts.taken_at is None and facts.gps_lat is None and facts.gps_lon is None


def test_storage_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CME_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CME_STORAGE", "S3")
    monkeypatch.setenv("CME_S3_BUCKET", "cme-files")
    monkeypatch.setenv("CME_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("CME_UPLOAD_MAX_BYTES", "1048576")
    monkeypatch.setenv("CME_DOWNLOAD_LINK_SECONDS", "60")
    settings = load_settings()
    assert (settings.storage, settings.s3_bucket, settings.s3_region) == ("s3", "cme-files", "us-east-1")
    assert (settings.upload_max_bytes, settings.download_link_seconds) == (1048576, 60)
    assert isinstance(storage_for(settings), S3Storage)
    with pytest.raises(StorageError):
        storage_for(msgspec.structs.replace(settings, s3_bucket=""))
    monkeypatch.setenv("CME_STORAGE", "ftp")
    with pytest.raises(ValueError, match="CME_STORAGE"):
        load_settings()
    monkeypatch.delenv("CME_STORAGE")
    assert isinstance(storage_for(load_settings()), LocalStorage)
