"""Credit amounts: exact integer hundredths of a credit (学分), never floats.

``2500`` is 25 credits, ``33`` is 0.33 credits. Amounts are computed with fractions and rounded down to
the hundredth (a grant never gives more than the rule allows: 1 hour at "1 credit per 3 hours" is 0.33).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

HUNDRED = 100


def parse_credits(text: str) -> int:
    """Hundredths from a decimal text such as ``"2.5"`` (at most two decimals, not negative)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueError(f"“{text}”不是学分数") from exc
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"“{text}”不是有效的学分数（非负，最多两位小数）")
    return int(value * HUNDRED)


def format_credits(hundredths: int) -> str:
    """The amount as people write it: ``2500`` → ``"25"``, ``250`` → ``"2.5"``, ``33`` → ``"0.33"``."""
    sign = "-" if hundredths < 0 else ""
    whole, cents = divmod(abs(hundredths), HUNDRED)
    if cents == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{cents:02d}".rstrip("0")


def format_quantity(value: Fraction) -> str:
    """A quantity of hours or days for explanations: ``Fraction(7, 2)`` → ``"3.5"``."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")
