"""JSON API of the organisation tree: ``/api/orgs/regions``, ``/institutions``, ``/departments``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from cme_platform.api.params import ActiveFilter, Id, Keyword, OptionalId, PageNumber, PageSize
from cme_platform.identity.dependencies import provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import ORG_ADMIN_ROLES, REGION_READERS
from cme_platform.orgs import schemas as s
from cme_platform.orgs import service
from cme_platform.orgs.access import OrgAccess
from cme_platform.tenancy.scope import current_tenant

Access = NamedDependency[OrgAccess]


async def provide_access(principal: NamedDependency[Principal]) -> OrgAccess:
    """The caller's reach in the organisation tree."""
    return OrgAccess.of(principal)


def levels_of(request: Request[Any, Any, Any]) -> list[str]:
    """The active tenant's institution levels."""
    return service.vocabulary(request.app.state.plugin_manager, current_tenant()).institution_levels


class _OrgController(Controller):
    guards = [requires_role(*ORG_ADMIN_ROLES)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal), "access": Provide(provide_access)}  # noqa: RUF012
    tags = ["组织机构 orgs"]  # noqa: RUF012


class RegionController(_OrgController):
    """Regions (区/市/县)."""

    path = "/api/orgs/regions"
    guards = [requires_role(*REGION_READERS)]  # noqa: RUF012

    @get("/", summary="List regions")
    async def list_regions(
        self,
        access: Access,
        q: Keyword = None,
        active: ActiveFilter = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> s.RegionPage:
        return await service.list_regions(access, q=q, active=active, page=page, page_size=page_size)

    @post("/", summary="Create a region")
    async def create_region(self, access: Access, data: JSONBody[s.RegionIn]) -> s.RegionOut:
        return await service.create_region(access, data)

    @get("/{region_id:int}", summary="Read a region")
    async def get_region(self, access: Access, region_id: Id) -> s.RegionOut:
        return await service.get_region(access, region_id)

    @patch("/{region_id:int}", summary="Edit or deactivate a region")
    async def update_region(
        self, access: Access, region_id: Id, data: JSONBody[s.RegionPatch]
    ) -> s.RegionOut:
        return await service.update_region(access, region_id, data)


class InstitutionController(_OrgController):
    """Institutions (单位)."""

    path = "/api/orgs/institutions"

    @get("/", summary="List institutions")
    async def list_institutions(
        self,
        access: Access,
        q: Keyword = None,
        region_id: OptionalId = None,
        level: Annotated[str | None, QueryParameter(max_length=32)] = None,
        category: Annotated[str | None, QueryParameter(max_length=8)] = None,
        active: ActiveFilter = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> s.InstitutionPage:
        return await service.list_institutions(
            access,
            q=q,
            region_id=region_id,
            level=level,
            category=category,
            active=active,
            page=page,
            page_size=page_size,
        )

    @post("/", summary="Create an institution")
    async def create_institution(
        self, request: Request[Any, Any, Any], access: Access, data: JSONBody[s.InstitutionIn]
    ) -> s.InstitutionOut:
        return await service.create_institution(access, data, levels_of(request))

    @get("/{institution_id:int}", summary="Read an institution")
    async def get_institution(self, access: Access, institution_id: Id) -> s.InstitutionOut:
        return await service.get_institution(access, institution_id)

    @patch("/{institution_id:int}", summary="Edit or deactivate an institution")
    async def update_institution(
        self,
        request: Request[Any, Any, Any],
        access: Access,
        institution_id: Id,
        data: JSONBody[s.InstitutionPatch],
    ) -> s.InstitutionOut:
        return await service.update_institution(access, institution_id, data, levels_of(request))


class DepartmentController(_OrgController):
    """Departments (科室)."""

    path = "/api/orgs/departments"

    @get("/", summary="List departments")
    async def list_departments(
        self,
        access: Access,
        institution_id: OptionalId = None,
        q: Keyword = None,
        active: ActiveFilter = None,
        page: PageNumber = 1,
        page_size: PageSize = 50,
    ) -> s.DepartmentPage:
        return await service.list_departments(
            access, institution_id=institution_id, q=q, active=active, page=page, page_size=page_size
        )

    @post("/", summary="Create a department")
    async def create_department(self, access: Access, data: JSONBody[s.DepartmentIn]) -> s.DepartmentOut:
        return await service.create_department(access, data)

    @get("/{department_id:int}", summary="Read a department")
    async def get_department(self, access: Access, department_id: Id) -> s.DepartmentOut:
        return await service.get_department(access, department_id)

    @patch("/{department_id:int}", summary="Edit or deactivate a department")
    async def update_department(
        self, access: Access, department_id: Id, data: JSONBody[s.DepartmentPatch]
    ) -> s.DepartmentOut:
        return await service.update_department(access, department_id, data)


class VocabularyController(_OrgController):
    """The choices organisation forms offer."""

    path = "/api/orgs/vocabulary"

    @get("/", summary="Institution levels, categories and region kinds of the tenant")
    async def get_vocabulary(self, request: Request[Any, Any, Any]) -> s.OrgVocabulary:
        return service.vocabulary(request.app.state.plugin_manager, current_tenant())


def org_api_routes() -> list[type[Controller]]:
    """The organisation API's controllers."""
    return [RegionController, InstitutionController, DepartmentController, VocabularyController]
