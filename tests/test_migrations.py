"""Migrations: one history that builds the schema the code expects, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from cme_platform.db.migrate import migrate
from cme_platform.tenancy.tables import Tenant
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import Finder


async def _database_columns(tablename: str) -> dict[str, bool]:
    """``{column: nullable}`` as the database has them."""
    if Tenant._meta.db.engine_type == "postgres":
        rows = await Tenant.raw(
            "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = {}", tablename
        )
        return {r["column_name"]: r["is_nullable"] == "YES" for r in rows}
    rows = await Tenant.raw(f"PRAGMA table_info({tablename})")
    return {r["name"]: not r["notnull"] and not r["pk"] for r in rows}


async def test_migrated_schema_matches_every_table(cme_db):
    tables = Finder().get_table_classes()
    assert {t._meta.tablename for t in tables} >= {
        "tenant",
        "org_region",
        "org_institution",
        "org_department",
    }
    for table in tables:
        columns = await _database_columns(table._meta.tablename)
        expected = {c._meta.db_column_name: c._meta.null for c in table._meta.columns}
        assert set(columns) == set(expected), f"{table._meta.tablename}: columns differ from the table class"
        for name, nullable in expected.items():
            if name != "id":
                assert columns[name] == nullable, f"{table._meta.tablename}.{name}: NULL-ability differs"


async def test_tenant_leading_unique_indexes_exist(cme_db):
    if Tenant._meta.db.engine_type == "postgres":
        rows = await Tenant.raw(
            "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'org_institution'"
        )
    else:
        rows = await Tenant.raw(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'org_institution'"
        )
    assert "org_institution_tenant_code" in {r["name"] for r in rows}


async def test_migrations_are_complete_and_idempotent(cme_db):
    for app_config in Finder().get_app_registry().app_configs.values():
        pending = await AutoMigrationManager(auto_input="y").get_alter_statements(app_config=app_config)
        statements = [s for result in pending for s in result.statements]
        assert statements == [], f"{app_config.app_name}: table classes changed without a migration"
    applied = await Tenant.raw("SELECT name FROM migration ORDER BY name")
    await migrate()  # a second run applies nothing and does not fail
    assert await Tenant.raw("SELECT name FROM migration ORDER BY name") == applied
    assert len(applied) >= 2
