"""JSON API of the project-list imports (:mod:`cme_platform.projects.importing`).

- ``GET /api/project-imports``: the province's import lists the caller may use.
- ``GET /api/project-imports/{code}/template``: the list's template workbook.
- ``POST /api/project-imports/{code}?mode=all|valid``: multipart upload (fields ``purpose`` =
  ``project_import``, then ``file``); the file is stored like every upload and imported at once; answers
  with what was written and each row's problems.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import Parameter, QueryParameter

from cme_platform.api.openapi import upload_operation
from cme_platform.api.state import plugin_manager
from cme_platform.errors import FieldError, InvalidInput
from cme_platform.files.intake import UPLOAD_ROUTE_OPT, accept_upload
from cme_platform.files.purposes import ADMINISTRATORS, MB, FilePurpose, register_purpose
from cme_platform.files.storage import fetch_to_temp, storage_for
from cme_platform.identity.dependencies import Caller, provide_principal
from cme_platform.identity.guards import requires_role
from cme_platform.identity.principal import Principal
from cme_platform.personnel.import_api import XLSX, xlsx_response
from cme_platform.projects import importing
from cme_platform.projects.access import IMPORTERS
from cme_platform.projects.schemas import ProjectImportOut
from cme_platform.projects.service import project_policy

IMPORT_PURPOSE = register_purpose(
    FilePurpose("project_import", "项目导入表格", ("xlsx",), 10 * MB, roles=ADMINISTRATORS)
)
"""The upload purpose of project lists (xlsx only, up to 10 MB)."""

Code = Annotated[str, Parameter(pattern="^[a-z0-9_]{1,32}$", description="导入类别（如 external）")]
Mode = Annotated[
    Literal["all", "valid"], QueryParameter(description="all 全部正确才导入；valid 只导入正确的行")
]


class ImportListOut(msgspec.Struct, frozen=True, kw_only=True):
    """An import list of the province: its code, name, levels and what it holds."""

    code: str
    label: str
    levels: list[str]
    hint: str


async def upload_import(
    request: Request[Any, Any, Any], principal: Principal, code: str, mode: str
) -> ProjectImportOut:
    """Store the request's workbook and import it as the list ``code`` (403/404 before reading the body
    when the caller may not import that list). The temporary copy is removed; the stored file stays."""
    pm = plugin_manager(request)
    importing.import_list(pm, principal, code)
    file, _ = await accept_upload(request, principal)
    if file.purpose != IMPORT_PURPOSE.name:
        message = f"请以用途 {IMPORT_PURPOSE.name} 上传项目导入表格"
        raise InvalidInput(message, [FieldError("purpose", message)])
    settings = request.app.state.settings
    path = await fetch_to_temp(storage_for(settings), file.key, settings.data_dir / "tmp" / "imports")
    try:
        return await importing.import_projects(
            pm, principal, code, path, mode=mode, file_name=file.original_name
        )
    finally:
        path.unlink(missing_ok=True)


class ProjectImportController(Controller):
    """项目导入: lists of projects approved elsewhere, imported from Excel by administrators."""

    path = "/api/project-imports"
    guards = [requires_role(*IMPORTERS)]  # noqa: RUF012
    dependencies = {"principal": Provide(provide_principal)}  # noqa: RUF012
    tags = ["项目 projects"]  # noqa: RUF012

    @get("/", summary="The province's project import lists")
    async def lists(self, request: Request[Any, Any, Any]) -> list[ImportListOut]:
        policy = project_policy(plugin_manager(request))
        return [
            ImportListOut(code=listed.code, label=listed.label, levels=list(listed.levels), hint=listed.hint)
            for listed in policy.import_lists
        ]

    @get(
        "/{list_code:str}/template",
        summary="The list's template (xlsx) with each column's rule and allowed values",
        media_type=XLSX,
    )
    async def template(
        self, request: Request[Any, Any, Any], principal: Caller, list_code: Code
    ) -> Response[bytes]:
        policy, listed = importing.import_list(plugin_manager(request), principal, list_code)
        return xlsx_response(importing.template_workbook(policy, listed), f"{listed.label}模板.xlsx")

    @post(
        "/{list_code:str}",
        summary="Upload a project list and import it (multipart/form-data: purpose, file)",
        description=(
            "Fields `purpose` = `project_import` (before `file`) and `file` (xlsx, sheet 项目信息). Query: "
            "`mode` (`all`: write nothing when any row has an error; `valid`: write the valid rows). A "
            "number imported before updates its project, so a retried upload changes nothing."
        ),
        request_max_body_size=None,
        opt=UPLOAD_ROUTE_OPT,
        status_code=200,
        operation_class=upload_operation(purposes=[IMPORT_PURPOSE.name]),
    )
    async def upload(
        self, request: Request[Any, Any, Any], principal: Caller, list_code: Code, mode: Mode = "all"
    ) -> ProjectImportOut:
        return await upload_import(request, principal, list_code, mode)


def project_import_api_routes() -> list[type[Controller]]:
    """The import controller."""
    return [ProjectImportController]
