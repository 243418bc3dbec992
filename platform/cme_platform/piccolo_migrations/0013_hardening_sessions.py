"""Session rows keyed by a keyed hash of the id; stateless captchas (only consumed tokens are stored).

Existing sessions (keyed by the clear id) and captcha rows are deleted: everybody signs in again.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T02:13:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "hashed session keys; captchas keep only consumed tokens"


class _Session(Table, tablename="identity_session"):
    pass


class _Captcha(Table, tablename="identity_captcha"):
    pass


async def _forget_clear_rows() -> None:
    await _Session.delete(force=True)
    await _Captcha.delete(force=True)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    manager.add_raw(_forget_clear_rows)
    manager.drop_column(
        table_class_name="Captcha",
        tablename="identity_captcha",
        column_name="answer",
        db_column_name="answer",
        schema=None,
    )
    return manager
