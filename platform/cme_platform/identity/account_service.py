""" "My account": the signed-in person reads their profile, edits phone and e-mail, changes the password.

Runs inside the active tenant scope; every write is audited in its own transaction.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import msgspec

from cme_platform.audit.service import record
from cme_platform.audit.tables import AuditEvent
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity import profile_schemas as s
from cme_platform.identity.password_login import password_matches
from cme_platform.identity.password_policy import strength_problems
from cme_platform.identity.passwords import hash_password
from cme_platform.identity.principal import Grant, Principal
from cme_platform.identity.tables import Account
from cme_platform.orgs.tables import Department, Institution, Region
from cme_platform.tenancy.scope import current_tenant

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
RECENT_SIGN_INS = 10
METHOD_LABELS = {"password": "密码", "sms": "短信验证码", "sso": "统一身份认证", "setup_link": "设置链接"}
SSO_ONLY_PASSWORD = "本单位使用统一身份认证登录，不能在此修改密码"


def password_change_allowed() -> bool:
    """False for tenants that sign in through single sign-on only (no local passwords)."""
    return not current_tenant().auth.get("sso_only")


async def _account(account_id: int) -> Account:
    account = await Account.objects().where(Account.id == account_id).first()
    if account is None:
        raise NotFound("账户不存在")
    return account


async def _unit_label(grant: Grant) -> str:
    """The org unit a grant covers, e.g. ``某医院 / 内科`` (the tenant's name for tenant-wide roles)."""
    parts: list[str] = []
    if grant.institution_id is not None:
        row = await Institution.select(Institution.name).where(Institution.id == grant.institution_id).first()
        parts.append(row["name"] if row else "")
    elif grant.region_id is not None:
        row = await Region.select(Region.name).where(Region.id == grant.region_id).first()
        parts.append(row["name"] if row else "")
    if grant.department_id is not None:
        row = await Department.select(Department.name).where(Department.id == grant.department_id).first()
        parts.append(row["name"] if row else "")
    return " / ".join(p for p in parts if p) or current_tenant().name


async def recent_sign_ins(account_id: int, limit: int = RECENT_SIGN_INS) -> list[s.SignIn]:
    """The account's latest successful sign-ins, newest first (from the audit log)."""
    rows = (
        await AuditEvent.select(AuditEvent.at, AuditEvent.ip, AuditEvent.after)
        .where((AuditEvent.account_id == account_id) & (AuditEvent.action == "auth.login"))
        .order_by(AuditEvent.seq, ascending=False)
        .limit(limit)
    )
    result = []
    for row in rows:
        after = json.loads(row["after"]) if isinstance(row["after"], str) else (row["after"] or {})
        method = str(after.get("method", "")) if isinstance(after, dict) else ""
        result.append(s.SignIn(at=row["at"], method=METHOD_LABELS.get(method, method), ip=row["ip"]))
    return result


async def profile(principal: Principal) -> s.ProfileOut:
    """The signed-in account's profile: contact details, roles with org units, recent sign-ins."""
    account = await _account(principal.account_id)
    roles = [
        s.RoleHeld(role=str(g.role), label=g.role.label, unit=await _unit_label(g)) for g in principal.grants
    ]
    return s.ProfileOut(
        id=int(account.id),
        username=account.username,
        display_name=account.display_name,
        phone=account.phone,
        email=account.email,
        roles=roles,
        must_change_password=bool(account.must_change_password),
        password_changed_at=account.password_changed_at,
        last_login_at=account.last_login_at,
        recent_sign_ins=await recent_sign_ins(int(account.id)),
    )


def _clean_contact(patch: s.ProfilePatch) -> dict[str, str | None]:
    """The patch's changes, trimmed and validated (empty means cleared); raises :class:`InvalidInput`."""
    changes: dict[str, str | None] = {}
    errors: list[FieldError] = []
    for field, pattern, message in (
        ("phone", PHONE_RE, "请输入 11 位中国大陆手机号"),
        ("email", EMAIL_RE, "请输入有效的电子邮箱地址"),
    ):
        value = getattr(patch, field)
        if value is msgspec.UNSET:
            continue
        text = (value or "").strip()
        if text and (len(text) > 254 or not pattern.match(text)):
            errors.append(FieldError(field, message))
        changes[field] = text or None
    if errors:
        raise InvalidInput("请检查标注的字段", errors)
    return changes


async def update_contact(account_id: int, patch: s.ProfilePatch) -> None:
    """Change the account's own phone and/or e-mail (a phone may belong to one account of the tenant)."""
    changes = _clean_contact(patch)
    account = await _account(account_id)
    before = {field: getattr(account, field) for field in changes}
    if not changes or before == changes:
        return
    phone = changes.get("phone")
    if phone and await Account.exists().where((Account.phone == phone) & (Account.id != account_id)):
        raise Conflict("该手机号已被其他账户使用", [FieldError("phone", "该手机号已被其他账户使用")])
    async with Account._meta.db.transaction():
        await Account.update({getattr(Account, f): v for f, v in changes.items()}).where(
            Account.id == account_id
        )
        await record(
            "identity.account.update",
            object_type="account",
            object_id=account_id,
            summary="修改本人联系方式",
            before=before,
            after=changes,
        )


async def change_password(account_id: int, change: s.PasswordChange) -> None:
    """Check the current password, the strength rule and the confirmation; store the new password.

    Clears ``must_change_password``, sets ``password_changed_at`` and records ``auth.password_changed``.
    """
    if not password_change_allowed():
        raise Forbidden(SSO_ONLY_PASSWORD)
    account = await _account(account_id)
    errors: list[FieldError] = []
    if not await password_matches(account, change.current_password):
        errors.append(FieldError("current_password", "当前密码不正确"))
    problems = strength_problems(
        change.new_password, username=account.username, old_password=change.current_password
    )
    if problems:
        errors.append(FieldError("new_password", "；".join(problems)))
    if change.new_password != change.confirm_password:
        errors.append(FieldError("confirm_password", "两次输入的新密码不一致"))
    if errors:
        raise InvalidInput("密码未修改，请检查标注的字段", errors)
    now = datetime.now(UTC)
    values: dict[Any, Any] = {
        Account.password_hash: hash_password(change.new_password),
        Account.must_change_password: False,
        Account.password_changed_at: now,
    }
    async with Account._meta.db.transaction():
        await Account.update(values).where(Account.id == account_id)
        await record(
            "auth.password_changed",
            object_type="account",
            object_id=account_id,
            summary="修改本人密码",
            after={"forced": bool(account.must_change_password)},
        )
