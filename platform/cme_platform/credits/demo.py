"""Demo credits: the self-entry right for every demo institution and a year of the demo learner's credits.

Only for provinces whose learners enter their own credits once granted (Zhejiang): the demo learner gets
three effective credits of this year, one waiting for review (his department first), one his department
returned for a clearer scan (he finds it on his home page and in his messages) and one draft, so the
portal's lists, totals, to-dos and the approvers' inboxes show something at once. A second load changes
nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pluggy

from cme_platform import clock, pii
from cme_platform.approvals.inbox import decide
from cme_platform.approvals.schemas import DecisionIn
from cme_platform.credits import ledger
from cme_platform.credits.disciplines import discipline_tree
from cme_platform.credits.policy import OTHER_CATEGORY, CreditCategory
from cme_platform.credits.queries import record_row
from cme_platform.credits.review import open_review
from cme_platform.credits.sources import CreditSource
from cme_platform.credits.tables import CreditEvidence, CreditRecord, SelfEntryGrant
from cme_platform.files.demo import demo_file
from cme_platform.identity.principal import load_principal_by_id
from cme_platform.identity.roles import Role
from cme_platform.identity.tables import RoleGrant
from cme_platform.personnel.tables import Person
from cme_platform.plugins.manager import tenant_hooks
from cme_platform.tenancy.context import TenantContext

_EFFECTIVE: tuple[tuple[int, str, str, int, int, str], ...] = (
    (0, "全国心血管疾病诊治进展学习班", "学术会议", 600, 1800, "中华医学会"),
    (1, "科室业务学习：心电图判读", "单位、科室组织的活动", 100, 200, ""),
    (1, "医学继续教育自学笔记", "个人活动", 200, 600, ""),
)
"""(category index, activity, 举办方式, credits, hours, issuer) of the effective demo credits."""


def _pick(categories: list[CreditCategory], index: int) -> tuple[str, str]:
    if not categories:
        return OTHER_CATEGORY, ""
    category = categories[min(index, len(categories) - 1)]
    return category.name, category.subcategories[0] if category.subcategories else ""


async def _open_grants(institution_ids: list[int]) -> None:
    for institution_id in institution_ids:
        exists = await SelfEntryGrant.exists().where(
            (SelfEntryGrant.institution == institution_id) & SelfEntryGrant.department.is_null()
        )
        if not exists:
            await SelfEntryGrant(institution=institution_id).save()


async def load_demo_credits(
    pm: pluggy.PluginManager, tenant: TenantContext, institution_ids: list[int], learner_id_number: str
) -> int:
    """Open self-entry for the demo institutions and enter the demo learner's credits; returns how many.

    Runs in the active scope of ``tenant``; does nothing where learners never enter their own credits,
    and enters no credits when the learner (ID number ``learner_id_number``) already has some.
    """
    if tenant_hooks(pm, tenant).cme_credit_entry_policy().learner_entry != "granted":
        return 0
    await _open_grants(institution_ids)
    person = (
        await Person.select(Person.id, Person.institution, Person.department, Person.account)
        .where(Person.id_hash == pii.lookup_hash(learner_id_number))
        .first()
    )
    if person is None or await CreditRecord.exists().where(CreditRecord.person == person["id"]):
        return 0
    principal = await load_principal_by_id(person["account"]) if person["account"] else None
    if principal is None:
        return 0
    today = clock.today()
    categories = tenant_hooks(pm, tenant).cme_credit_categories(year=today.year)
    start = date(today.year, 1, 1)

    disciplines = discipline_tree(tenant)
    discipline = next(iter(disciplines), "")
    subdiscipline = next(iter(disciplines.get(discipline, [])), "")

    async def post(key: str, posting: dict[str, Any], approved_on: date | None = None) -> int:
        category, subcategory = _pick(categories, posting.pop("index"))
        entry = ledger.Posting(
            person_id=person["id"],
            source=CreditSource.PERSONAL,
            entry_mode="free",
            category=category,
            subcategory=subcategory,
            discipline=discipline,
            subdiscipline=subdiscipline,
            idempotency_key=f"demo:{key}",
            **posting,
        )
        granted = approved_on is not None
        posted = await ledger.post(
            pm, principal, entry, granted=granted, entered_as="learner", approved_on=approved_on
        )
        return posted.record_id

    for number, (index, name, form, credits, hours, issuer) in enumerate(_EFFECTIVE):
        activity = max(start, today - timedelta(days=60 - number * 15))
        facts = {"index": index, "activity_date": activity, "activity_name": name, "form": form}
        await post(
            f"effective-{number}",
            {**facts, "credits": credits, "hours": hours, "issuer": issuer},
            approved_on=max(activity, min(activity + timedelta(days=2), today - timedelta(days=2))),
        )
    waiting = await post(
        "waiting",
        {
            "index": 1,
            "activity_date": max(start, today - timedelta(days=7)),
            "activity_name": "院内疑难病例讨论会",
            "form": "单位、科室组织的活动",
            "credits": 50,
            "hours": 200,
        },
    )
    scan = await demo_file(
        person["account"],
        purpose="evidence",
        name="学分证书（演示）.png",
        caption="CME credit certificate (demo scan)",
    )
    await CreditEvidence(record=waiting, file=scan).save()
    await post(
        "draft",
        {
            "index": 1,
            "activity_date": max(start, today - timedelta(days=2)),
            "activity_name": "社区慢病管理培训（待补充证明）",
            "form": "培训班",
            "credits": 100,
            "hours": 300,
        },
    )
    returned = await post(
        "returned",
        {
            "index": 1,
            "activity_date": max(start, today - timedelta(days=10)),
            "activity_name": "急危重症护理技能培训",
            "form": "培训班",
            "issuer": "浙江省护理学会",
            "credits": 100,
            "hours": 400,
        },
    )
    await CreditEvidence(record=returned, file=scan).save()
    for record_id in (waiting, returned):
        row = await record_row(record_id)
        if row is not None:
            await open_review(pm, principal, row, "learner")
    await _return_for_changes(pm, returned, person["department"])
    return len(_EFFECTIVE) + 3


async def _return_for_changes(pm: pluggy.PluginManager, record_id: int, department_id: int | None) -> None:
    """The learner's department administrator returns the record: the scan is not legible."""
    grant = await (
        RoleGrant.select(RoleGrant.account)
        .where((RoleGrant.role == Role.DEPARTMENT_ADMIN.value) & (RoleGrant.department == department_id))
        .first()
    )
    record = await CreditRecord.select(CreditRecord.approval).where(CreditRecord.id == record_id).first()
    reviewer = await load_principal_by_id(grant["account"]) if grant else None
    if reviewer is None or record is None or record["approval"] is None:
        return
    decision = DecisionIn(action="return", comment="证明照片不清晰，请重新拍摄后上传")
    await decide(pm, reviewer, record["approval"], decision)
