"""JSON API of the Excel import and export of people.

- ``POST /api/personnel/imports?mode=all|valid&institution_id=N``: multipart upload (fields ``purpose``
  = ``personnel_import``, then ``file``), stored and checked like every upload (:mod:`cme_platform.files`);
  answers 202 with the queued job, which runs in the background.
- ``GET /api/personnel/imports`` and ``/{id}``: the caller's imports, progress and row errors.
- ``GET /api/personnel/import-template``: the template workbook.
- ``GET /api/personnel/export``: the people the list filters select, as xlsx.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from cme_platform.api.openapi import RATE_LIMITED, upload_operation
from cme_platform.api.params import Id, OptionalId, PageNumber, PageSize
from cme_platform.errors import FieldError, InvalidInput
from cme_platform.files.intake import UPLOAD_ROUTE_OPT, accept_upload
from cme_platform.files.purposes import ADMINISTRATORS, MB, FilePurpose, register_purpose
from cme_platform.files.service import content_disposition
from cme_platform.identity.principal import Principal
from cme_platform.orgs.tables import Institution
from cme_platform.personnel import jobs
from cme_platform.personnel import schemas as s
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.api import PersonnelController
from cme_platform.personnel.excel_template import template_workbook
from cme_platform.personnel.export import export_file_name, export_people

IMPORT_PURPOSE = register_purpose(
    FilePurpose("personnel_import", "人员导入表格", ("xlsx",), 50 * MB, roles=ADMINISTRATORS)
)
"""The upload purpose of import files (xlsx only, up to 50 MB)."""

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "人员导入模板.xlsx"

Mode = Annotated[
    Literal["all", "valid"], QueryParameter(description="all 全部正确才导入；valid 只导入正确的行")
]
Access = NamedDependency[PersonAccess]
Caller = NamedDependency[Principal]


async def _check_institution(access: PersonAccess, institution_id: int | None) -> None:
    """400 unless ``institution_id`` is an institution the caller may import people into."""
    if institution_id is None:
        return
    row = await Institution.select(Institution.region).where(Institution.id == institution_id).first()
    if row is None or not access.can_write(institution_id, None, row["region"]):
        message = "单位不存在或不在您的管理范围内"
        raise InvalidInput(message, [FieldError("institution_id", message)])


async def start_upload_import(
    request: Request[Any, Any, Any],
    principal: Principal,
    access: PersonAccess,
    *,
    mode: str,
    institution_id: int | None,
) -> int:
    """Store the request's uploaded workbook, create its job and start it in the background."""
    await _check_institution(access, institution_id)
    file, _ = await accept_upload(request, principal)
    if file.purpose != IMPORT_PURPOSE.name:
        message = f"请以用途 {IMPORT_PURPOSE.name} 上传导入表格"
        raise InvalidInput(message, [FieldError("purpose", message)])
    return await jobs.start_job(
        request.app.state.settings,
        access,
        file_key=file.key,
        file_name=file.original_name,
        mode=mode,
        institution_id=institution_id,
        account_id=principal.account_id,
        file_id=file.id,
        file_sha256=file.sha256,
    )


def xlsx_response(content: bytes, name: str) -> Response[bytes]:
    """An xlsx download."""
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private, no-store"},
    )


async def export_response(
    request: Request[Any, Any, Any], access: PersonAccess, filters: s.PersonFilter
) -> Response[bytes]:
    """The export of ``filters`` as an xlsx download (the temporary file is removed)."""
    path, _ = await export_people(
        access, filters, tmp_dir=request.app.state.settings.data_dir / "tmp" / "exports"
    )
    try:
        content = path.read_bytes()
    finally:
        path.unlink(missing_ok=True)
    return xlsx_response(content, export_file_name())


class PersonImportController(PersonnelController):
    """Excel import of people (批量导入) and export of the filtered list (导出)."""

    path = "/api/personnel"

    @post(
        "/imports",
        summary="Upload a people workbook and start its import (multipart/form-data: purpose, file)",
        description=(
            "Fields `purpose` = `personnel_import` (before `file`) and `file` (xlsx). Query: `mode` "
            "(`all`: write nothing when any row has an error; `valid`: write the valid rows) and "
            "`institution_id` (rows without 单位编码 go there). 202 with the queued job; poll "
            "GET /api/personnel/imports/{id}."
        ),
        request_max_body_size=None,
        opt=UPLOAD_ROUTE_OPT,
        status_code=202,
        operation_class=upload_operation(purposes=[IMPORT_PURPOSE.name]),
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        access: Access,
        mode: Mode = "all",
        institution_id: OptionalId = None,
    ) -> s.PersonImportOut:
        job_id = await start_upload_import(
            request, principal, access, mode=mode, institution_id=institution_id
        )
        return await jobs.get_import(access, principal.account_id, job_id)

    @get("/imports", summary="List my imports (commission admins: everyone's), newest first")
    async def list_imports(
        self, principal: Caller, access: Access, page: PageNumber = 1, page_size: PageSize = 20
    ) -> s.PersonImportPage:
        return await jobs.list_imports(access, principal.account_id, page=page, page_size=page_size)

    @get("/imports/{import_id:int}", summary="An import's progress, counts and row errors")
    async def get_import(self, principal: Caller, access: Access, import_id: Id) -> s.PersonImportOut:
        return await jobs.get_import(access, principal.account_id, import_id)

    @post(
        "/imports/{import_id:int}/cancel",
        summary="Cancel an unfinished import (409 once it ended)",
        status_code=200,
    )
    async def cancel_import(self, principal: Caller, access: Access, import_id: Id) -> s.PersonImportOut:
        return await jobs.cancel_import(access, principal.account_id, import_id)

    @get(
        "/import-template",
        summary="The import template (xlsx) with an example row and the allowed values",
        media_type=XLSX,
    )
    async def template(self) -> Response[bytes]:
        return xlsx_response(template_workbook(), TEMPLATE_NAME)

    @get(
        "/export",
        summary="Export the people the list filters select (xlsx; audited)",
        media_type=XLSX,
        responses=RATE_LIMITED,
    )
    async def export(
        self, request: Request[Any, Any, Any], access: Access, filters: NamedDependency[s.PersonFilter]
    ) -> Response[bytes]:
        return await export_response(request, access, filters)


def person_import_api_routes() -> list[type[Controller]]:
    """The import and export controller."""
    return [PersonImportController]
