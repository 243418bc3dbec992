"""Account administration: list, create, edit, (de)activate, reset passwords, grant and revoke roles.

Every function works in the active tenant and takes the caller's :class:`AccountScope`; the scope rules
(see :mod:`cme_platform.identity.account_scope`) are enforced here, below the API and the pages.
Accounts outside the caller's reach, and org units of other tenants, are reported as not found.
Every change is audited in its own transaction, with before/after values (never password hashes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from cme_platform.audit.service import record
from cme_platform.db.errors import is_unique_violation
from cme_platform.db.paging import and_all, contains
from cme_platform.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from cme_platform.identity import account_schemas as s
from cme_platform.identity.account_scope import UNIT_OF_ROLE, AccountScope, PlacedGrant
from cme_platform.identity.id_number import is_id_number
from cme_platform.identity.password_policy import default_password
from cme_platform.identity.passwords import hash_password
from cme_platform.identity.roles import Role
from cme_platform.identity.setup_links import issue_setup_link
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.orgs.tables import Department, Institution, Region

T = TypeVar("T")

DEFAULT_PASSWORD_NOTICE = "初始密码为身份证号后六位（字母 X 大写），首次登录后须修改密码。"
LINK_NOTICE = "请把一次性链接发给账户本人：72 小时内有效，只能使用一次，本页关闭后无法再次查看。"
_USERNAME_TAKEN = FieldError("username", "该用户名已被使用")
_NOT_FOUND = "账户不存在"
_MODE_LABELS = {"default": "默认密码", "link": "一次性链接"}

_GRANT_COLUMNS = (
    RoleGrant.id,
    RoleGrant.account,
    RoleGrant.role,
    RoleGrant.region,
    RoleGrant.institution,
    RoleGrant.department,
    RoleGrant.region.name.as_alias("region_name"),
    RoleGrant.institution.name.as_alias("institution_name"),
    RoleGrant.institution.region.as_alias("unit_region"),
    RoleGrant.department.name.as_alias("department_name"),
)
_ACCOUNT_COLUMNS = (
    Account.id,
    Account.username,
    Account.display_name,
    Account.phone,
    Account.email,
    Account.active,
    Account.must_change_password,
    Account.created_at,
    Account.last_login_at,
)


# -- reading ------------------------------------------------------------------------------------------


def _placed(row: dict[str, Any]) -> PlacedGrant:
    return PlacedGrant(
        role=Role(row["role"]),
        region_id=row["region"],
        institution_id=row["institution"],
        department_id=row["department"],
        unit_region_id=row["unit_region"],
    )


def _unit_name(row: dict[str, Any]) -> str:
    if row["department"]:
        return f"{row['institution_name']} {row['department_name']}"
    return row["institution_name"] or row["region_name"] or "全省（租户）"


def _grant_out(row: dict[str, Any]) -> s.GrantOut:
    role = Role(row["role"])
    return s.GrantOut(
        id=row["id"],
        role=role,
        role_label=role.label,
        region_id=row["region"],
        institution_id=row["institution"],
        department_id=row["department"],
        unit_name=_unit_name(row),
    )


async def _grant_rows(account_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    rows = await RoleGrant.select(*_GRANT_COLUMNS).where(RoleGrant.account.is_in(account_ids or [0]))
    by_account: dict[int, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        if row["role"] in Role._value2member_map_:
            by_account.setdefault(row["account"], []).append(row)
    return by_account


async def account_roles(account_id: int) -> list[s.GrantOut]:
    """The roles ``account_id`` holds, with their org units' names (for the home page)."""
    return [_grant_out(g) for g in (await _grant_rows([account_id])).get(account_id, [])]


def _account_out(row: dict[str, Any], grants: list[dict[str, Any]]) -> s.AccountOut:
    return s.AccountOut(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        phone=row["phone"],
        email=row["email"],
        active=bool(row["active"]),
        must_change_password=bool(row["must_change_password"]),
        created_at=row["created_at"],
        last_login_at=row["last_login_at"],
        roles=[_grant_out(g) for g in grants],
    )


def _visible(scope: AccountScope) -> Any:
    grants = scope.visible_grants()
    if grants is None:
        return None
    return Account.id.is_in(RoleGrant.select(RoleGrant.account).where(grants))


