"""JSON API of the expert review of declarations (:mod:`cme_platform.projects.expert_review`).

- ``GET /api/project-reviews/experts``: the tenant's 审验专家 (commission).
- ``POST /api/projects/{project_id}/experts``: 安排专家 for a declaration the commission reviews.
- ``GET /api/projects/{project_id}/reviews``: its reviews (the commission all, an expert his own).
- ``GET /api/project-reviews``: an expert's reviews (``pending=true``: those still to give).
- ``GET``/``PUT /api/project-reviews/{review_id}``: one of them; give or change score, opinion, comment.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post, put
from litestar.di import Provide
from litestar.params import JSONBody, QueryParameter

from cme_platform.api.params import Id, PageNumber, PageSize
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.roles import Role
from cme_platform.projects import expert_review
from cme_platform.projects.schemas import AssignIn, ExpertOut, ReviewIn, ReviewOut, ReviewPage

Pending = Annotated[bool, QueryParameter(description="true：只列出待评审的")]


class DeclarationReviewController(Controller):
    """The reviews of one declaration (专家评审)."""

    path = "/api/projects/{project_id:int}"
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["项目 projects"]  # noqa: RUF012

    @post(
        "/experts",
        status_code=200,
        guards=[requires_role(Role.COMMISSION_ADMIN)],
        summary="安排专家: assign experts to a declaration waiting for the commission",
    )
    async def assign(self, principal: Caller, project_id: Id, data: JSONBody[AssignIn]) -> list[ReviewOut]:
        return await expert_review.assign_experts(principal, project_id, data.account_ids)

    @get(
        "/reviews",
        guards=[requires_role(Role.COMMISSION_ADMIN, Role.AUDIT_EXPERT)],
        summary="The reviews of the declaration's current submission (an expert: his own)",
    )
    async def reviews(self, principal: Caller, project_id: Id) -> list[ReviewOut]:
        return await expert_review.reviews_of(principal, project_id)


class ReviewController(Controller):
    """An expert's reviews, and the experts the commission may assign."""

    path = "/api/project-reviews"
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["项目 projects"]  # noqa: RUF012

    @get("/experts", guards=[requires_role(Role.COMMISSION_ADMIN)], summary="The tenant's 审验专家")
    async def experts(self) -> list[ExpertOut]:
        return await expert_review.experts()

    @get("/", guards=[requires_role(Role.AUDIT_EXPERT)], summary="My reviews, newest first")
    async def mine(
        self, principal: Caller, pending: Pending = False, page: PageNumber = 1, page_size: PageSize = 20
    ) -> ReviewPage:
        return await expert_review.my_reviews(principal, pending=pending, page=page, page_size=page_size)

    @get("/{review_id:int}", guards=[requires_role(Role.AUDIT_EXPERT)], summary="One of my reviews")
    async def read(self, principal: Caller, review_id: Id) -> ReviewOut:
        return await expert_review.get_review(principal, review_id)

    @put(
        "/{review_id:int}",
        guards=[requires_role(Role.AUDIT_EXPERT)],
        summary="Give or change my score, opinion and comment (until the commission decides)",
    )
    async def submit(self, principal: Caller, review_id: Id, data: JSONBody[ReviewIn]) -> ReviewOut:
        return await expert_review.submit_review(principal, review_id, data)


def review_api_routes() -> list[type[Controller]]:
    """The expert review controllers."""
    return [DeclarationReviewController, ReviewController]
