"""JSON API of the people registry (``/api/personnel/…``) and the learner's record (``/api/profile``)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from cme_platform.api.openapi import RATE_LIMITED
from cme_platform.api.params import Id, PageNumber, PageSize
from cme_platform.audit.query import AuditEventPage
from cme_platform.identity.dependencies import provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import ORG_ADMIN_ROLES, Role
from cme_platform.personnel import pii_search, profile, service, vocab, years
from cme_platform.personnel import schemas as s
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.params import provide_person_filter

Access = NamedDependency[PersonAccess]
Filters = NamedDependency[s.PersonFilter]


async def provide_person_access(principal: NamedDependency[Principal]) -> PersonAccess:
    """The people the caller reaches."""
    return PersonAccess.of(principal)


class PersonnelController(Controller):
    """The base of the personnel APIs: admin roles only, with the caller's reach and the list filters."""

    guards = [requires_role(*ORG_ADMIN_ROLES)]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "principal": Provide(provide_principal),
        "access": Provide(provide_person_access),
        "filters": Provide(provide_person_filter, sync_to_thread=False),
    }
    tags = ["人员管理 personnel"]  # noqa: RUF012


class PeopleController(PersonnelController):
    """People (人员信息) of the institutions and departments the caller manages."""

    path = "/api/personnel/people"

    @get("/", summary="List people (masked ID numbers and phones)", responses=RATE_LIMITED)
    async def list_people(
        self,
        access: Access,
        filters: Filters,
        page: PageNumber = 1,
        page_size: PageSize = 20,
        sort: Annotated[s.SortKey, QueryParameter(description="排序列")] = "person_number",
        desc: Annotated[bool, QueryParameter(description="true 倒序")] = False,
    ) -> s.PersonPage:
        return await service.list_people(
            access, filters, page=page, page_size=page_size, sort=sort, descending=desc
        )

    @post("/", summary="Register a person (creates the learner account)")
    async def create_person(self, access: Access, data: JSONBody[s.PersonIn]) -> s.PersonOut:
        return await service.create_person(access, data)

    @post(
        "/search-token",
        status_code=200,
        responses=RATE_LIMITED,
        summary="Exchange an ID number or phone to search by for an opaque search token",
        description=(
            "Send the token as `q` (with the same `q_field`) to the person and credit lists and exports, "
            "so that the value never appears in a URL. For roles that see ID numbers and phones only "
            "masked, the exchange counts as one search (10 per 10 minutes, 30 per day; 429 beyond) and "
            "is audited."
        ),
    )
    async def search_token(
        self, access: Access, data: JSONBody[pii_search.SearchTokenIn]
    ) -> pii_search.SearchTokenOut:
        return await pii_search.exchange(access, data.q_field, data.q)

    @post("/batch", summary="Change the title or status of selected people (affects compliance)")
    async def batch_change(self, access: Access, data: JSONBody[s.BatchChange]) -> s.BatchResult:
        changed = await service.batch_change(access, data.ids, title=data.title, status=data.status)
        return s.BatchResult(changed=changed)

    @get("/{person_id:int}", summary="Read a person (ID number masked)")
    async def get_person(self, access: Access, person_id: Id) -> s.PersonOut:
        return await service.get_person(access, person_id)

    @get("/{person_id:int}/reveal", summary="Read a person with the full ID number (audited)")
    async def reveal_person(self, access: Access, person_id: Id) -> s.PersonOut:
        return await service.get_person(access, person_id, reveal=True)

    @patch("/{person_id:int}", summary="Edit a person (only the fields sent)")
    async def update_person(self, access: Access, person_id: Id, data: JSONBody[s.PersonIn]) -> s.PersonOut:
        return await service.update_person(access, person_id, data)

    @get("/{person_id:int}/log", summary="The person's change log")
    async def change_log(
        self, access: Access, person_id: Id, page: PageNumber = 1, page_size: PageSize = 20
    ) -> AuditEventPage:
        return await service.change_log(access, person_id, page=page, page_size=page_size)

    @get("/{person_id:int}/years", summary="The person's history by year")
    async def list_years(self, access: Access, person_id: Id) -> list[s.PersonYearOut]:
        return await years.list_years(access, person_id)

    @post("/{person_id:int}/years", summary="Add a year's entry")
    async def add_year(
        self, access: Access, person_id: Id, data: JSONBody[s.PersonYearIn]
    ) -> s.PersonYearOut:
        return await years.add_year(access, person_id, data)

    @patch("/{person_id:int}/years/{year_id:int}", summary="Edit a year's entry")
    async def update_year(
        self, access: Access, person_id: Id, year_id: Id, data: JSONBody[s.PersonYearIn]
    ) -> s.PersonYearOut:
        return await years.update_year(access, person_id, year_id, data)

    @delete("/{person_id:int}/years/{year_id:int}", summary="Delete a year's entry")
    async def delete_year(self, access: Access, person_id: Id, year_id: Id) -> None:
        await years.delete_year(access, person_id, year_id)


def vocabulary() -> s.Vocabulary:
    """The choices of the person forms and filters."""
    return s.Vocabulary(
        titles=dict(vocab.TITLES),
        title_levels=list(vocab.TITLE_LEVELS),
        statuses=list(vocab.STATUSES),
        establishments=list(vocab.ESTABLISHMENTS),
        genders=list(vocab.GENDERS),
        document_types=list(vocab.DOCUMENT_TYPES),
        transfer_statuses=[t for t in vocab.TRANSFER_STATUSES if t],
        educations=[e for e in vocab.EDUCATIONS if e],
        degrees=[d for d in vocab.DEGREES if d],
    )


class VocabularyController(Controller):
    """The choices of the person forms."""

    path = "/api/personnel/vocabulary"
    guards = [requires_role(*ORG_ADMIN_ROLES)]  # noqa: RUF012
    tags = ["人员管理 personnel"]  # noqa: RUF012

    @get("/", summary="Titles with levels, statuses, document types and the other choices")
    async def get_vocabulary(self) -> s.Vocabulary:
        return vocabulary()


class LearnerProfileController(Controller):
    """The learner's own record (个人资料)."""

    path = "/api/profile"
    guards = [requires_role(Role.LEARNER)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["个人资料 profile"]  # noqa: RUF012

    @get("/", summary="My record and history by year")
    async def get_profile(self, principal: NamedDependency[Principal]) -> s.ProfileOut:
        return await profile.profile(principal.account_id)

    @patch("/", summary="Change my phone or e-mail (nothing else)")
    async def patch_profile(
        self, principal: NamedDependency[Principal], data: JSONBody[s.ProfilePatch]
    ) -> s.ProfileOut:
        return await profile.update_profile(principal.account_id, data)


def personnel_api_routes() -> list[type[Controller]]:
    """The people registry's controllers."""
    return [PeopleController, VocabularyController, LearnerProfileController]
