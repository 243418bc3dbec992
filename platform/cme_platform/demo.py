"""``cme demo``: load each tenant's small demo organisation and demo accounts, idempotently.

The organisation comes from the tenant's plugin (``cme_demo_organisation``); the accounts are the same
in every tenant, one for every role. All use :data:`DEMO_PASSWORD` except the learner, whose username
is an ID number (:data:`DEMO_LEARNER_ID`) and whose password is the seeds' default (its last six
characters) that must be changed at the first sign-in. Existing rows are kept as they are (a second
run changes nothing, and a changed password stays changed).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

import msgspec
import pluggy

from cme_platform.credits.demo import load_demo_credits
from cme_platform.db.transactions import write_transaction
from cme_platform.identity.password_policy import default_password
from cme_platform.identity.passwords import hash_password
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import Account, RoleGrant
from cme_platform.orgs.tables import Department, Institution, Region
from cme_platform.personnel.demo import ensure_demo_learner, load_demo_people
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.projects.demo import load_demo_projects
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.scope import scope

DEMO_PASSWORD = "Demo@2026"
DEMO_LEARNER_ID = "110105199003071239"
"""The demo learner's sign-in name: a well-formed ID number (GB 11643 check character) of nobody real.

The learner is a registered person (with demo colleagues in every institution); the account's stored
username is the person number, and the ID number signs in through the person's keyed hash."""


class DemoLogin(msgspec.Struct, frozen=True):
    """A demo account to print: who signs in with what, in which role."""

    username: str
    password: str
    role: Role
    scope: str
    phone: str


async def _get_or_create(table: type, where: object, **values: object) -> int:
    row = await table.select(table.id).where(where).first()  # type: ignore[attr-defined]
    if row is not None:
        return int(row["id"])
    instance = table(**values)
    await instance.save()
    return int(instance.id)


def demo_phone(role: Role) -> str:
    """The demo account's mobile number for SMS-code sign-in (the console gateway logs the codes)."""
    return f"1390000{list(Role).index(role) + 1:04d}"


def demo_password(role: Role, username: str) -> str:
    """The first password of a demo account: the default password for the learner, else the demo one."""
    return default_password(username) if role is Role.LEARNER else DEMO_PASSWORD


async def _demo_account(username: str, display_name: str, grant: Mapping[str, int], role: Role) -> None:
    account_id = await _get_or_create(
        Account,
        Account.username == username,
        username=username,
        display_name=display_name,
        password_hash=hash_password(demo_password(role, username)),
        must_change_password=role is Role.LEARNER,
        phone=demo_phone(role),
    )
    if not await RoleGrant.exists().where((RoleGrant.account == account_id) & (RoleGrant.role == role.value)):
        await RoleGrant(account=account_id, role=role.value, **grant).save()  # type: ignore[arg-type]


def _demo_logins(
    tenant: TenantContext, first: dict[str, tuple[int, str]]
) -> list[tuple[str, str, Role, dict[str, int], str]]:
    """One account per role, bound to the first region, institution and department, in role order."""
    logins: list[tuple[str, str, Role, dict[str, int], str]] = [
        ("admin", "继教委管理员", Role.COMMISSION_ADMIN, {}, tenant.name),
        ("audit_expert", "审验专家（演示）", Role.AUDIT_EXPERT, {}, tenant.name),
    ]
    if "region" in first:
        region_id, region_name = first["region"]
        grant = {"region": region_id}
        logins.append(("region_admin", f"{region_name}管理员", Role.REGION_ADMIN, grant, region_name))
    if "institution" in first:
        inst_id, inst_name = first["institution"]
        grant = {"institution": inst_id}
        logins.append(("inst_admin", f"{inst_name}科教部门", Role.INSTITUTION_ADMIN, grant, inst_name))
        logins.append(("project_owner", f"{inst_name}立项用户", Role.PROJECT_OWNER, grant, inst_name))
        logins.append(("onsite_manager", f"{inst_name}会场负责人", Role.ONSITE_MANAGER, grant, inst_name))
        if "department" in first:
            dept_id, dept_name = first["department"]
            grant = {"institution": inst_id, "department": dept_id}
            logins.append(("dept_admin", f"{dept_name}科室账户", Role.DEPARTMENT_ADMIN, grant, dept_name))
            logins.append((DEMO_LEARNER_ID, "张学员（演示）", Role.LEARNER, grant, dept_name))
    order = list(Role)
    return sorted(logins, key=lambda login: order.index(login[2]))


async def load_demo(pm: pluggy.PluginManager, tenant: TenantContext) -> list[DemoLogin]:
    """Load ``tenant``'s demo organisation and accounts; returns the demo logins."""
    organisation = tenant_hooks(pm, tenant).cme_demo_organisation()
    if organisation is None or not organisation.regions:
        return []
    with scope(tenant):
        async with write_transaction(Region):
            first: dict[str, tuple[int, str]] = {}
            places: list[tuple[int, list[int]]] = []
            for region in organisation.regions:
                region_id = await _get_or_create(
                    Region, Region.code == region.code, code=region.code, name=region.name, kind=region.kind
                )
                first.setdefault("region", (region_id, region.name))
                for inst in region.institutions:
                    inst_id = await _get_or_create(
                        Institution,
                        Institution.code == inst.code,
                        code=inst.code,
                        name=inst.name,
                        region=region_id,
                        level=inst.level,
                        category=inst.category,
                        staff_count=inst.staff_count,
                    )
                    first.setdefault("institution", (inst_id, inst.name))
                    places.append((inst_id, []))
                    for name in inst.departments:
                        dept_id = await _get_or_create(
                            Department,
                            (Department.institution == inst_id) & (Department.name == name),
                            institution=inst_id,
                            name=name,
                        )
                        places[-1][1].append(dept_id)
                        if first["institution"][0] == inst_id:
                            first.setdefault("department", (dept_id, f"{inst.name} {name}"))
            await load_demo_people(places)
            logins = _demo_logins(tenant, first)
            for username, display_name, role, grant, _ in logins:
                if role is Role.LEARNER:
                    await ensure_demo_learner(
                        username, display_name, demo_phone(role), grant["institution"], grant["department"]
                    )
                else:
                    await _demo_account(username, display_name, grant, role)
            await load_demo_credits(pm, tenant, [place[0] for place in places], DEMO_LEARNER_ID)
            await load_demo_projects(pm, DEMO_LEARNER_ID)
            for loaded in tenant_hooks(pm, tenant).cme_demo_data():
                if inspect.isawaitable(loaded):
                    await loaded
    return [
        DemoLogin(username, demo_password(role, username), role, where, demo_phone(role))
        for username, _, role, _, where in logins
    ]
