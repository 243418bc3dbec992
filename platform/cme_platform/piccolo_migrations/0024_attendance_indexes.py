"""One attendance row per person (or external attendee) and session (the scans' conflict targets), one
external attendee per ID number; the lists read by person, group and session."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from cme_platform.db.raw_indexes import index_migration

ID = "2026-12-04T10:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "attendance indexes"

COMMON = (
    "CREATE UNIQUE INDEX IF NOT EXISTS attendance_attendance_once"
    " ON attendance_attendance (tenant, session_kind, session_id, person)",
    "CREATE UNIQUE INDEX IF NOT EXISTS attendance_attendance_once_external"
    " ON attendance_attendance (tenant, session_kind, session_id, external)",
    "CREATE UNIQUE INDEX IF NOT EXISTS attendance_external_id ON attendance_external (tenant, id_hash)",
    "CREATE INDEX IF NOT EXISTS attendance_attendance_person"
    " ON attendance_attendance (tenant, person, checked_in_at)",
    "CREATE INDEX IF NOT EXISTS attendance_attendance_group"
    " ON attendance_attendance (tenant, session_kind, group_id)",
    "CREATE INDEX IF NOT EXISTS attendance_scan_session"
    " ON attendance_scan (tenant, session_kind, session_id, outcome)",
    "CREATE UNIQUE INDEX IF NOT EXISTS attendance_answer_option"
    " ON attendance_answer (tenant, session_kind, group_id, question, option)",
    "CREATE UNIQUE INDEX IF NOT EXISTS projects_attendee_list_run ON projects_attendee_list (tenant, run)",
    "CREATE UNIQUE INDEX IF NOT EXISTS attendance_exam_group"
    " ON attendance_exam (tenant, session_kind, group_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS attendance_exam_attempt_once"
    " ON attendance_exam_attempt (tenant, exam, person, attempt)",
    "CREATE UNIQUE INDEX IF NOT EXISTS projects_attendee_entry_once"
    " ON projects_attendee_entry (tenant, attendee_list, person)",
    "CREATE UNIQUE INDEX IF NOT EXISTS projects_attendee_entry_once_external"
    " ON projects_attendee_entry (tenant, attendee_list, external)",
)


async def forwards() -> MigrationManager:
    return index_migration(ID, DESCRIPTION, COMMON)
