"""Demo data across tenants: 外省学分认可.

The demo learner (the same person, by ID number and name, in every demo tenant: someone who moved) has
the certificate of his granted project in each tenant. In every tenant he submits the certificate of the
next tenant in slug order (Jiangsu recognises Zhejiang's, Zhejiang Beijing's, Beijing Jiangsu's), and the
tenant's demo administrators approve it through its chain, so each tenant shows a recognised credit.
Loading again changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import pluggy

from cme_platform import pii
from cme_platform.approvals import engine
from cme_platform.approvals.kinds import CREDIT
from cme_platform.approvals.tables import ApprovalRequest
from cme_platform.certificates.recognition import recognise
from cme_platform.certificates.tables import Certificate, Recognition
from cme_platform.identity.principal import Principal, load_principal_by_id
from cme_platform.identity.tables import Account
from cme_platform.personnel.tables import Person
from cme_platform.tenancy.context import TenantContext
from cme_platform.tenancy.scope import scope

APPROVERS = {"institution_admin": "inst_admin", "commission_admin": "admin", "department_admin": "dept_admin"}
"""The demo account that decides a step waiting for each role."""


async def load_demo_recognitions(
    pm: pluggy.PluginManager, secret: str, tenants: Sequence[TenantContext], learner_id_number: str
) -> int:
    """In each active tenant, recognise the demo learner's certificate of the next tenant and approve
    it; returns how many were recognised now."""
    active = [t for t in tenants if t.active]
    done = 0
    for index, tenant in enumerate(active if len(active) > 1 else []):
        issuer = active[(index + 1) % len(active)]
        with scope(issuer):
            sealed = await _demo_seal(learner_id_number)
        if sealed is None:
            continue
        with scope(tenant):
            if await Recognition.exists().where(Recognition.issuer == issuer.slug):
                continue
            learner = await _person_principal(learner_id_number)
            if learner is None:
                continue

            async def no_file() -> int | None:
                return None

            submitted = await recognise(pm, secret, learner, sealed, keep_file=no_file)
            if submitted.credit_id is not None:
                await _approve(pm, submitted.credit_id)
            done += 1
    return done


async def _demo_seal(learner_id_number: str) -> str | None:
    """The seal of the demo learner's valid certificate in the active tenant, if he has one."""
    person = Person.select(Person.id).where(Person.id_hash == pii.lookup_hash(learner_id_number))
    row = await (
        Certificate.select(Certificate.seal)
        .where(Certificate.person.is_in(person) & (Certificate.status == "valid"))
        .order_by(Certificate.id)
        .first()
    )
    return str(row["seal"]) if row else None


async def _person_principal(learner_id_number: str) -> Principal | None:
    row = await (
        Person.select(Person.account)
        .where((Person.id_hash == pii.lookup_hash(learner_id_number)) & Person.account.is_not_null())
        .first()
    )
    return await load_principal_by_id(int(row["account"])) if row else None


async def _approve(pm: pluggy.PluginManager, credit_id: int) -> None:
    """Decide every step of the credit's request as the demo account of the role it waits for."""
    for _ in range(5):
        request = await (
            ApprovalRequest.select(ApprovalRequest.id, ApprovalRequest.waiting_role)
            .where(
                (ApprovalRequest.subject_type == CREDIT)
                & (ApprovalRequest.subject_id == credit_id)
                & (ApprovalRequest.status == engine.PENDING)
            )
            .first()
        )
        username = APPROVERS.get(request["waiting_role"]) if request else None
        account = (
            await Account.select(Account.id).where(Account.username == username).first() if username else None
        )
        reviewer = await load_principal_by_id(int(account["id"])) if account else None
        if request is None or reviewer is None:
            return
        await engine.decide(pm, reviewer, int(request["id"]), "approve", "")
