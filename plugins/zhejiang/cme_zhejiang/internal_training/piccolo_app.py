"""The Piccolo app of Zhejiang's internal training: its tables and migrations, run after the core's."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from cme_zhejiang.internal_training.tables import Training, TrainingScore, TrainingSession, TrainingWriteOff

APP_CONFIG = AppConfig(
    app_name="cme_zhejiang",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Training, TrainingSession, TrainingWriteOff, TrainingScore],
    migration_dependencies=["cme_platform.piccolo_app"],
    commands=[],
)
