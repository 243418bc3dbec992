"""A province's attendance rules (``cme_attendance_policy``), and the core's default."""

from __future__ import annotations

import re

import msgspec

CODE = re.compile(r"[a-z0-9_]{1,32}")
"""What a question's code may be."""

LATE_LIST_RULES = ("refuse", "flag")
"""What happens to an attendee list submitted after its deadline: refused, or accepted and flagged."""


class Window(msgspec.Struct, frozen=True, kw_only=True):
    """When a code may be scanned, in minutes around the moment it belongs to (a session's start for
    check-in, its end for check-out)."""

    opens_before: int = 30
    """Minutes before the moment that the code starts to work."""
    closes_after: int = 30
    """Minutes after the moment that it stops working."""

    def __post_init__(self) -> None:
        """Both are between 0 and 24 hours."""
        if not (0 <= self.opens_before <= 1440 and 0 <= self.closes_after <= 1440):
            raise ValueError("a scan window lies within 24 hours of its moment")


class Question(msgspec.Struct, frozen=True, kw_only=True):
    """A question of the check-out questionnaire (调查问卷), answered by choosing among its options."""

    code: str
    """Stored with each answer: lower-case letters, digits and ``_`` (``q1``)."""
    text: str
    options: tuple[str, ...]
    picks: int = 1
    """How many options the learner chooses (``选两项``: 2)."""

    def __post_init__(self) -> None:
        """Two to twelve distinct options; ``picks`` between 1 and their number."""
        if not 2 <= len(self.options) <= 12 or len(set(self.options)) != len(self.options):
            raise ValueError(f"question {self.code}: two to twelve distinct options")
        if not 1 <= self.picks <= len(self.options):
            raise ValueError(f"question {self.code}: picks between 1 and the number of options")


WALK_IN_FIELDS: dict[str, str] = {
    "gender": "性别",
    "age": "年龄",
    "unit": "单位",
    "department": "科室",
    "unit_place": "单位所在地",
    "grassroots": "是否来自基层",
    "title": "职称",
    "position": "职务",
    "education": "学历",
}
"""The fields a walk-in form may ask besides 身份证号, 姓名 and 手机号 (always asked), with their labels."""


class AttendancePolicy(msgspec.Struct, frozen=True, kw_only=True):
    """What attendance asks in a province (004 §2.1: 学员须完成签到及撤离两次扫码，缺一不可)."""

    check_out: bool = True
    """A learner must also scan the check-out code (撤离); without it the session does not count."""
    check_in_window: Window = Window(opens_before=30, closes_after=30)
    """When the check-in code works, around the session's start."""
    check_out_window: Window = Window(opens_before=30, closes_after=60)
    """When the check-out code works, around the session's end."""
    rotate_seconds: int = 30
    """The venue's screen shows a new code every so many seconds, and a code older than the previous one
    is refused (a forwarded photo stops working). ``0``: static codes, printed per window."""
    card_sign_in: bool = False
    """Staff at the venue may also record a check-in or check-out by a card's number (Beijing's IC card
    reader types it into a field), as well as learners scanning codes."""
    questionnaire: tuple[Question, ...] = ()
    """The questions a learner answers before his check-out is recorded (none: no questionnaire)."""
    walk_in: bool = False
    """Someone not signed in may register at the venue (现场登记) instead: he is matched to the registry
    by his ID number, or recorded as an external attendee."""
    walk_in_fields: tuple[str, ...] = ()
    """What the walk-in form asks besides ID number, name and phone (keys of :data:`WALK_IN_FIELDS`)."""
    walk_in_required: tuple[str, ...] = ()
    """Which of those must be filled."""
    exam_required: bool = False
    """Where a group has an online exam (在线考试), only those who passed it get credit."""
    exam_attempts: int = 1
    """How many times a learner may take an exam (1 to 10)."""
    min_share_percent: int = 80
    """The share of a session's time a learner must have been present (between his check-in and his
    check-out) for the session's hours to count."""
    list_deadline_days: int = 14
    """The institution submits the attendee list to the commission within so many days after the last day
    of the run (004 §2.2: 于项目举办结束后两周内)."""
    late_list: str = "flag"
    """A list submitted after the deadline: ``refuse`` it, or accept it and ``flag`` it as late."""

    def __post_init__(self) -> None:
        """Rotation is 0 (static) or 10 seconds to 1 hour; the share a percentage; the deadline 1 to 90
        days; ``late_list`` one of ``refuse``, ``flag``; the questions' codes distinct words."""
        if self.rotate_seconds and not 10 <= self.rotate_seconds <= 3600:
            raise ValueError("rotate_seconds is 0 (static codes) or between 10 and 3600")
        if not 1 <= self.min_share_percent <= 100:
            raise ValueError("min_share_percent is between 1 and 100")
        if not 1 <= self.list_deadline_days <= 90:
            raise ValueError("list_deadline_days is between 1 and 90")
        if not 1 <= self.exam_attempts <= 10:
            raise ValueError("exam_attempts is between 1 and 10")
        if self.late_list not in LATE_LIST_RULES:
            raise ValueError(f"late_list is one of {LATE_LIST_RULES}")
        unknown = [f for f in (*self.walk_in_fields, *self.walk_in_required) if f not in WALK_IN_FIELDS]
        if unknown or not set(self.walk_in_required) <= set(self.walk_in_fields):
            raise ValueError(f"walk-in fields are asked fields of {tuple(WALK_IN_FIELDS)}: {unknown}")
        codes = [question.code for question in self.questionnaire]
        if len(set(codes)) != len(codes) or not all(CODE.fullmatch(code) for code in codes):
            raise ValueError(f"questionnaire codes must be distinct short words: {codes}")

    @property
    def rotating(self) -> bool:
        """True when codes rotate on a screen at the venue (false: static, printed codes)."""
        return self.rotate_seconds > 0


DEFAULT_POLICY = AttendancePolicy()
"""The core's answer when the province gives none: check-in and check-out, codes rotating every 30
seconds, 80% of a session's time, the list within 14 days (late lists flagged)."""
