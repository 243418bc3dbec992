"""Indexes of the credit ledger, the approval inbox and the stored compliance results.

Tenant leads every key. A learner's query reads ``(tenant, person, year)``; a department's or
institution's lists read ``(tenant, department|institution, year)``; the inbox reads pending requests by
role and unit; the stored results are unique per person-year.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-11-27T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "credit ledger, approval inbox and compliance result indexes"

COMMON = (
    "CREATE INDEX IF NOT EXISTS credits_record_tenant_person_year ON credits_record (tenant, person, year)",
    "CREATE INDEX IF NOT EXISTS credits_record_tenant_institution_year "
    "ON credits_record (tenant, institution, year)",
    "CREATE INDEX IF NOT EXISTS credits_record_tenant_department_year "
    "ON credits_record (tenant, department, year)",
    "CREATE INDEX IF NOT EXISTS credits_record_tenant_year_status ON credits_record (tenant, year, status)",
    "CREATE INDEX IF NOT EXISTS approvals_request_tenant_inbox "
    "ON approvals_request (tenant, status, waiting_role, institution)",
    "CREATE INDEX IF NOT EXISTS approvals_request_tenant_subject "
    "ON approvals_request (tenant, subject_type, subject_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS compliance_result_tenant_person_year "
    "ON compliance_result (tenant, person, year)",
    "CREATE INDEX IF NOT EXISTS compliance_result_tenant_year_institution "
    "ON compliance_result (tenant, year, institution)",
    "CREATE INDEX IF NOT EXISTS compliance_result_tenant_year_department "
    "ON compliance_result (tenant, year, department)",
    "CREATE UNIQUE INDEX IF NOT EXISTS credits_self_entry_grant_tenant_unit "
    "ON credits_self_entry_grant (tenant, institution, COALESCE(department, 0))",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, COMMON)
