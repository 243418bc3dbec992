"""The ledger's posting keys: the source object of a credit record and its idempotency key.

Every module posts credits through :mod:`cme_platform.credits.ledger` with the object it comes from
(``source_type``, ``source_id``: a project run, a training session…) and a key a retry repeats. The next
migration gives existing records a key of their own and makes the key unique per tenant.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T08:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "credit ledger: source object and idempotency key"


def _params(default: object, null: bool, length: int | None = None) -> dict[str, object]:
    params: dict[str, object] = {
        "default": default,
        "null": null,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    if length is not None:
        params["length"] = length
    return params


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cme_platform", description=DESCRIPTION)
    for name, column_class, params in (
        ("source_type", Varchar, _params("", False, 32)),
        ("source_id", BigInt, _params(None, True)),
        ("idempotency_key", Varchar, _params("", False, 128)),
    ):
        manager.add_column(
            table_class_name="CreditRecord",
            tablename="credits_record",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
