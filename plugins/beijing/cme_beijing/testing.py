"""What Beijing gives the platform's test kit: a row factory of each of its tables (isolation check)."""

from __future__ import annotations

from cme_platform.testkit.isolation import row_factory
from cme_platform.testkit.world import OrgWorld, stored_file

from cme_beijing.activity_plans import FILE_PURPOSE
from cme_beijing.activity_plans.tables import ActivityPlan


@row_factory(ActivityPlan)
async def activity_plans(world: OrgWorld) -> list[int]:
    """A submitted plan of the world's first institution, with its file."""
    file_id = await stored_file(world, "institution", FILE_PURPOSE, "计划.pdf")
    plan = ActivityPlan(
        institution=world.institution_id,
        year=2026,
        name="隔离测试计划",
        plan_type="年度计划",
        activity_form="学术讲座",
        file=file_id,
        status="submitted",
        created_by=world.accounts["institution"],
    )
    await plan.save()
    return [int(plan.id)]
