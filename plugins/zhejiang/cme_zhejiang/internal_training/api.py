"""Internal training's JSON API, mounted under ``/p/zhejiang/api/trainings`` for Zhejiang tenants only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from cme_platform.api.params import Id, PageNumber, PageSize
from cme_platform.identity.dependencies import provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, Parameter

from cme_zhejiang.internal_training import scoring, service, statistics

Caller = NamedDependency[Principal]
MANAGERS = (Role.INSTITUTION_ADMIN, Role.DEPARTMENT_ADMIN)
READERS = (*MANAGERS, Role.REGION_ADMIN, Role.COMMISSION_ADMIN)
Text = Annotated[str, Parameter(max_length=100)]
Year = Annotated[int | None, Parameter(ge=2000, le=2100)]
Tab = Annotated[str, Parameter(pattern="^(all|held|pending|to_score)$")]
OptionalId = Annotated[int | None, Parameter(ge=1, le=2**31 - 1)]


class TrainingController(Controller):
    """内部培训: list, read, add, change, delete, sessions, submit, scores and write-off."""

    path = "/api/trainings"
    guards = [requires_role(*READERS)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["浙江 内部培训 internal training"]  # noqa: RUF012

    @get("/", summary="The trainings the caller reads, newest first, with each tab's count")
    async def list_trainings(
        self,
        principal: Caller,
        tab: Tab = "all",
        year: Year = None,
        level: Text = "",
        form: Text = "",
        discipline: Text = "",
        subdiscipline: Text = "",
        name: Text = "",
        starts_from: date | None = None,
        starts_until: date | None = None,
        department_id: OptionalId = None,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> service.TrainingPage:
        found = service.TrainingFilter(
            tab=tab,
            year=year,
            level=level,
            form=form,
            discipline=discipline,
            subdiscipline=subdiscipline,
            name=name,
            starts_from=starts_from,
            starts_until=starts_until,
            department_id=department_id,
        )
        return await service.list_trainings(principal, found, page, page_size)

    @get("/statistics", summary="已举办院内活动查看统计: the trainings of a year by department")
    async def read_statistics(self, principal: Caller, year: Year = None) -> statistics.Statistics:
        return await statistics.statistics(principal, year)

    @get("/{training_id:int}", summary="One training with its sessions")
    async def read(self, principal: Caller, training_id: Id) -> service.TrainingOut:
        return await service.get_training(principal, training_id)

    @post("/", guards=[requires_role(*MANAGERS)], summary="Add a training of the caller's department")
    async def create(self, principal: Caller, data: JSONBody[service.TrainingIn]) -> service.TrainingOut:
        return await service.create_training(principal, data)

    @patch(
        "/{training_id:int}", guards=[requires_role(*MANAGERS)], summary="Change a draft or returned training"
    )
    async def update(
        self, principal: Caller, training_id: Id, data: JSONBody[service.TrainingIn]
    ) -> service.TrainingOut:
        return await service.update_training(principal, training_id, data)

    @delete(
        "/{training_id:int}",
        guards=[requires_role(*MANAGERS)],
        status_code=204,
        summary="Delete a training never submitted",
    )
    async def remove(self, principal: Caller, training_id: Id) -> None:
        await service.delete_training(principal, training_id)

    @post(
        "/{training_id:int}/sessions",
        guards=[requires_role(*MANAGERS)],
        summary="Add a session (课程) to a draft or returned training",
    )
    async def add_session(
        self, principal: Caller, training_id: Id, data: JSONBody[service.SessionIn]
    ) -> service.TrainingOut:
        return await service.add_session(principal, training_id, data)

    @delete(
        "/{training_id:int}/sessions/{session_id:int}",
        guards=[requires_role(*MANAGERS)],
        status_code=200,
        summary="Remove a session of a draft or returned training",
    )
    async def remove_session(self, principal: Caller, training_id: Id, session_id: Id) -> service.TrainingOut:
        return await service.delete_session(principal, training_id, session_id)

    @post(
        "/{training_id:int}/submit",
        guards=[requires_role(*MANAGERS)],
        status_code=200,
        summary="Send the training to the institution's approval",
    )
    async def submit(
        self, request: Request[Any, Any, Any], principal: Caller, training_id: Id
    ) -> service.TrainingOut:
        return await service.submit_training(request.app.state.plugin_manager, principal, training_id)

    @get("/{training_id:int}/scores", summary="The attendees with their hours and scores (授分)")
    async def read_scores(
        self, request: Request[Any, Any, Any], principal: Caller, training_id: Id
    ) -> scoring.ScoreSheet:
        return await scoring.score_sheet(request.app.state.plugin_manager, principal, training_id)

    @put(
        "/{training_id:int}/scores",
        guards=[requires_role(*MANAGERS)],
        summary="Save the scores of a held training; write_off=true sends them to the institution (核销)",
    )
    async def save_scores(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        training_id: Id,
        data: JSONBody[scoring.ScoresIn],
    ) -> scoring.ScoreSheet:
        return await scoring.save_scores(request.app.state.plugin_manager, principal, training_id, data)
