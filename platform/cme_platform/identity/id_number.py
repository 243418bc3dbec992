"""The format of a mainland China resident ID number (GB 11643): 17 digits and a check character."""

from __future__ import annotations

import re
from datetime import date

_PATTERN = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_id_number(value: str) -> bool:
    """True for an 18-character ID number with a real birth date and the right check character."""
    text = value.strip().upper()
    if not _PATTERN.match(text):
        return False
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return check_character(text[:17]) == text[17]
