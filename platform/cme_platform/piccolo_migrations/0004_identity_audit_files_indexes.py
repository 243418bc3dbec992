"""Tenant-leading indexes for the identity, audit and files tables (raw SQL, identical on both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-11-22T08:14:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant-leading indexes for identity security, audit log and files"

INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS identity_login_throttle_tenant_kind_key "
    "ON identity_login_throttle (tenant, kind, key)",
    "CREATE INDEX IF NOT EXISTS identity_sms_code_tenant_phone "
    "ON identity_sms_code (tenant, phone, created_at)",
    "CREATE INDEX IF NOT EXISTS identity_sms_code_tenant_ip ON identity_sms_code (tenant, ip, created_at)",
    "CREATE INDEX IF NOT EXISTS identity_account_tenant_phone ON identity_account (tenant, phone)",
    "CREATE UNIQUE INDEX IF NOT EXISTS identity_account_tenant_sso_subject "
    "ON identity_account (tenant, sso_subject)",
    "CREATE UNIQUE INDEX IF NOT EXISTS audit_event_tenant_seq ON audit_event (tenant, seq)",
    "CREATE INDEX IF NOT EXISTS audit_event_tenant_at ON audit_event (tenant, at)",
    "CREATE INDEX IF NOT EXISTS audit_event_tenant_action ON audit_event (tenant, action, at)",
    "CREATE INDEX IF NOT EXISTS audit_event_tenant_object ON audit_event (tenant, object_type, object_id)",
    "CREATE INDEX IF NOT EXISTS audit_event_tenant_account ON audit_event (tenant, account_id, at)",
    "CREATE UNIQUE INDEX IF NOT EXISTS audit_platform_event_seq ON audit_platform_event (seq)",
    "CREATE INDEX IF NOT EXISTS files_file_tenant_created ON files_file (tenant, created_at)",
    "CREATE UNIQUE INDEX IF NOT EXISTS files_file_tenant_uploader_idempotency "
    "ON files_file (tenant, uploaded_by, idempotency_key)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, INDEXES)
