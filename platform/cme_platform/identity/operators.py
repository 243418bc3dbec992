"""Platform operators: the few people who look after every tenant, separate from tenants' accounts.

An operator signs in at ``/platform/login`` on the bare host (never inside a tenant) and is kept under
his own session key, :data:`OPERATOR_SESSION_KEY`; he never gets a tenant session. Operators' sign-ins
go to the platform audit log; every look at one tenant's data is recorded twice, in the platform log
and in that tenant's own log (actor kind ``operator``), so the tenant can see who looked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from piccolo.query.functions.aggregate import Count

from cme_platform.audit.context import Actor, current_actor
from cme_platform.audit.service import record, record_platform
from cme_platform.audit.tables import AuditEvent
from cme_platform.db.transactions import write_transaction
from cme_platform.errors import Conflict, FieldError, InvalidInput, NotFound
from cme_platform.identity import throttle
from cme_platform.identity.password_login import BAD_CREDENTIALS, LoginRefused
from cme_platform.identity.password_policy import strength_problems
from cme_platform.identity.passwords import hash_password, verify_password
from cme_platform.identity.tables import Account, PlatformOperator
from cme_platform.tenancy.registry import load_tenants
from cme_platform.tenancy.scope import scope, scopes_disabled

OPERATOR_SESSION_KEY = "platform_operator"
_pk = PlatformOperator._meta.primary_key


class Operator(msgspec.Struct, frozen=True, kw_only=True):
    """A signed-in platform operator."""

    id: int
    username: str
    display_name: str


class TenantSummary(msgspec.Struct, kw_only=True):
    """One tenant on the operators' overview."""

    id: int
    slug: str
    name: str
    plugin: str
    active: bool
    accounts: int
    active_accounts: int
    chain_ok: bool
    chain_records: int
    chain_message: str


class TenantAccountRow(msgspec.Struct, kw_only=True):
    """An account as an operator sees it (no contact data)."""

    username: str
    display_name: str
    active: bool
    last_login_at: datetime | None


class TenantEventRow(msgspec.Struct, kw_only=True):
    """A recent record of the tenant's audit log."""

    seq: int
    at: datetime
    actor_kind: str
    actor_name: str
    action: str
    summary: str


class TenantView(msgspec.Struct, kw_only=True):
    """What an operator sees of one tenant (recorded in both logs)."""

    summary: TenantSummary
    accounts: list[TenantAccountRow]
    events: list[TenantEventRow]


async def add_operator(username: str, display_name: str, password: str) -> int:
    """Create an operator (strength rule on the password); recorded in the platform log."""
    username = username.strip()
    if not username or len(username) > 64 or not display_name.strip():
        raise InvalidInput("用户名和姓名不能为空", [FieldError("username", "用户名 1–64 个字符")])
    problems = strength_problems(password, username=username)
    if problems:
        raise InvalidInput(
            "密码强度不足：" + "；".join(problems), [FieldError("password", p) for p in problems]
        )
    if await PlatformOperator.exists().where(PlatformOperator.username == username):
        raise Conflict("该运维账户已存在", [FieldError("username", "该运维账户已存在")])
    async with PlatformOperator._meta.db.transaction():
        inserted = await PlatformOperator.insert(
            PlatformOperator(
                username=username, display_name=display_name.strip(), password_hash=hash_password(password)
            )
        ).returning(_pk)
        operator_id = int(inserted[0]["id"])
        await record_platform(
            "operator.create",
            object_type="operator",
            object_id=operator_id,
            summary=f"添加平台运维账户 {username}",
            after={"username": username, "display_name": display_name.strip()},
        )
    return operator_id


def operator_actor(operator: Operator) -> Actor:
    """The request's actor, as this operator (keeps the IP and user agent)."""
    base = current_actor()
    return Actor(
        kind="operator",
        account_id=operator.id,
        name=operator.username,
        ip=base.ip,
        user_agent=base.user_agent,
    )


async def _login_failed(username: str, reason: str, locked_until: datetime | None = None) -> None:
    shown = throttle.masked_login_name(username)
    after: dict[str, str] = {"reason": reason, "username": shown}
    if locked_until is not None:
        after["locked_until"] = locked_until.isoformat()
    await record_platform(
        "operator.login_failed",
        object_type="operator",
        object_id=shown,
        summary=f"运维登录失败（{reason}）",
        after=after,
    )


