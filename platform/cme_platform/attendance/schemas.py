"""What the attendance API reads and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

QuestionCode = Annotated[str, msgspec.Meta(max_length=32)]
Chosen = Annotated[list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(max_length=12)]
Answers = Annotated[dict[QuestionCode, Chosen], msgspec.Meta(max_length=50)]
"""A questionnaire's answers: question code → the options chosen."""


class ScanIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A scanned code (the last part of the address the QR code opens)."""

    code: Annotated[str, msgspec.Meta(max_length=200)]
    answers: Answers = msgspec.field(default_factory=dict)
    """The check-out questionnaire's answers (question code → chosen options), where the province asks."""
    opened: Annotated[str, msgspec.Meta(max_length=40)] = ""
    """The scan page's token (when the code was opened), so a code that rotated meanwhile still counts."""


class SessionBrief(msgspec.Struct, frozen=True, kw_only=True):
    """A session as the learner and the venue's screen read it."""

    kind: str
    id: int
    title: str
    activity: str
    venue: str
    starts_at: datetime
    ends_at: datetime


class ScanOut(msgspec.Struct, frozen=True, kw_only=True):
    """What a scan did: recorded now (``accepted``) or before (``repeated``: the original time stands)."""

    outcome: str
    action: str
    """``check_in`` or ``check_out``."""
    action_label: str
    message: str
    session: SessionBrief
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    check_out_required: bool


class CodeOut(msgspec.Struct, frozen=True, kw_only=True):
    """One code as the venue's screen or the printed sheet shows it."""

    action: str
    action_label: str
    url: str
    """The address the QR code opens (the scan page with the signed code)."""
    svg: str
    """The QR code as inline SVG."""
    opens_at: datetime
    closes_at: datetime
    refresh_in: int
    """Seconds until the screen should fetch the next code (0: a static code)."""


class SessionCounts(msgspec.Struct, frozen=True, kw_only=True):
    """A session's attendance so far (the live view)."""

    checked_in: int
    checked_out: int
    refused: int


class DisplayOut(msgspec.Struct, frozen=True, kw_only=True):
    """A session's codes and counts, for the venue's screen or the printable sheet."""

    session: SessionBrief
    rotating: bool
    rotate_seconds: int
    card_sign_in: bool
    """Staff may also record attendance by card number (刷卡签到)."""
    codes: list[CodeOut]
    counts: SessionCounts


class AttendanceOut(msgspec.Struct, frozen=True, kw_only=True):
    """One session a person attended (考勤记录)."""

    session: SessionBrief
    group_id: int
    checked_in_at: datetime
    checked_out_at: datetime | None
    attended_minutes: int
    """Minutes of the session between check-in and check-out (0 without a check-out)."""
    counts: bool
    """The session's hours count: checked out (where required) after the policy's share of its time."""
    hours: int
    """The hours (hundredths) the session gives when it counts."""
    exam_path: str
    """The group's online exam (在线考试) page, where it has one."""
    credit_state: str
    """``pending``, ``granted`` or ``refused`` (of the group's attendee list), or ``open``."""
    credit_state_label: str
    credit_note: str


class AttendancePage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of a person's attendance, newest first."""

    items: list[AttendanceOut]
    total: int
    page: int
    page_size: int


class OptionCount(msgspec.Struct, frozen=True, kw_only=True):
    """How many chose one option."""

    option: str
    count: int


class QuestionReport(msgspec.Struct, frozen=True, kw_only=True):
    """A question of the questionnaire with its answers counted per option (anonymous)."""

    code: str
    text: str
    respondents: int
    options: list[OptionCount]
