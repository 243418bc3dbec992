"""Files end to end, on both storage backends: the local directory and a real S3 server (weed mini).

Every case runs twice (``backend`` = local | s3): upload checks, downloads through signed links,
idempotent retries, EXIF of photos and who may read what. Nothing may be stored when a check fails:
neither a row nor an object.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import openpyxl
import pytest
from cme_platform.audit.tables import AuditEvent
from cme_platform.files.links import LinkClaims, issue_token
from cme_platform.files.storage import storage_for
from cme_platform.files.tables import StoredFile
from cme_platform.settings import Settings, get_settings
from cme_platform.tenancy.scope import scope
from litestar.testing import AsyncTestClient
from PIL import Image
from s3_server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, S3Server, start_s3_server, stop_s3_server

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def jpeg(size: tuple[int, int] = (40, 30), exif: Image.Exif | None = None) -> bytes:
    """A small JPEG made with Pillow (optionally with an EXIF block)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(buffer, "JPEG", **({"exif": exif} if exif is not None else {}))
    return buffer.getvalue()


def xlsx() -> bytes:
    """A real XLSX workbook."""
    book = openpyxl.Workbook()
    book.active.append(["姓名", "学分"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One ``weed mini`` for the session."""
    server = start_s3_server(tmp_path_factory.mktemp("weed"))
    yield server
    stop_s3_server(server)


@pytest.fixture(params=["local", "s3"])
def files_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The test settings with a fresh file store: a new directory, or a new bucket on the S3 server."""
    base = msgspec.structs.replace(get_settings(), data_dir=tmp_path)
    if request.param == "local":
        return base
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = f"cme-{uuid.uuid4().hex[:16]}"
    server.client().create_bucket(Bucket=bucket)  # type: ignore[attr-defined]
    return msgspec.structs.replace(
        base,
        storage="s3",
        s3_endpoint_url=server.endpoint_url,
        s3_bucket=bucket,
        s3_access_key_id=ACCESS_KEY_ID,
        s3_secret_access_key=SECRET_ACCESS_KEY,
        s3_region=REGION,
    )


@pytest.fixture
async def client(files_settings: Settings, cme_db: None) -> AsyncIterator[Any]:
    """A test client of an app that uses ``files_settings``."""
    from cme_platform.app import create_app

    async with AsyncTestClient(
        app=create_app(settings=files_settings), base_url="http://testserver.local"
    ) as c:
        yield c


def api(world: Any, path: str = "") -> str:
    return f"/t/{world.tenant.slug}/api/files{path}"


async def upload(
    client: Any, world: Any, name: str, content: bytes, purpose: str = "evidence", **headers: str
) -> Any:
    return await client.post(
        api(world),
        data={"purpose": purpose},
        files={"file": (name, content, "application/octet-stream")},
        headers=headers,
    )


async def stored(world: Any, settings: Settings) -> tuple[list[dict[str, Any]], list[str]]:
    """The tenant's rows and the objects under its prefix."""
    with scope(world.tenant):
        rows = await StoredFile.select().order_by(StoredFile.id)
    return rows, await storage_for(settings).list_keys(f"t{world.tenant.id}/")


async def actions(world: Any) -> list[str]:
    with scope(world.tenant):
        return [r["action"] for r in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.seq)]


async def test_upload_and_download_round_trip(client, files_settings, world, login):
    await login(client, world.tenant, "learner")
    response = await upload(client, world, "继续教育证明 2026.pdf", PDF)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["sha256"] == hashlib.sha256(PDF).hexdigest() and created["size"] == len(PDF)
    assert (
        created["content_type"] == "application/pdf" and created["original_name"] == "继续教育证明 2026.pdf"
    )
    assert "key" not in created

    rows, keys = await stored(world, files_settings)
    assert [r["id"] for r in rows] == [created["id"]] and keys == [rows[0]["key"]]
    assert rows[0]["key"].startswith(f"t{world.tenant.id}/") and "证明" not in rows[0]["key"]

    detail = (await client.get(api(world, f"/{created['id']}"))).json()
    assert detail["download_url"].startswith(f"/t/{world.tenant.slug}/files/")
    download = await client.get(detail["download_url"])
    assert download.status_code == 200
    assert download.content == PDF and hashlib.sha256(download.content).hexdigest() == created["sha256"]
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E7%BB%A7%E7%BB%AD%E6%95%99%E8%82%B2%E8%AF%81%E6%98%8E%202026.pdf" in disposition
    assert await actions(world) == ["auth.login", "files.upload", "files.download_link"]


async def test_spreadsheets_and_photos_are_recognised_by_content(client, files_settings, world, login):
    await login(client, world.tenant, "department")
    sheet = await upload(client, world, "名单.xlsx", xlsx(), purpose="spreadsheet")
    assert sheet.status_code == 201, sheet.text
    assert sheet.json()["extension"] == "xlsx"
    photo = await upload(client, world, "会场.JPEG", jpeg(), purpose="photo")
    assert photo.status_code == 201 and photo.json()["content_type"] == "image/jpeg"
    assert photo.json()["taken_at"] is None and photo.json()["gps_lat"] is None


async def test_oversize_upload_is_refused_while_streaming(client, files_settings, world, login):
    await login(client, world.tenant, "learner")
    big = jpeg() + b"\x00" * (5 * 1024 * 1024)
    boundary = "cmetestboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\navatar\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="me.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    # The announced length is a lie: only the bytes that really arrive count.
    response = await client.post(
        api(world),
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}", "content-length": "1000"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "file_too_large" and "5 MB" in response.json()["message"]
    assert await stored(world, files_settings) == ([], [])
    assert not list((files_settings.data_dir / "tmp" / "uploads").iterdir()), "temporary file left behind"

    # The purpose after the file: the platform limit applies while streaming, the purpose's afterwards.
    late = await client.post(
        api(world), files={"file": ("me.jpg", big, "image/jpeg")}, data={"purpose": "avatar"}
    )
    assert late.status_code == 413 and late.json()["code"] == "file_too_large"
    assert await stored(world, files_settings) == ([], [])


async def test_a_lying_content_length_is_refused_early(client, files_settings, world, login):
    await login(client, world.tenant, "learner")
    response = await client.post(
        api(world),
        content=b"--x\r\n",
        headers={
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(files_settings.upload_max_bytes * 2),
        },
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("name", "content", "purpose", "says"),
    [
        ("程序.pdf", EXE, "evidence", "文件内容不是允许的类型"),
        ("说明.pdf", "这只是文本".encode() * 50, "evidence", "文件内容不是允许的类型"),
        ("扫描件.jpg", PDF, "evidence", "与文件内容（PDF）不符"),
        ("照片.png", jpeg(), "photo", "与文件内容（JPEG 图片）不符"),
        ("照片", jpeg(), "photo", "扩展名缺失"),
        ("证明.pdf", PDF, "photo", "现场照片只接受 JPEG 图片、PNG 图片"),
        ("压缩包.xlsx", b"PK\x03\x04" + b"\x00" * 100, "spreadsheet", "文件内容不是允许的类型"),
    ],
)
async def test_disguised_files_are_refused(
    client, files_settings, world, login, name, content, purpose, says
):
    await login(client, world.tenant, "department")  # an administrator: spreadsheets are theirs to upload
    response = await upload(client, world, name, content, purpose=purpose)
    assert response.status_code == 415, response.text
    assert response.json()["code"] == "unsupported_file_type" and says in response.json()["message"]
    assert await stored(world, files_settings) == ([], [])


async def test_bad_forms_are_refused(client, files_settings, world, login):
    await login(client, world.tenant, "learner")
    no_purpose = await client.post(api(world), files={"file": ("a.pdf", PDF, "application/pdf")})
    assert no_purpose.status_code == 400 and no_purpose.json()["errors"][0]["field"] == "purpose"
    unknown = await upload(client, world, "a.pdf", PDF, purpose="secret")
    assert unknown.status_code == 400 and unknown.json()["message"] == "不支持的文件用途"
    empty = await upload(client, world, "a.pdf", b"")
    assert empty.status_code == 400 and empty.json()["message"] == "文件是空的"
    as_json = await client.post(api(world), json={"purpose": "evidence"})
    assert as_json.status_code == 400
    assert await stored(world, files_settings) == ([], [])


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\报告.pdf", "报告.pdf"),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        ("/var/lib/../../root/.ssh/id_rsa.pdf", "id_rsa.pdf"),
    ],
)
async def test_path_traversal_names_are_reduced_to_a_base_name(
    client, files_settings, world, login, raw, kept
):
    await login(client, world.tenant, "learner")
    response = await upload(client, world, raw, PDF)
    assert response.status_code == 201, response.text
    assert response.json()["original_name"] == kept
    rows, keys = await stored(world, files_settings)
    assert keys == [rows[0]["key"]] and ".." not in rows[0]["key"] and "passwd" not in rows[0]["key"]
    if isinstance(files_settings, Settings) and files_settings.storage == "local":
        files = [p for p in (files_settings.data_dir / "files").rglob("*") if p.is_file()]
        assert files == [files_settings.data_dir / "files" / rows[0]["key"]]


