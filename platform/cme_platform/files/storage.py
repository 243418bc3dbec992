"""Where file bytes live: one :class:`Storage` interface, a local directory or S3-compatible storage.

Keys are chosen by the platform (``t<tenant id>/<uuid>``), never derived from a file name. Blocking
work (disk and boto3 calls) runs in worker threads; reads stream in chunks.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread

from cme_platform.settings import Settings

CHUNK_SIZE = 256 * 1024
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*$")


class StorageError(Exception):
    """The storage backend failed or is misconfigured."""


def check_key(key: str) -> str:
    """``key`` if it is a safe storage key (no traversal, no odd characters); else ``ValueError``."""
    if not _KEY_RE.match(key) or ".." in key or len(key) > 200:
        raise ValueError(f"unsafe storage key: {key!r}")
    return key


class Storage(Protocol):
    """A place to keep file bytes under platform-chosen keys."""

    async def save(self, key: str, source: Path, content_type: str) -> None:
        """Store the file at ``source`` under ``key`` (``source`` may be moved away)."""

    def read(self, key: str) -> AsyncIterator[bytes]:
        """Stream the bytes stored under ``key``."""

    async def delete(self, key: str) -> None:
        """Remove ``key`` (no error when it is absent)."""

    async def list_keys(self, prefix: str) -> list[str]:
        """Every key that starts with ``prefix``, sorted."""


class LocalStorage:
    """Files in a directory tree (the default: ``<CME_DATA_DIR>/files``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def save(self, key: str, source: Path, content_type: str) -> None:
        """Move ``source`` into place (copy when it lives on another file system)."""
        target = self._path(key)

        def place() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(source, target)
            except OSError:
                shutil.copyfile(source, target)

        await anyio.to_thread.run_sync(place)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        """Stream the file in chunks read in a worker thread."""
        handle = await anyio.to_thread.run_sync(self._path(key).open, "rb")
        try:
            while chunk := await anyio.to_thread.run_sync(handle.read, CHUNK_SIZE):
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        """Remove the file if present."""
        await anyio.to_thread.run_sync(lambda: self._path(key).unlink(missing_ok=True))

    async def list_keys(self, prefix: str) -> list[str]:
        """Keys under the root that start with ``prefix``."""

        def walk() -> list[str]:
            if not self.root.exists():
                return []
            keys = (p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
            return sorted(k for k in keys if k.startswith(prefix))

        return await anyio.to_thread.run_sync(walk)


class S3Storage:
    """Objects in one bucket of S3-compatible storage (AWS, MinIO, SeaweedFS, OSS), path-style."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 3}
            ),
        )

    async def save(self, key: str, source: Path, content_type: str) -> None:
        """Upload ``source`` (multipart for large files, handled by boto3)."""
        await anyio.to_thread.run_sync(
            lambda: self.client.upload_file(
                str(source), self.bucket, check_key(key), ExtraArgs={"ContentType": content_type}
            )
        )

    async def read(self, key: str) -> AsyncIterator[bytes]:
        """Stream the object's body in chunks, each read in a worker thread."""
        response = await anyio.to_thread.run_sync(
            lambda: self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        )
        body = response["Body"]
        try:
            while chunk := await anyio.to_thread.run_sync(body.read, CHUNK_SIZE):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        """Delete the object (S3 answers success for absent keys too)."""
        await anyio.to_thread.run_sync(
            lambda: self.client.delete_object(Bucket=self.bucket, Key=check_key(key))
        )

    async def list_keys(self, prefix: str) -> list[str]:
        """Keys of the bucket that start with ``prefix``."""

        def listing() -> list[str]:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))

        return await anyio.to_thread.run_sync(listing)


@lru_cache(maxsize=8)
def storage_for(settings: Settings) -> Storage:
    """The storage the settings choose (``CME_STORAGE``), built once per settings."""
    if settings.storage == "local":
        return LocalStorage(settings.data_dir / "files")
    if settings.storage == "s3":
        if not settings.s3_bucket:
            raise StorageError("CME_STORAGE=s3 needs CME_S3_BUCKET")
        return S3Storage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
        )
    raise StorageError(f"CME_STORAGE must be 'local' or 's3', not {settings.storage!r}")


async def fetch_to_temp(storage: Storage, key: str, tmp_dir: Path, suffix: str = ".xlsx") -> Path:
    """Copy the stored object ``key`` into a new file under ``tmp_dir`` (the caller removes it)."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(prefix="fetch-", suffix=suffix, dir=tmp_dir, delete=False)  # noqa: SIM115
    with handle:
        async for chunk in storage.read(key):
            handle.write(chunk)
    return Path(handle.name)
