"""Settings read from ``CME_*`` environment variables, with the documented defaults.

| variable | default | meaning |
| --- | --- | --- |
| ``CME_DATA_DIR`` | ``./data`` | where the embedded database and local files live |
| ``CME_DATABASE_URL`` | ``sqlite:///<CME_DATA_DIR>/cme.sqlite3`` | ``sqlite:///path`` or ``postgresql://…`` |
| ``CME_SECRET_KEY`` | generated once into ``<CME_DATA_DIR>/secret_key`` | signs sessions and tokens |
| ``CME_PII_KEY`` | generated once into ``<CME_DATA_DIR>/pii_key`` | encrypts and hashes ID numbers at rest |
| ``CME_TENANTS_DIR`` | ``./tenants`` | the declarative tenant files synced by ``cme tenants sync`` |
| ``CME_BASE_DOMAIN`` | ``localhost`` | ``<slug>.<base domain>`` resolves a tenant by host |
| ``CME_HOST`` / ``CME_PORT`` | ``127.0.0.1`` / ``8000`` | where ``cme serve`` listens |
| ``CME_WORKERS`` | ``1`` | worker processes for ``cme serve`` |
| ``CME_MAX_BODY_BYTES`` | ``1048576`` | largest request body the JSON API accepts |
| ``CME_DEBUG`` | ``0`` | ``1`` shows tracebacks (never in production) |
| ``CME_DB_POOL`` | ``1`` | keep a PostgreSQL connection pool per worker (``0``: a connection per query) |
| ``CME_STORAGE`` | ``local`` | where uploaded files live: ``local`` (``<CME_DATA_DIR>/files``) or ``s3`` |
| ``CME_S3_ENDPOINT_URL`` | unset (AWS) | S3-compatible endpoint (MinIO, SeaweedFS, OSS), path-style |
| ``CME_S3_BUCKET`` | unset | the bucket (must exist) when ``CME_STORAGE=s3`` |
| ``CME_S3_ACCESS_KEY_ID`` / ``CME_S3_SECRET_ACCESS_KEY`` | unset | S3 credentials (else boto3's own lookup) |
| ``CME_S3_REGION`` | ``us-east-1`` | the S3 region |
| ``CME_UPLOAD_MAX_BYTES`` | ``52428800`` (50 MB) | largest upload of any purpose (purposes may allow less) |
| ``CME_DOWNLOAD_LINK_SECONDS`` | ``600`` | how long a signed download link stays valid |
| ``CME_CLOCK_OFFSET_DAYS`` | ``0`` | moves the clock (demos and browser tests only, never in production) |
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

import msgspec


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """The platform's settings; build with :func:`get_settings`."""

    data_dir: Path
    database_url: str
    secret_key: str
    pii_key: str
    tenants_dir: Path
    base_domain: str = "localhost"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_body_bytes: int = 1_048_576
    debug: bool = False
    db_pool: bool = True
    storage: str = "local"
    s3_endpoint_url: str | None = None
    s3_bucket: str = ""
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_region: str = "us-east-1"
    upload_max_bytes: int = 52_428_800
    download_link_seconds: int = 600
    clock_offset_days: int = 0
    jobs_in_process: bool = True
    job_heartbeat_seconds: int = 60
    job_sweep_seconds: int = 30
    job_poll_seconds: float = 0.2

    @property
    def is_postgres(self) -> bool:
        """True when the database URL points at PostgreSQL."""
        return self.database_url.startswith(("postgresql://", "postgres://"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(data_dir: Path, variable: str = "CME_SECRET_KEY", file_name: str = "secret_key") -> str:
    """The secret from ``variable``, else one generated once and kept in the data directory."""
    configured = os.environ.get(variable)
    if configured:
        return configured
    key_file = data_dir / file_name
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _storage_backend() -> str:
    """``CME_STORAGE``: ``local`` or ``s3`` (anything else stops the start with a clear error)."""
    value = os.environ.get("CME_STORAGE", "local").strip().lower()
    if value not in ("local", "s3"):
        raise ValueError(f"CME_STORAGE must be 'local' or 's3', not {value!r}")
    return value


def load_settings() -> Settings:
    """Read the settings from the environment (no caching; see :func:`get_settings`)."""
    data_dir = Path(os.environ.get("CME_DATA_DIR", "data")).resolve()
    database_url = os.environ.get("CME_DATABASE_URL") or f"sqlite:///{data_dir / 'cme.sqlite3'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=_secret_key(data_dir),
        pii_key=_secret_key(data_dir, "CME_PII_KEY", "pii_key"),
        tenants_dir=Path(os.environ.get("CME_TENANTS_DIR", "tenants")).resolve(),
        base_domain=os.environ.get("CME_BASE_DOMAIN", "localhost").lower(),
        host=os.environ.get("CME_HOST", "127.0.0.1"),
        port=int(os.environ.get("CME_PORT", "8000")),
        workers=int(os.environ.get("CME_WORKERS", "1")),
        max_body_bytes=int(os.environ.get("CME_MAX_BODY_BYTES", "1048576")),
        debug=_env_bool("CME_DEBUG", False),
        db_pool=_env_bool("CME_DB_POOL", True),
        storage=_storage_backend(),
        s3_endpoint_url=os.environ.get("CME_S3_ENDPOINT_URL") or None,
        s3_bucket=os.environ.get("CME_S3_BUCKET", ""),
        s3_access_key_id=os.environ.get("CME_S3_ACCESS_KEY_ID") or None,
        s3_secret_access_key=os.environ.get("CME_S3_SECRET_ACCESS_KEY") or None,
        s3_region=os.environ.get("CME_S3_REGION", "us-east-1"),
        upload_max_bytes=int(os.environ.get("CME_UPLOAD_MAX_BYTES", "52428800")),
        download_link_seconds=int(os.environ.get("CME_DOWNLOAD_LINK_SECONDS", "600")),
        clock_offset_days=int(os.environ.get("CME_CLOCK_OFFSET_DAYS", "0")),
        jobs_in_process=_env_bool("CME_JOBS_IN_PROCESS", True),
        job_heartbeat_seconds=int(os.environ.get("CME_JOB_HEARTBEAT_SECONDS", "60")),
        job_sweep_seconds=int(os.environ.get("CME_JOB_SWEEP_SECONDS", "30")),
        job_poll_seconds=float(os.environ.get("CME_JOB_POLL_SECONDS", "0.2")),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