async def list_accounts(
    scope: AccountScope,
    *,
    q: str | None = None,
    role: Role | None = None,
    region_id: int | None = None,
    institution_id: int | None = None,
    department_id: int | None = None,
    active: bool | None = None,
    page: int = 1,
    page_size: int = 50,
) -> s.AccountPage:
    """Accounts the caller reaches, filtered by keyword, role, org unit and status, by username."""
    grant_filter = and_all(
        (RoleGrant.role == role.value) if role else None,
        ((RoleGrant.region == region_id) | (RoleGrant.institution.region == region_id))
        if region_id
        else None,
        (RoleGrant.institution == institution_id) if institution_id else None,
        (RoleGrant.department == department_id) if department_id else None,
    )
    where = and_all(
        _visible(scope),
        Account.id.is_in(RoleGrant.select(RoleGrant.account).where(grant_filter)) if grant_filter else None,
        (contains(Account.username, q) | contains(Account.display_name, q) | contains(Account.phone, q))
        if q
        else None,
        (Account.active == active) if active is not None else None,
    )
    query = Account.select(*_ACCOUNT_COLUMNS).order_by(Account.username)
    count = Account.count()
    if where is not None:
        query, count = query.where(where), count.where(where)
    rows = await query.limit(page_size).offset((page - 1) * page_size)
    grants = await _grant_rows([r["id"] for r in rows])
    items = [_account_out(r, grants.get(r["id"], [])) for r in rows]
    return s.AccountPage(items=items, total=await count, page=page, page_size=page_size)


