"""Blank query parameters mean "not given".

An HTML filter form sends every field, so an untouched date or select arrives as ``date_from=`` and
would fail validation as an empty date. The application drops such empty values from the query string
before routing, for pages and the JSON API alike, so ``?year=`` means the same as no ``year`` at all.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes


def without_blank_values(query_string: bytes) -> bytes:
    """``query_string`` without the parameters whose value is empty or only spaces."""
    if b"=" not in query_string:
        return query_string
    pairs = [pair.split(b"=", 1) for pair in query_string.split(b"&")]
    kept = [pair for pair in pairs if len(pair) == 1 or unquote_to_bytes(pair[1].replace(b"+", b" ")).strip()]
    if len(kept) == len(pairs):
        return query_string
    return b"&".join(b"=".join(pair) for pair in kept)
