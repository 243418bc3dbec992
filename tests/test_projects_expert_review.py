"""专家评审 of declarations, in a Zhejiang tenant: once the institution has checked a declaration, the
commission assigns 审验专家 to it; each expert is told, reads the declaration, and gives a score, an
opinion and a comment, which he may change until the commission decides; the commission reads them on the
declaration and in its inbox, then publishes. A declaration returned and submitted again is reviewed anew.
Non-experts, other experts' reviews, scores out of range, assignments at the wrong step and reviews after
the decision are refused in Chinese and store nothing."""

from __future__ import annotations

from typing import Any

import pytest
from api_kit import field_messages, ok, refused
from cme_platform.audit.tables import AuditEvent
from cme_platform.identity.roles import Role
from cme_platform.projects.tables import ExpertReview
from cme_platform.tenancy.scope import scope
from cme_platform.testkit.world import OrgWorld
from test_projects_declaration import ZJ, decide, declare, get_project, submit, waiting
from test_projects_declaration import zj as zj


@pytest.fixture
async def experts(zj: OrgWorld, account_factory: Any) -> OrgWorld:
    """The Zhejiang world with two 审验专家, ``expert1`` and ``expert2``."""
    for name in ("expert1", "expert2"):
        zj.accounts[name] = await account_factory(zj.tenant, name, [(Role.AUDIT_EXPERT, {})])
    return zj


async def at_commission(client: Any, login: Any, world: OrgWorld) -> int:
    """A 科室's declaration, submitted and checked by its institution: it waits for the commission."""
    await login(client, world.tenant, "department")
    project = await declare(client)
    ok(await submit(client, project["id"]))
    await login(client, world.tenant, "institution")
    item = await waiting(client, project["id"])
    assert item is not None and "专家评审" not in {f["label"] for f in item["fields"]}  # the commission's
    ok(await decide(client, project["id"], "approve"))
    return int(project["id"])


async def assign(client: Any, project_id: int, *accounts: int) -> Any:
    return await client.post(f"{ZJ}/projects/{project_id}/experts", json={"account_ids": list(accounts)})


async def my_review(client: Any) -> dict[str, Any]:
    items = ok(await client.get(f"{ZJ}/project-reviews", params={"pending": "true"}))["items"]
    assert len(items) == 1, items
    return dict(items[0])


async def test_experts_score_a_declaration_the_commission_reads_them_and_publishes(
    cme_client: Any, experts: OrgWorld, login: Any
) -> None:
    client, world = cme_client, experts
    project_id = await at_commission(client, login, world)
    await login(client, world.tenant, "commission")
    assert [e["id"] for e in ok(await client.get(f"{ZJ}/project-reviews/experts"))] == [
        world.accounts["expert1"],
        world.accounts["expert2"],
    ]
    reviews = ok(await assign(client, project_id, world.accounts["expert1"], world.accounts["expert2"]))
    assert {(r["expert_id"], r["score"], r["opinion_label"]) for r in reviews} == {
        (world.accounts["expert1"], None, "待评审"),
        (world.accounts["expert2"], None, "待评审"),
    }
    assert len(ok(await assign(client, project_id, world.accounts["expert1"]))) == 2  # assigned once

    await login(client, world.tenant, "expert1")
    todos = ok(await client.get(f"{ZJ}/todos"))
    assert {"label": "待评审的项目申报", "count": 1} in [
        {"label": t["label"], "count": t["count"]} for t in todos
    ]
    messages = ok(await client.get(f"{ZJ}/notifications"))["items"]
    assert messages[0]["kind"] == "projects.review.assigned"
    assert ok(await client.get(f"{ZJ}/projects/{project_id}"))["full"] is True
    review = await my_review(client)
    assert (review["project_id"], review["open"]) == (project_id, True)
    given = ok(
        await client.put(
            f"{ZJ}/project-reviews/{review['id']}",
            json={"score": 80, "opinion": "revise", "comment": "课程安排偏紧"},
        )
    )
    assert (given["score"], given["opinion_label"]) == (80, "修改后通过")
    changed = ok(
        await client.put(
            f"{ZJ}/project-reviews/{review['id']}",
            json={"score": 92, "opinion": "approve", "comment": "同意"},
        )
    )
    assert (changed["score"], changed["opinion"], changed["comment"]) == (92, "approve", "同意")
    assert ok(await client.get(f"{ZJ}/project-reviews", params={"pending": "true"}))["total"] == 0
    own = ok(await client.get(f"{ZJ}/projects/{project_id}/reviews"))
    assert [r["expert_id"] for r in own] == [world.accounts["expert1"]]  # not the other expert's

    await login(client, world.tenant, "commission")
    item = await waiting(client, project_id)
    assert item is not None
    assert {f["label"]: f["value"] for f in item["fields"]}["专家评审"] == "已评 1/2，平均 92.0 分"
    page = await client.get(f"/t/zj/projects/{project_id}")
    assert "专家评审" in page.text and "建议通过" in page.text and "expert2" in page.text
    ok(await decide(client, project_id, "approve"))
    assert (await get_project(client, project_id))["status"] == "published"

    await login(client, world.tenant, "expert2")
    late = await client.get(f"{ZJ}/project-reviews")
    item = ok(late)["items"][0]
    assert item["open"] is False
    refused(
        await client.put(f"{ZJ}/project-reviews/{item['id']}", json={"score": 60, "opinion": "reject"}),
        409,
        "该申报当前不在继教委评审阶段，不能安排或提交专家评审",
    )
    with scope(world.tenant):
        actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action)]
        stored = await ExpertReview.select().where(ExpertReview.expert == world.accounts["expert2"]).first()
    assert actions.count("projects.review.assign") == 1 and actions.count("projects.review.submit") == 2
    assert stored is not None and stored["score"] is None