async def _file_id(client: Any, world: Any) -> int:
    response = await upload(client, world, "证明.pdf", PDF)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_expired_and_forged_links_serve_no_bytes(client, files_settings, world, login):
    await login(client, world.tenant, "learner")
    file_id = await _file_id(client, world)
    secret = files_settings.secret_key
    claims = LinkClaims(tenant_id=world.tenant.id, file_id=file_id, expires_at=int(time.time()) - 1)
    base = f"/t/{world.tenant.slug}/files/"
    expired = await client.get(base + issue_token(secret, claims), headers={"accept": "application/json"})
    assert expired.status_code == 403 and expired.json()["code"] == "link_expired"
    page = await client.get(base + issue_token(secret, claims))
    assert page.status_code == 403 and "下载链接已过期" in page.text and PDF not in page.content

    valid = issue_token(secret, dataclasses.replace(claims, expires_at=int(time.time()) + 60))
    payload, signature = valid.split(".")
    other_file = issue_token(secret, dataclasses.replace(claims, file_id=file_id + 1, expires_at=2**40))
    forgeries = [
        f"{payload}.{signature[:-2]}AA",
        f"{other_file.split('.')[0]}.{signature}",
        issue_token("another-secret", dataclasses.replace(claims, expires_at=2**40)),
    ]
    for token in forgeries:
        response = await client.get(base + token, headers={"accept": "application/json"})
        assert response.status_code == 403, token
        assert response.json()["code"] == "link_invalid" and PDF not in response.content
    for token in ["garbage", "a.b.c", f"{payload}.{signature}x"]:  # not a token's shape: no such file
        response = await client.get(base + token, headers={"accept": "application/json"})
        assert response.status_code == 404, token
        assert response.json()["code"] == "not_found" and PDF not in response.content
    assert (await client.get(base + valid)).content == PDF


