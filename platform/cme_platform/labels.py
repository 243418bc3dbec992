"""Vocabularies whose members carry their Chinese label: one definition, no second label map to drift."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class LabelledEnum(StrEnum):
    """A ``StrEnum`` whose members are declared as ``NAME = "value", "标签"``; ``member.label`` is the label.

    The stored value stays the plain string, so members compare equal to the strings in the database.
    """

    label: str

    def __new__(cls, value: str, label: str = "") -> Any:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored ``value`` (the value itself when it is no member)."""
        member = cls._value2member_map_.get(value)
        return member.label if isinstance(member, LabelledEnum) else value
