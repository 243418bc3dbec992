"""Indexes of projects: a number is unique in its tenant, a run's 期数 in its project, a material's kind
in its run; lists read projects by year and unit, runs by status."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-12-03T18:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "project, run, session and material indexes"

COMMON = (
    "CREATE UNIQUE INDEX IF NOT EXISTS projects_project_tenant_number ON projects_project (tenant, number)",
    "CREATE INDEX IF NOT EXISTS projects_project_tenant_year_status"
    " ON projects_project (tenant, year, status)",
    "CREATE INDEX IF NOT EXISTS projects_project_tenant_institution"
    " ON projects_project (tenant, institution, year)",
    "CREATE INDEX IF NOT EXISTS projects_project_tenant_owner ON projects_project (tenant, owner)",
    "CREATE UNIQUE INDEX IF NOT EXISTS projects_run_tenant_project_seq"
    " ON projects_run (tenant, project, seq)",
    "CREATE INDEX IF NOT EXISTS projects_run_tenant_status ON projects_run (tenant, status, project)",
    "CREATE INDEX IF NOT EXISTS projects_session_tenant_run ON projects_session (tenant, run, starts_at)",
    "CREATE UNIQUE INDEX IF NOT EXISTS projects_number_counter_tenant_year_level "
    "ON projects_number_counter (tenant, year, level)",
    "CREATE UNIQUE INDEX IF NOT EXISTS projects_run_material_tenant_run_kind "
    "ON projects_run_material (tenant, run, kind)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, COMMON)