async def test_a_link_of_one_tenant_does_not_work_in_another(
    client, files_settings, world, other_world, login
):
    await login(client, world.tenant, "learner")
    file_id = await _file_id(client, world)
    url = (await client.get(api(world, f"/{file_id}"))).json()["download_url"]
    token = url.rsplit("/", 1)[1]
    elsewhere = await client.get(
        f"/t/{other_world.tenant.slug}/files/{token}", headers={"accept": "application/json"}
    )
    assert elsewhere.status_code == 404 and PDF not in elsewhere.content
    assert (await client.get(url)).content == PDF


async def test_idempotent_retry_returns_the_same_record(client, files_settings, world, login):
    await login(client, world.tenant, "learner")
    first = await upload(client, world, "证明.pdf", PDF, **{"Idempotency-Key": "retry-1"})
    again = await upload(client, world, "证明.pdf", PDF, **{"Idempotency-Key": "retry-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    clash = await upload(client, world, "另一个.jpg", jpeg(), **{"Idempotency-Key": "retry-1"})
    assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "Idempotency-Key"
    bad = await upload(client, world, "证明.pdf", PDF, **{"Idempotency-Key": "has spaces / slash"})
    assert bad.status_code == 400
    rows, keys = await stored(world, files_settings)
    assert len(rows) == 1 and len(keys) == 1

    await login(client, world.tenant, "department")  # the key belongs to one account only
    other = await upload(client, world, "证明.pdf", PDF, **{"Idempotency-Key": "retry-1"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert await actions(world) == [
        "auth.login",
        "files.upload",
        "auth.login",
        "files.upload",
    ]


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # the damaged photo below, on purpose
async def test_photo_exif_time_and_gps_are_read(client, files_settings, world, login):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:03:15 09:30:00"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (39.0, 54.0, 14.4), 3: "E", 4: (116.0, 24.0, 25.2)})
    await login(client, world.tenant, "learner")
    response = await upload(client, world, "签到现场.jpg", jpeg(exif=exif), purpose="photo")
    assert response.status_code == 201, response.text
    body = response.json()
    assert datetime.fromisoformat(body["taken_at"]) == datetime(2026, 3, 15, 1, 30, tzinfo=UTC)
    assert (body["gps_lat"], body["gps_lon"]) == (pytest.approx(39.904), pytest.approx(116.407))

    broken = jpeg()
    broken = (
        broken[:2]
        + b"\xff\xe1\x00\x20Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff"
        + b"\x00" * 14
        + broken[2:]
    )
    damaged = await upload(client, world, "坏EXIF.jpg", broken, purpose="photo")
    assert damaged.status_code == 201, damaged.text
    assert damaged.json()["taken_at"] is None and damaged.json()["gps_lat"] is None


async def test_only_the_uploader_and_commission_admins_get_links(client, files_settings, world, login):
    await login(client, world.tenant, "learner")
    file_id = await _file_id(client, world)
    assert [f["id"] for f in (await client.get(api(world))).json()["items"]] == [file_id]

    await login(client, world.tenant, "department")
    assert (await client.get(api(world, f"/{file_id}"))).status_code == 404
    assert (await client.get(api(world))).json()["items"] == []
    assert (await client.get(api(world), params={"uploaded_by": world.accounts["learner"]})).json()[
        "items"
    ] == []
    assert (await client.get(f"/t/{world.tenant.slug}/files/{file_id}/download")).status_code == 404

    await login(client, world.tenant, "commission")
    listed = (await client.get(api(world), params={"uploaded_by": world.accounts["learner"]})).json()
    assert [f["id"] for f in listed["items"]] == [file_id]
    assert (await client.get(api(world), params={"purpose": "photo"})).json()["total"] == 0
    detail = await client.get(api(world, f"/{file_id}"))
    assert detail.status_code == 200 and (await client.get(detail.json()["download_url"])).content == PDF

    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    assert (await client.get(api(world, f"/{file_id}"))).status_code == 401
    assert (await upload(client, world, "证明.pdf", PDF)).status_code == 401


async def test_session_uploads_need_the_csrf_token(client, files_settings, world, login):
    await login(client, world.tenant, "learner")
    token = client.headers.pop("X-CSRF-Token")
    refused = await upload(client, world, "证明.pdf", PDF)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert await stored(world, files_settings) == ([], [])
    accepted = await client.post(
        api(world), data={"_csrf": token, "purpose": "evidence"}, files={"file": ("证明.pdf", PDF, "x/y")}
    )
    assert accepted.status_code == 201


async def test_purposes_are_listed_as_far_as_the_role_may_use_them(client, files_settings, world, login):
    await login(client, world.tenant, "learner")
    purposes = {p["name"]: p for p in (await client.get(api(world, "/purposes"))).json()}
    assert purposes["photo"]["extensions"] == ["jpg", "jpeg", "png"]
    assert purposes["evidence"]["max_bytes"] == 50 * 1024 * 1024
    assert {"spreadsheet", "personnel_import", "beijing_activity_plan"}.isdisjoint(purposes)
    assert 'value="spreadsheet"' not in (await client.get(f"/t/{world.tenant.slug}/files")).text
    refused = await upload(client, world, "名单.xlsx", xlsx(), purpose="spreadsheet")
    assert refused.status_code == 403 and refused.json()["message"] == "您的角色不能上传“导入表格”"
    assert await stored(world, files_settings) == ([], [])

    await login(client, world.tenant, "institution")  # Beijing's institutions upload their activity plans
    offered = {p["name"] for p in (await client.get(api(world, "/purposes"))).json()}
    assert {"spreadsheet", "personnel_import", "beijing_activity_plan", "evidence"} <= offered


async def test_the_files_page_uploads_lists_and_downloads(client, files_settings, world, login):
    await login(client, world.tenant, "learner")
    token = client.headers.pop("X-CSRF-Token")
    base = f"/t/{world.tenant.slug}/files"
    page = await client.get(base)
    assert (
        page.status_code == 200 and "我的文件" in page.text and 'enctype="multipart/form-data"' in page.text
    )
    assert "还没有上传过文件" in page.text

    refused = await client.post(
        base,
        data={"_csrf": token, "purpose": "evidence"},
        files={"file": ("病历.pdf", EXE, "application/pdf")},
    )
    assert refused.status_code == 415 and "文件内容不是允许的类型" in refused.text

    done = await client.post(
        base,
        data={"_csrf": token, "purpose": "evidence"},
        files={"file": ("培训证明.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    listing = await client.get(done.headers["location"])
    assert '已上传「<span translate="no">培训证明.pdf</span>」' in listing.text
    rows, _ = await stored(world, files_settings)
    link = await client.get(f"{base}/{rows[0]['id']}/download", follow_redirects=False)
    assert link.status_code == 303 and link.headers["location"].startswith(f"{base}/")
    assert (await client.get(link.headers["location"])).content == PDF


async def test_images_and_pdfs_open_in_the_browser_other_files_download(client, files_settings, world, login):
    await login(client, world.tenant, "department")
    base = f"/t/{world.tenant.slug}/files"
    uploaded = {
        name: (await upload(client, world, name, content, purpose=purpose)).json()["id"]
        for name, content, purpose in (
            ("会场.jpg", jpeg(), "photo"),
            ("证明.pdf", PDF, "evidence"),
            ("名单.xlsx", xlsx(), "spreadsheet"),
        )
    }
    shown = {}
    for name, file_id in uploaded.items():
        link = await client.get(f"{base}/{file_id}/view", follow_redirects=False)
        assert link.status_code == 303 and link.headers["location"].endswith("?inline=true")
        opened = await client.get(link.headers["location"])
        assert opened.status_code == 200 and opened.headers["x-content-type-options"] == "nosniff"
        disposition = opened.headers["content-disposition"].split(";")[0]
        shown[name] = (disposition, "sandbox" in opened.headers["content-security-policy"])
    assert shown == {  # a PDF goes to the browser's viewer, which a sandbox would stop; images stay sandboxed
        "会场.jpg": ("inline", True),
        "证明.pdf": ("inline", False),
        "名单.xlsx": ("attachment", True),
    }
    await login(client, world.tenant, "learner")
    assert (await client.get(f"{base}/{uploaded['会场.jpg']}/view")).status_code == 404
