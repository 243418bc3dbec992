"""Beijing's demo records: the first demo institution's activity plans, one of each state, and a grant
of its filed teaching rounds to three of its people (按标准授分).

A yearly plan passed by the district (its 主管部门), a quarterly one waiting in the district
administrator's inbox, and a monthly draft not yet submitted. Loaded once: a second ``cme demo`` finds the
plans and the grant (by its key) and adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from cme_platform import clock
from cme_platform.approvals import engine
from cme_platform.credits import standard_grants
from cme_platform.credits.schemas import GuidedInputs
from cme_platform.credits.tables import StandardGrant
from cme_platform.files.demo import demo_file
from cme_platform.identity.principal import Principal, load_principal_by_id
from cme_platform.identity.tables import Account
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.tables import Person
from cme_platform.plugins.manager import active_plugin_manager

from cme_beijing.activity_plans import FILE_PURPOSE
from cme_beijing.activity_plans.service import PlanIn, create_plan, filed_plans, this_year
from cme_beijing.activity_plans.tables import ActivityPlan

PLANS: tuple[tuple[str, str, str, str], ...] = (
    ("年度计划", "学术讲座", "全院继续医学教育年度教学活动计划", "passed"),
    ("季度计划", "病例讨论", "第二季度疑难病例讨论计划", "waiting"),
    ("月度计划", "教学查房", "内科月度教学查房计划", "draft"),
)
"""(计划类型, 活动形式, 计划名称, state) of the demo plans."""


async def _principal(username: str) -> Principal | None:
    row = await Account.select(Account.id).where(Account.username == username).first()
    return await load_principal_by_id(row["id"]) if row else None


async def load_demo_plans() -> None:
    """Upload the demo plans as the demo institution's administrator and let the district pass one."""
    institution = await _principal("inst_admin")
    district = await _principal("region_admin")
    if institution is None or district is None or await ActivityPlan.exists():
        return
    pm = active_plugin_manager()
    for plan_type, form, name, state in PLANS:
        file_id = await demo_file(
            institution.account_id,
            purpose=FILE_PURPOSE,
            name=f"{name}.png",
            caption="CME activity plan (demo)",
        )
        plan = await create_plan(
            pm,
            institution,
            PlanIn(
                name=name,
                plan_type=plan_type,
                activity_form=form,
                year=this_year(),
                file_id=file_id,
                note="演示数据",
                submit=state != "draft",
            ),
        )
        if state == "passed" and plan.approval_id is not None:
            await engine.decide(pm, district, plan.approval_id, "approve", "同意备案")


GRANT_KEY = "demo-practice-grant"


async def load_demo_grant() -> None:
    """Grant 继续医学教育实践活动 (6 hours: 1 credit) to three people of the demo institution, as its
    administrator does through the wizard, under its passed yearly plan with the activity notice attached
    (once, by its key)."""
    institution = await _principal("inst_admin")
    if institution is None:
        return
    where = PersonAccess.of(institution).person_filter()
    query = Person.select(Person.id).where(Person.status == "正常").order_by(Person.person_number).limit(3)
    people = [int(r["id"]) for r in await (query.where(where) if where is not None else query)]
    today = clock.today()
    plans = await filed_plans(institution, today.year)
    if not people or not plans.choices or await StandardGrant.exists().where(StandardGrant.key == GRANT_KEY):
        return
    day = max(today - timedelta(days=7), date(today.year, 1, 1))  # in the year of the plan it names
    notice = await demo_file(
        institution.account_id,
        purpose="evidence",
        name="教学查房通知.png",
        caption="CME teaching rounds (demo)",
    )
    await standard_grants.grant(
        active_plugin_manager(),
        institution,
        standard_grants.StandardGrantIn(
            standard_code="bj-19",
            person_ids=people,
            activity_name="内科教学查房（演示）",
            activity_date=day,
            started_on=day,
            ended_on=day,
            form="有组织的继续医学教育实践活动",
            discipline="临床内科学",
            subdiscipline="心血管病学",
            content="按备案的年度教学活动计划开展的心血管内科教学查房",
            inputs=GuidedInputs(hours=Decimal(6), days=1),
            evidence_ids=[notice],
            basis_id=plans.choices[-1].id,  # the oldest passed plan of the year: the demo's yearly plan
            key=GRANT_KEY,
        ),
    )
