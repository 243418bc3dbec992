"""Searches by a full ID number or phone: per-account limits, auditing and opaque search tokens.

An exact search by document number or phone tells whether somebody has that number. A role that sees
these values only masked (:attr:`PersonAccess.can_reveal` is false: department admins, learners) could
therefore confirm a full number by trying the few candidates that the masked form and the birth date
leave. So, for such roles:

- every clear search by ID number or phone counts against :data:`LIMITS` per account (atomic counters in
  the database), before the query runs, whether it matches or not: over a limit the answer is 429;
- every such search is audited as ``personnel.search.sensitive`` with the value masked;
- the search matches only people within the role's reach (the caller's list filter), so a search never
  reveals a number registered elsewhere. (Registering or importing a person with it still says that it
  is taken, as uniqueness requires; those answers are not counted yet, see docs/personnel.md.)

Keywords must not travel in URLs, where access logs and browser histories keep them: pages and API
clients exchange the value for an opaque search token (:func:`issue_token`, AES-GCM sealed with the
personal-data key for this purpose only, bound to its field, the tenant and the account, valid for
:data:`TOKEN_LIFETIME`) by a POST, and list, paging and export links carry the token. A token was paid
for when it was issued, so searching with it again is not counted; nobody else can search with it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal

import msgspec

from cme_platform import pii, ratelimit
from cme_platform.audit.context import current_actor
from cme_platform.audit.service import record
from cme_platform.errors import DomainError, FieldError, InvalidInput, TooManyRequests
from cme_platform.personnel.access import PersonAccess
from cme_platform.tenancy.scope import current_tenant

SENSITIVE_FIELDS = frozenset({"id_number", "phone"})
"""The keyword fields whose exact match tells a full value."""

LIMITS: tuple[tuple[str, int, timedelta], ...] = (
    ("personnel.pii_search.10m", 10, timedelta(minutes=10)),
    ("personnel.pii_search.day", 30, timedelta(days=1)),
)
"""(counter bucket, searches allowed, window) per account for roles that may not reveal full values."""

TOKEN_PREFIX = "~"
"""Marks a keyword that is a search token, not a value typed by a person."""

TOKEN_LIFETIME = timedelta(hours=12)
"""How long a search token can be searched with (a working day's session)."""

_TOKEN_PURPOSE = b"personnel-search-token"

_FIELD_CODES = {"id_number": "i", "phone": "p"}
_FIELD_LABELS = {"id_number": "证件号码", "phone": "手机号"}


class SearchLimited(TooManyRequests):
    """Too many searches by full ID number or phone (429 ``too_many_requests``)."""


def is_token(keyword: str | None) -> bool:
    """Whether ``keyword`` is a search token rather than a typed value."""
    return bool(keyword) and str(keyword).startswith(TOKEN_PREFIX)


def _holder() -> str:
    """Who a token is issued to and valid for: the active tenant and the signed-in account."""
    return f"{current_tenant().id}.{current_actor().account_id or 0}"


def issue_token(field: str, value: str) -> str:
    """An opaque, URL-safe token standing for ``value`` searched in ``field`` (an ID number or phone).

    Only the account that it was issued to, in the same tenant, can search with it, for
    :data:`TOKEN_LIFETIME`.
    """
    expires = int(time.time() + TOKEN_LIFETIME.total_seconds())
    plain = f"{_FIELD_CODES[field]}|{_holder()}|{expires}|{value}"
    sealed = pii.seal(plain, _TOKEN_PURPOSE).partition(":")[2]
    return TOKEN_PREFIX + sealed.rstrip("=").replace("+", "-").replace("/", "_")


def resolve_keyword(field: str, keyword: str) -> str:
    """The value a keyword stands for: itself, or the value of a search token issued for ``field``.

    A token that cannot be opened, was issued for another field, tenant or account, or has expired is
    refused (400).
    """
    if not is_token(keyword):
        return keyword
    body = keyword[len(TOKEN_PREFIX) :].replace("-", "+").replace("_", "/")
    try:
        code, holder, expires, value = pii.unseal(
            "v1:" + body + "=" * (-len(body) % 4), _TOKEN_PURPOSE
        ).split("|", 3)
        valid = code == _FIELD_CODES.get(field) and holder == _holder() and int(expires) > time.time()
    except ValueError:
        valid = False
    if not valid:
        raise InvalidInput("查询条件已失效，请重新输入关键字")
    return value


def masked_keyword(field: str, keyword: str | None) -> str | None:
    """The keyword as audit records and pages may show it: an ID number or phone masked.

    A keyword of another field keeps its text, with any ID-number-like or phone-like run in it masked.
    """
    if not keyword or field not in SENSITIVE_FIELDS:
        return pii.mask_pii_text(keyword) if keyword else keyword
    value = resolve_keyword(field, keyword)
    return pii.mask_document(value) if field == "id_number" else pii.mask_phone(value)


class SearchTokenIn(msgspec.Struct, frozen=True, kw_only=True):
    """A value to search by, to be exchanged for a search token."""

    q_field: Literal["id_number", "phone"]
    q: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class SearchTokenOut(msgspec.Struct, frozen=True, kw_only=True):
    """The token to send as ``q`` (with the same ``q_field``) instead of the value, and the masked value."""

    q: str
    masked: str


async def exchange(access: PersonAccess, field: str, value: str) -> SearchTokenOut:
    """Count and audit a search by ``value`` (as :func:`charge_search`) and issue its search token."""
    value = value.strip()
    if not value or is_token(value) or len(value) > 64:
        raise InvalidInput("请输入要查询的证件号码或手机号", [FieldError("q", "请输入要查询的值")])
    await charge_search(access, field, value)
    return SearchTokenOut(q=issue_token(field, value), masked=masked_keyword(field, value) or "")


def page_keyword(field: str, keyword: str | None, *, refused: bool = False) -> tuple[str, str]:
    """A list page's keyword as (what its links carry, what its search box shows).

    An ID number or phone becomes a search token in links (the search was counted when it ran) and its
    masked form in the box; after a refused search (``refused``) neither keeps it. Others stay as they are.
    """
    if not keyword or field not in SENSITIVE_FIELDS:
        return keyword or "", keyword or ""
    if refused:
        return "", ""
    token = keyword if is_token(keyword) else issue_token(field, keyword)
    return token, masked_keyword(field, token) or ""


async def tokenized_query(
    access: PersonAccess, form: Mapping[str, str], keys: Collection[str]
) -> dict[str, str]:
    """A posted filter form as the list's query string, an ID number or phone keyword as a search token.

    Keeps the non-blank values of ``keys``. The form's ``q_token`` is reused while ``q`` still shows its
    masked value (an unchanged search); any other ID number or phone is exchanged (:func:`exchange`).
    """
    query = {k: v.strip() for k, v in form.items() if k in keys and v.strip()}
    field, keyword = query.get("q_field", "name"), query.get("q", "")
    if keyword and field in SENSITIVE_FIELDS and not is_token(keyword):
        token = form.get("q_token", "")
        if _shows_token(field, token, keyword):
            query["q"] = token
        else:
            query["q"] = (await exchange(access, field, keyword)).q
    return query


def _shows_token(field: str, token: str, shown: str) -> bool:
    try:
        return is_token(token) and masked_keyword(field, token) == shown
    except DomainError:
        return False


def audited_filter(filters: Any) -> dict[str, Any]:
    """A list filter (a struct with ``q`` and ``q_field``) as audit records keep it.

    Only the values that are set, the keyword masked (:func:`masked_keyword`).
    """
    kept = {k: v for k, v in msgspec.to_builtins(filters).items() if v not in (None, "")}
    if "q" in kept:
        kept["q"] = masked_keyword(filters.q_field, filters.q)
    return kept


def _wait_text(retry_after: timedelta) -> str:
    minutes = max(1, math.ceil(retry_after.total_seconds() / 60))
    return f"{minutes} 分钟" if minutes < 120 else f"{math.ceil(minutes / 60)} 小时"


async def charge_search(access: PersonAccess, field: str, keyword: str | None) -> None:
    """Count and audit a clear search by ID number or phone of a role that may not reveal them.

    Nothing happens for other fields, for search tokens (counted when issued), for roles that may see
    the values in full and outside a signed-in account's request. Over a limit: :class:`SearchLimited`
    (the first refusal of a window is audited as ``personnel.search.limited``).
    """
    if not keyword or field not in SENSITIVE_FIELDS or is_token(keyword) or access.can_reveal:
        return
    account_id = current_actor().account_id
    if account_id is None:
        return
    label, shown = _FIELD_LABELS[field], masked_keyword(field, keyword)
    for bucket, limit, window in LIMITS:
        verdict = await ratelimit.hit(bucket, str(account_id), limit=limit, window=window, count_refused=True)
        if not verdict.allowed:
            if verdict.count == limit + 1:
                await record(
                    "personnel.search.limited",
                    object_type="person_list",
                    summary=f"按{label}查询次数超限（{limit} 次）：{shown}",
                    after={"q_field": field, "q": shown, "limit": limit},
                )
            raise SearchLimited(f"按{label}查询过于频繁，请 {_wait_text(verdict.retry_after)}后再试")
    await record(
        "personnel.search.sensitive",
        object_type="person_list",
        summary=f"按{label}查询：{shown}",
        after={"q_field": field, "q": shown},
    )
