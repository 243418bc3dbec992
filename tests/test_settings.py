"""Settings come from CME_* environment variables with documented defaults."""

from __future__ import annotations

import pytest
from cme_platform.db.engine import DatabaseURLError, engine_from_url
from cme_platform.settings import load_settings


def test_defaults_use_sqlite_in_the_data_dir(monkeypatch, tmp_path):
    for name in ("CME_DATABASE_URL", "CME_SECRET_KEY", "CME_WORKERS", "CME_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CME_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'cme.sqlite3'}"
    assert not settings.is_postgres and settings.workers == 1 and settings.debug is False
    assert len(settings.secret_key) > 40
    assert load_settings().secret_key == settings.secret_key, "the generated key must be kept"
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_a_postgresql_url_switches_engines(monkeypatch, tmp_path):
    monkeypatch.setenv("CME_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CME_DATABASE_URL", "postgresql://cme:pw@db.internal:5432/cme")
    monkeypatch.setenv("CME_SECRET_KEY", "from-the-environment")
    settings = load_settings()
    assert settings.is_postgres and settings.secret_key == "from-the-environment"
    assert engine_from_url(settings.database_url).engine_type == "postgres"
    assert engine_from_url(f"sqlite:///{tmp_path}/x.db").engine_type == "sqlite"
    with pytest.raises(DatabaseURLError):
        engine_from_url("mysql://nope")
