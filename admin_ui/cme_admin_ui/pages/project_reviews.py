"""Pages of the expert review of declarations (专家评审): the commission assigns experts on the
declaration's page; an expert lists his reviews (项目评审) and gives each a score, opinion and comment."""

from __future__ import annotations

from typing import Any

from cme_platform.api.params import Id, PageNumber, row_id_or_none
from cme_platform.errors import DomainError
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.projects import expert_review
from cme_platform.projects.review_api import Pending
from cme_platform.projects.schemas import ProjectOut, ReviewIn
from cme_platform.projects.states import ReviewOpinion
from litestar import Request, get, post
from litestar.response import Redirect, Template

from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.pages.forms import FormErrors, clean_form, domain_form_errors, parse_form
from cme_admin_ui.shell import flash, page_context

PAGE_SIZE = 20
EXPERTS = [requires_role(Role.AUDIT_EXPERT)]
COMMISSION = [requires_role(Role.COMMISSION_ADMIN)]


async def review_context(principal: Principal | None, project: ProjectOut) -> dict[str, Any]:
    """What the declaration's page shows of its review: the reviews the caller may see and, for the
    commission while the declaration is under review, the experts it may still assign."""
    if principal is None or project.source != "declared" or not project.full:
        return {"reviews": [], "experts": [], "own_review": None}
    reviews = await expert_review.reviews_of(principal, project.id)
    experts: list[Any] = []
    if principal.has_any(Role.COMMISSION_ADMIN) and await expert_review.awaits_commission(
        project.approval_id
    ):
        assigned = {review.expert_id for review in reviews}
        experts = [expert for expert in await expert_review.experts() if expert.id not in assigned]
    own = next((review for review in reviews if review.expert_id == principal.account_id), None)
    return {"reviews": reviews, "experts": experts, "own_review": own}


@post("/projects/{project_id:int}/experts", guards=COMMISSION, include_in_schema=False, status_code=303)
async def assign(request: Request[Any, Any, Any], project_id: Id) -> Redirect:
    """安排专家: the experts ticked on the declaration's page."""
    principal = await current_principal(request)
    form = await request.form()
    ids = [row_id_or_none(value) for value in form.getall("account_ids")] if "account_ids" in form else []
    here = f"/projects/{project_id}"
    try:
        reviews = await expert_review.assign_experts(principal, project_id, [i for i in ids if i is not None])
    except DomainError as exc:
        flash(request, exc.message)
        return back(request, here)
    flash(request, f"已安排专家评审，共 {len(reviews)} 位专家")
    return back(request, here)


@get("/projects/reviews", guards=EXPERTS, include_in_schema=False)
async def my_reviews(
    request: Request[Any, Any, Any], pending: Pending = False, page: PageNumber = 1
) -> Template:
    """项目评审: the expert's reviews, those still to give first if he asks."""
    principal = await current_principal(request)
    result = await expert_review.my_reviews(principal, pending=pending, page=page, page_size=PAGE_SIZE)
    return Template(
        template_name="projects/reviews.html",
        context={
            **page_context(request),
            "result": result,
            "pending": pending,
            "pages": max(1, -(-result.total // PAGE_SIZE)),
        },
    )


def _form(
    request: Request[Any, Any, Any],
    review: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    return Template(
        template_name="projects/review.html",
        context={
            **page_context(request),
            "review": review,
            "values": values,
            "errors": errors,
            "opinions": [(o.value, o.label) for o in ReviewOpinion],
        },
        status_code=status,
    )


@get("/projects/reviews/{review_id:int}", guards=EXPERTS, include_in_schema=False)
async def review_page(request: Request[Any, Any, Any], review_id: Id) -> Template:
    """One review: the declaration's link, and the score, opinion and comment to give or change."""
    review = await expert_review.get_review(await current_principal(request), review_id)
    values = {"score": review.score if review.score is not None else "", "opinion": review.opinion}
    return _form(request, review, {**values, "comment": review.comment}, {})


@post("/projects/reviews/{review_id:int}", guards=EXPERTS, include_in_schema=False, status_code=303)
async def submit(request: Request[Any, Any, Any], review_id: Id) -> Template | Redirect:
    """提交评审; the form again with the problems when it is not acceptable."""
    principal = await current_principal(request)
    values = clean_form(dict(await request.form()))
    try:
        data = parse_form(values, ReviewIn)
        await expert_review.submit_review(principal, review_id, data)
    except (FormErrors, DomainError) as exc:
        problems = exc if isinstance(exc, FormErrors) else domain_form_errors(exc)
        review = await expert_review.get_review(principal, review_id)
        status = exc.status_code if isinstance(exc, DomainError) else 400
        return _form(request, review, values, problems.errors, status)
    flash(request, "评审意见已提交")
    return back(request, "/projects/reviews")


routes = [assign, my_reviews, review_page, submit]
"""The expert review pages."""