async def sign_in_operator(username: str, password: str, ip: str = "") -> Operator:
    """Check an operator's password, with the tenants' lock-out (per operator and per address).

    Records ``operator.login`` or ``operator.login_failed`` (every failure, the login name masked when
    it holds a phone or an ID number); raises :class:`LoginRefused` (429 while locked).
    """
    username = username.strip()[:64]
    row = (
        await PlatformOperator.select(
            _pk,
            PlatformOperator.username,
            PlatformOperator.display_name,
            PlatformOperator.password_hash,
        )
        .where((PlatformOperator.username == username) & PlatformOperator.active.eq(True))
        .first()
    )
    try:
        attempt = await throttle.begin(username, int(row["id"]) if row else None, ip, platform=True)
    except throttle.Locked as locked:
        await _login_failed(username, "locked")
        raise LoginRefused(throttle.wait_message(locked.until), 429) from None
    if row is None or attempt.account_locked or not verify_password(row["password_hash"], password):
        await _login_failed(username, "bad_password" if row else "unknown_user", attempt.lock)
        if attempt.lock is not None:
            raise LoginRefused(throttle.wait_message(attempt.lock), 429)
        raise LoginRefused(BAD_CREDENTIALS)
    await throttle.succeeded(attempt)
    operator = Operator(id=row["id"], username=row["username"], display_name=row["display_name"])
    async with write_transaction(PlatformOperator):
        await PlatformOperator.update({PlatformOperator.last_login_at: datetime.now(UTC)}).where(
            _pk == operator.id
        )
        await record_platform(
            "operator.login",
            object_type="operator",
            object_id=operator.id,
            summary="运维登录成功",
            actor=operator_actor(operator),
        )
    return operator


async def sign_out_operator(operator: Operator) -> None:
    """Record ``operator.logout`` (the caller drops the session key)."""
    await record_platform(
        "operator.logout",
        object_type="operator",
        object_id=operator.id,
        summary="运维退出登录",
        actor=operator_actor(operator),
    )


async def operator_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Operator | None:
    """The operator signed in to this session (``None``: nobody, or the operator was deactivated)."""
    session = connection.scope.get("session")
    operator_id = session.get(OPERATOR_SESSION_KEY) if isinstance(session, dict) else None
    if not isinstance(operator_id, int):
        return None
    row = (
        await PlatformOperator.select(_pk, PlatformOperator.username, PlatformOperator.display_name)
        .where((_pk == operator_id) & PlatformOperator.active.eq(True))
        .first()
    )
    if row is None:
        return None
    return Operator(id=row["id"], username=row["username"], display_name=row["display_name"])


async def tenant_overview(tenant_id: int | None = None) -> list[TenantSummary]:
    """Every tenant (or only ``tenant_id``) with its plugin, account counts and its audit chain's state."""
    from cme_platform.audit.verify import verify_chain

    with scopes_disabled():
        totals = {
            r["tenant"]: r["count"]
            for r in await Account.select(Account.tenant, Count()).group_by(Account.tenant)
        }
        active = {
            r["tenant"]: r["count"]
            for r in await Account.select(Account.tenant, Count())
            .where(Account.active.eq(True))
            .group_by(Account.tenant)
        }
    summaries = []
    for tenant in await load_tenants():
        if tenant_id is not None and tenant.id != tenant_id:
            continue
        report = await verify_chain(tenant.id)
        summaries.append(
            TenantSummary(
                id=tenant.id,
                slug=tenant.slug,
                name=tenant.name,
                plugin=tenant.plugin,
                active=tenant.active,
                accounts=totals.get(tenant.id, 0),
                active_accounts=active.get(tenant.id, 0),
                chain_ok=report.ok,
                chain_records=report.records,
                chain_message=report.message,
            )
        )
    return summaries


async def view_tenant(operator: Operator, tenant_id: int) -> TenantView:
    """One tenant's accounts and recent audit records; recorded in the platform log and the tenant's log."""
    summary = next(iter(await tenant_overview(tenant_id)), None)
    tenant = next((t for t in await load_tenants() if t.id == tenant_id), None)
    if summary is None or tenant is None:
        raise NotFound("租户不存在")
    actor = operator_actor(operator)
    text = f"平台运维 {operator.username} 查看租户数据"
    await record_platform(
        "operator.view_tenant",
        tenant_id=tenant_id,
        object_type="tenant",
        object_id=tenant.slug,
        summary=text,
        actor=actor,
    )
    with scope(tenant):
        await record(
            "operator.view_tenant", object_type="tenant", object_id=tenant.slug, summary=text, actor=actor
        )
        accounts = (
            await Account.select(
                Account.username, Account.display_name, Account.active, Account.last_login_at
            )
            .order_by(Account.username)
            .limit(200)
        )
        events = (
            await AuditEvent.select(
                AuditEvent.seq,
                AuditEvent.at,
                AuditEvent.actor_kind,
                AuditEvent.actor_name,
                AuditEvent.action,
                AuditEvent.summary,
            )
            .order_by(AuditEvent.seq, ascending=False)
            .limit(20)
        )
    return TenantView(
        summary=summary,
        accounts=[msgspec.convert(a, TenantAccountRow, strict=False) for a in accounts],
        events=[msgspec.convert(e, TenantEventRow, strict=False) for e in events],
    )
