"""The names of what can be submitted for review, for plugins to compare against (never copy the strings).

Two names per subject: the **subject type** is what the engine stores with a request and finds the
handler by (one per table: ``credit``); the **kind** is what a province's ``cme_approval_chain`` chooses
a chain by, and may be finer (a personal credit record: ``credit.personal``). A plugin module's subjects
use its own prefix (``beijing.activity_plan``) and export their constants the same way.
"""

from __future__ import annotations

from typing import Final

CREDIT: Final = "credit"
"""Subject type of a credit record (:mod:`cme_platform.credits.review`)."""

CREDIT_PERSONAL: Final = "credit.personal"
"""Chain kind of a credit record entered by hand (personal entry, 个人学分录入)."""

CREDIT_RECOGNITION: Final = "credit.recognition"
"""Chain kind of a credit record made from another province's certificate (外省学分认可)."""

PROJECT_HOSTING: Final = "project.hosting"
"""Subject type (and chain kind) of a run's hosting application (举办申请, :mod:`cme_platform.projects`)."""

PROJECT_DECLARATION: Final = "project.declaration"
"""Subject type (and chain kind) of a project declared in the platform (新项目申报)."""

PROJECT_ATTENDEES: Final = "project.attendees"
"""Subject type (and chain kind) of a run's attendee list (学员名单), whose approval grants the credits."""