async def test_a_resubmitted_declaration_is_reviewed_anew(
    cme_client: Any, experts: OrgWorld, login: Any
) -> None:
    client, world = cme_client, experts
    project_id = await at_commission(client, login, world)
    await login(client, world.tenant, "commission")
    ok(await assign(client, project_id, world.accounts["expert1"]))
    ok(await decide(client, project_id, "return", "请补充课程安排"))
    await login(client, world.tenant, "expert1")
    assert ok(await client.get(f"{ZJ}/project-reviews", params={"pending": "true"}))["total"] == 0
    await login(client, world.tenant, "department")
    ok(await submit(client, project_id))
    await login(client, world.tenant, "institution")
    ok(await decide(client, project_id, "approve"))
    await login(client, world.tenant, "commission")
    assert ok(await client.get(f"{ZJ}/projects/{project_id}/reviews")) == []
    assert len(ok(await assign(client, project_id, world.accounts["expert1"]))) == 1


async def test_wrong_assignments_and_reviews_are_refused_and_store_nothing(
    cme_client: Any, experts: OrgWorld, login: Any
) -> None:
    client, world = cme_client, experts
    await login(client, world.tenant, "department")
    early = await declare(client)
    ok(await submit(client, early["id"]))
    project_id = await at_commission(client, login, world)

    await login(client, world.tenant, "commission")
    refused(await assign(client, early["id"], world.accounts["expert1"]), 409)  # still at the institution
    assert "安排评审专家" not in (await client.get(f"/t/zj/projects/{early['id']}")).text
    body = refused(await assign(client, project_id, world.accounts["learner"]), 400)
    assert field_messages(body) == {"account_ids": "所选账号不是本省的审验专家"}
    refused(await assign(client, project_id), 400, "请选择评审专家")
    refused(await client.post(f"{ZJ}/projects/{project_id}/experts", json={"account_ids": ["x"]}), 400)
    refused(await assign(client, 999_999, world.accounts["expert1"]), 404)
    ok(await assign(client, project_id, world.accounts["expert1"]))

    await login(client, world.tenant, "institution")
    refused(await assign(client, project_id, world.accounts["expert2"]), 403)
    await login(client, world.tenant, "expert2")
    refused(await client.get(f"{ZJ}/projects/{project_id}"), 404)  # not his to review
    refused(await client.get(f"{ZJ}/project-reviews/experts"), 403)
    await login(client, world.tenant, "expert1")
    review = await my_review(client)
    url = f"{ZJ}/project-reviews/{review['id']}"
    for bad, field in (
        ({"score": 101, "opinion": "approve"}, "score"),
        ({"score": -1, "opinion": "approve"}, "score"),
        ({"score": 90, "opinion": "maybe"}, "opinion"),
        ({"score": 90, "opinion": "approve", "comment": "长" * 1001}, "comment"),
    ):
        assert field in field_messages(refused(await client.put(url, json=bad), 400)), bad
    await login(client, world.tenant, "expert2")
    refused(await client.put(url, json={"score": 90, "opinion": "approve"}), 404)
    refused(await client.get(url), 404)
    with scope(world.tenant):
        rows = await ExpertReview.select()
    assert [(r["expert"], r["score"]) for r in rows] == [(world.accounts["expert1"], None)]


async def test_the_expert_reviews_on_his_pages(cme_client: Any, experts: OrgWorld, login: Any) -> None:
    client, world = cme_client, experts
    project_id = await at_commission(client, login, world)
    await login(client, world.tenant, "commission")
    detail = await client.get(f"/t/zj/projects/{project_id}")
    assert "安排评审专家" in detail.text and "expert1" in detail.text
    form = await client.post(
        f"/t/zj/projects/{project_id}/experts",
        data={"account_ids": [str(world.accounts["expert1"])], "_csrf": client.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert form.status_code == 303
    await login(client, world.tenant, "expert1")
    home = await client.get("/t/zj/")
    assert "/projects/reviews" in home.text and "待评审的项目申报" in home.text
    listing = await client.get("/t/zj/projects/reviews?pending=true")
    review = await my_review(client)
    assert listing.status_code == 200 and f"/projects/reviews/{review['id']}" in listing.text
    csrf = client.headers["X-CSRF-Token"]
    bad = await client.post(
        f"/t/zj/projects/reviews/{review['id']}", data={"score": "120", "opinion": "approve", "_csrf": csrf}
    )
    assert bad.status_code == 400 and "不能大于 100" in bad.text
    good = await client.post(
        f"/t/zj/projects/reviews/{review['id']}",
        data={"score": "88", "opinion": "approve", "comment": "内容充实", "_csrf": csrf},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert ok(await client.get(f"{ZJ}/project-reviews/{review['id']}"))["score"] == 88
