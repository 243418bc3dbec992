"""Approval chains: what a plugin returns from ``cme_approval_chain`` and what the engine copies.

A chain is an ordered list of steps; each step names the role that decides it. The org unit comes from
the subject: a ``department_admin`` step goes to the subject's department, ``institution_admin`` to its
institution, ``region_admin`` to the institution's region and ``commission_admin`` to the commission.
When the subject has no unit for a step (no department, an institution outside any region) the step is
skipped or escalated to the next level up, as ``when_missing`` says.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

STEP_ROLES: tuple[str, ...] = ("department_admin", "institution_admin", "region_admin", "commission_admin")
"""Roles a step may name, from the lowest level up."""


class ChainStep(msgspec.Struct, frozen=True, kw_only=True):
    """One step: the deciding role and its label (``科室审核``)."""

    role: Literal["department_admin", "institution_admin", "region_admin", "commission_admin"]
    label: str
    when_missing: Literal["skip", "escalate"] = "skip"


class Chain(msgspec.Struct, frozen=True, kw_only=True):
    """A named chain (``code`` is stored with each request) and its steps, lowest level first."""

    code: str
    name: str
    steps: tuple[ChainStep, ...]


class ApprovalSubject(msgspec.Struct, frozen=True, kw_only=True):
    """What a plugin chooses a chain by.

    ``kind`` names the subject (``credit.personal``: a personal credit record); ``entered_as`` is the
    role the submitter acted in (``learner``, ``department_admin``…); ``attributes`` carries the
    subject's facts (for a credit: ``category``, ``subcategory``, ``standard_code``, ``source``).
    """

    kind: str
    entered_as: str = ""
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)


DEFAULT_CHAIN = Chain(
    code="default",
    name="单位审核",
    steps=(ChainStep(role="institution_admin", label="单位审核", when_missing="escalate"),),
)
"""The chain used when the province plugin gives none: the institution decides."""
