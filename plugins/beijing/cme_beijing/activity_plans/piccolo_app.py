"""The Piccolo app of Beijing's activity plans: its table and migrations, run after the core's."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from cme_beijing.activity_plans.tables import ActivityPlan

APP_CONFIG = AppConfig(
    app_name="cme_beijing",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[ActivityPlan],
    migration_dependencies=["cme_platform.piccolo_app"],
    commands=[],
)