async def _load(scope: AccountScope, account_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    row = (
        await Account.select(*_ACCOUNT_COLUMNS)
        .where(and_all(Account.id == account_id, _visible(scope)))
        .first()
    )
    if row is None:
        raise NotFound(_NOT_FOUND)
    return row, (await _grant_rows([account_id])).get(account_id, [])


async def get_account(scope: AccountScope, account_id: int) -> s.AccountOut:
    """One account the caller reaches, with its roles."""
    return _account_out(*await _load(scope, account_id))


async def _manageable(scope: AccountScope, account_id: int) -> s.AccountOut:
    """The account, when the caller may change it (404 outside his reach, 403 when it holds more)."""
    row, grants = await _load(scope, account_id)
    if not scope.may_manage([_placed(g) for g in grants]):
        raise Forbidden("该账户拥有超出您管理范围的角色，不能修改")
    return _account_out(row, grants)


def _snapshot(account: s.AccountOut) -> dict[str, Any]:
    data = msgspec.to_builtins(account)
    data.pop("created_at", None)
    data.pop("last_login_at", None)
    data["roles"] = [f"{g.role.value}@{g.unit_name}" for g in account.roles]
    return data


# -- role grants --------------------------------------------------------------------------------------


async def place_grant(data: s.GrantIn) -> PlacedGrant:
    """Check that ``data`` names the unit its role needs, and resolve the unit (404 for unknown units)."""
    kind = UNIT_OF_ROLE[data.role]
    given = {
        k: v
        for k, v in (
            ("region_id", data.region_id),
            ("institution_id", data.institution_id),
            ("department_id", data.department_id),
        )
        if v is not None
    }
    if kind == "none":
        if given:
            raise InvalidInput(f"{data.role.label}面向全省，不绑定区域、单位或科室", _unit_errors(given))
        return PlacedGrant(role=data.role)
    wanted = {
        "region": ("region_id",),
        "institution": ("institution_id",),
        "department": ("department_id",),
        "institution_or_department": ("institution_id", "department_id"),
    }[kind]
    if "department_id" in given and "department_id" in wanted:
        # A department may come with its institution (checked to match below).
        unit: str | None = "department_id"
        extra = set(given) - {"department_id", "institution_id"}
    else:
        unit = next((k for k in wanted if k in given), None)
        extra = set(given) - {unit}
    if unit is None or extra:
        label = {"region_id": "区域", "institution_id": "单位", "department_id": "科室"}
        choices = "或".join(label[k] for k in wanted)
        raise InvalidInput(
            f"{data.role.label}须指定一个{choices}", [FieldError(wanted[0], f"请选择{choices}")]
        )
    if unit == "region_id":
        if not await Region.exists().where(Region.id == given[unit]):
            raise NotFound("区域不存在", [FieldError("region_id", "区域不存在")])
        return PlacedGrant(role=data.role, region_id=given[unit])
    if unit == "institution_id":
        inst = (
            await Institution.select(Institution.id, Institution.region)
            .where(Institution.id == given[unit])
            .first()
        )
        if inst is None:
            raise NotFound("单位不存在", [FieldError("institution_id", "单位不存在")])
        return PlacedGrant(role=data.role, institution_id=inst["id"], unit_region_id=inst["region"])
    dept = (
        await Department.select(
            Department.id, Department.institution, Department.institution.region.as_alias("region")
        )
        .where(Department.id == given[unit])
        .first()
    )
    if dept is None or given.get("institution_id", dept["institution"]) != dept["institution"]:
        raise NotFound("科室不存在", [FieldError("department_id", "科室不存在")])
    return PlacedGrant(
        role=data.role,
        institution_id=dept["institution"],
        department_id=dept["id"],
        unit_region_id=dept["region"],
    )


def _unit_errors(given: dict[str, int]) -> list[FieldError]:
    return [FieldError(k, "此角色不需要指定") for k in given]


async def _checked_grants(scope: AccountScope, wanted: list[s.GrantIn]) -> list[PlacedGrant]:
    placed: list[PlacedGrant] = []
    for data in wanted:
        grant = await place_grant(data)
        if not scope.may_grant(grant):
            raise Forbidden(f"没有权限授予该范围的“{grant.role.label}”角色")
        if grant in placed:
            raise InvalidInput("角色重复", [FieldError("roles", "同一角色和范围只能授予一次")])
        placed.append(grant)
    return placed


async def _insert_grant(account_id: int, grant: PlacedGrant) -> int:
    row = RoleGrant(
        account=account_id,
        role=grant.role.value,
        region=grant.region_id,
        institution=grant.institution_id,
        department=grant.department_id,
    )
    await row.save()
    return int(row.id)


# -- writing ------------------------------------------------------------------------------------------


async def _write(action: Callable[[], Awaitable[T]]) -> T:
    """Run a write in a transaction; a duplicate username becomes a 409."""
    try:
        async with Account._meta.db.transaction():
            return await action()
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict("该用户名已被使用，请换一个", [_USERNAME_TAKEN]) from exc
        raise


async def _issue_credential(scope: AccountScope, account_id: int, username: str, mode: str) -> s.Credential:
    """Set the account's first (or reset) password per ``mode``; call inside the write's transaction."""
    if mode == "default":
        await Account.update(
            {
                Account.password_hash: hash_password(default_password(username)),
                Account.must_change_password: True,
                Account.password_changed_at: None,
            }
        ).where(Account.id == account_id)
        return s.Credential(password_mode=mode, notice=DEFAULT_PASSWORD_NOTICE)
    await Account.update({Account.password_hash: "", Account.must_change_password: False}).where(
        Account.id == account_id
    )
    link = await issue_setup_link(account_id, created_by=scope.account_id)
    return s.Credential(
        password_mode=mode, notice=LINK_NOTICE, setup_path=link.path, expires_at=link.expires_at
    )


def _check_mode(username: str, mode: str) -> None:
    if mode == "default" and not is_id_number(username):
        raise InvalidInput(
            "只有用户名为 18 位身份证号的账户才能使用默认密码",
            [FieldError("password_mode", "用户名不是有效的身份证号，请选择“一次性设置链接”")],
        )


async def create_account(scope: AccountScope, data: s.AccountIn) -> s.AccountCreated:
    """Create an account with its roles and first password (default password or one-time link)."""
    username = data.username.strip()
    if is_id_number(username):
        username = username.upper()
    _check_mode(username, data.password_mode)
    display_name = _clean_name(data.display_name)
    grants = await _checked_grants(scope, data.roles)
    if await Account.exists().where(Account.username == username):
        raise Conflict("该用户名已被使用，请换一个", [_USERNAME_TAKEN])

    async def insert() -> tuple[int, s.Credential]:
        account = Account(
            username=username,
            display_name=display_name,
            phone=data.phone or None,
            email=data.email or None,
        )
        await account.save()
        account_id = int(account.id)
        for grant in grants:
            await _insert_grant(account_id, grant)
        credential = await _issue_credential(scope, account_id, username, data.password_mode)
        created = await get_account(AccountScope(account_id=scope.account_id, tenant_wide=True), account_id)
        await record(
            "identity.account.create",
            object_type="account",
            object_id=account_id,
            summary=f"创建账户 {username}（{display_name}）",
            after={**_snapshot(created), "password_mode": data.password_mode},
        )
        return account_id, credential

    account_id, credential = await _write(insert)
    return s.AccountCreated(account=await get_account(scope, account_id), credential=credential)


def _clean_name(name: str) -> str:
    if not name.strip():
        raise InvalidInput("姓名不能为空", [FieldError("display_name", "姓名不能为空")])
    return name.strip()


def _not_self(scope: AccountScope, account_id: int, what: str) -> None:
    if account_id == scope.account_id:
        raise Forbidden(f"不能{what}自己的账户，请联系上级管理员")


async def update_account(scope: AccountScope, account_id: int, patch: s.AccountPatch) -> s.AccountOut:
    """Edit the profile fields or (de)activate an account the caller manages."""
    current = await _manageable(scope, account_id)
    changes = {
        f: (v or None) if f in ("phone", "email") else v
        for f in patch.__struct_fields__
        if (v := getattr(patch, f)) is not msgspec.UNSET
    }
    name = changes.get("display_name")
    if isinstance(name, str):
        changes["display_name"] = _clean_name(name)
    changes = {k: v for k, v in changes.items() if getattr(current, k) != v}
    if not changes:
        return current
    if "active" in changes:
        _not_self(scope, account_id, "停用或启用")
    before = {k: getattr(current, k) for k in changes}

    async def update() -> None:
        await Account.update(changes).where(Account.id == account_id)
        profile = {k: v for k, v in changes.items() if k != "active"}
        if profile:
            await record(
                "identity.account.update",
                object_type="account",
                object_id=account_id,
                summary=f"修改账户 {current.username} 的资料",
                before={k: before[k] for k in profile},
                after=profile,
            )
        if "active" in changes:
            verb = "activate" if changes["active"] else "deactivate"
            await record(
                f"identity.account.{verb}",
                object_type="account",
                object_id=account_id,
                summary=f"{'启用' if changes['active'] else '停用'}账户 {current.username}",
                before={"active": before["active"]},
                after={"active": changes["active"]},
            )

    await _write(update)
    return await get_account(scope, account_id)


async def reset_password(scope: AccountScope, account_id: int, mode: str) -> s.AccountCreated:
    """Reset the password of an account the caller manages, to the default password or by a new link."""
    current = await _manageable(scope, account_id)
    _not_self(scope, account_id, "重置")
    _check_mode(current.username, mode)

    async def reset() -> s.Credential:
        credential = await _issue_credential(scope, account_id, current.username, mode)
        await record(
            "identity.account.reset_password",
            object_type="account",
            object_id=account_id,
            summary=f"重置账户 {current.username} 的密码（{_MODE_LABELS[mode]}）",
            after={"password_mode": mode},
        )
        return credential

    credential = await _write(reset)
    return s.AccountCreated(account=await get_account(scope, account_id), credential=credential)


async def grant_role(scope: AccountScope, account_id: int, data: s.GrantIn) -> s.AccountOut:
    """Give an account the caller manages one more role within the caller's units."""
    current = await _manageable(scope, account_id)
    _not_self(scope, account_id, "修改")
    (grant,) = await _checked_grants(scope, [data])
    held = [_placed(g) for g in (await _grant_rows([account_id])).get(account_id, [])]
    if grant in held:
        raise Conflict("该账户已拥有这个角色", [FieldError("role", "该账户已拥有这个角色")])

    async def insert() -> None:
        grant_id = await _insert_grant(account_id, grant)
        (row,) = await RoleGrant.select(*_GRANT_COLUMNS).where(RoleGrant.id == grant_id)
        await record(
            "identity.role.grant",
            object_type="account",
            object_id=account_id,
            summary=f"授予 {current.username} 角色：{grant.role.label}（{_unit_name(row)}）",
            after=msgspec.to_builtins(_grant_out(row)),
        )

    await _write(insert)
    return await get_account(scope, account_id)


async def revoke_role(scope: AccountScope, account_id: int, grant_id: int) -> s.AccountOut:
    """Take one role from an account the caller manages (an account keeps at least one role)."""
    current = await _manageable(scope, account_id)
    _not_self(scope, account_id, "修改")
    grant = next((g for g in current.roles if g.id == grant_id), None)
    if grant is None:
        raise NotFound("该账户没有这个角色")
    if len(current.roles) == 1:
        raise InvalidInput("账户至少保留一个角色；不再使用的账户请停用")

    async def delete() -> None:
        await RoleGrant.delete().where((RoleGrant.id == grant_id) & (RoleGrant.account == account_id))
        await record(
            "identity.role.revoke",
            object_type="account",
            object_id=account_id,
            summary=f"收回 {current.username} 的角色：{grant.role_label}（{grant.unit_name}）",
            before=msgspec.to_builtins(grant),
        )

    await _write(delete)
    return await get_account(scope, account_id)
