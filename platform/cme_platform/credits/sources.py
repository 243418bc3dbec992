"""Where a credit record comes from: one vocabulary, one label each (lists, exports and the inbox)."""

from __future__ import annotations

from cme_platform.labels import LabelledEnum


class CreditSource(LabelledEnum):
    """The source of a credit record (``credits_record.source``)."""

    PERSONAL = "personal", "个人学分"
    """Entered by hand and reviewed (个人学分录入)."""
    PROJECT = "project", "项目学分"
    """Granted for attending a CME project's run (项目授分)."""
    TRAINING = "training", "内部培训学分"
    """Written off for an institution's internal training (内部培训核销)."""
    STANDARD = "standard", "按标准授予学分"
    """Granted by the commission under a credit standard (按标准授予)."""
    RECOGNITION = "recognition", "外省认可学分"
    """Another province's certificate recognised (外省学分认可)."""
    IMPORT = "import", "导入学分"
    """Imported from a list (批量导入)."""
