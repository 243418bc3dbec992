"""The list filters as query parameters, shared by the list, the export and the pages."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

from cme_platform.api.params import DepartmentFilter, InstitutionFilter
from cme_platform.personnel.schemas import KeywordField, PersonFilter

_Text = Annotated[str | None, Parameter(query=None, max_length=64)]


def provide_person_filter(
    status: Annotated[
        str | None, Parameter(max_length=8, description="人员状态（正常、调出、退休…）")
    ] = None,
    q: Annotated[
        str | None,
        Parameter(
            max_length=128,
            description="查询关键字（按证件号码或手机查询时请传 "
            "POST /api/personnel/people/search-token 换得的令牌）",
        ),
    ] = None,
    q_field: Annotated[
        KeywordField,
        Parameter(
            description="查询项：name 姓名、id_number 证件号码、person_number 人员编号、phone 手机、"
            "number 人员编号或IC卡号"
        ),
    ] = "name",
    institution_id: InstitutionFilter = None,
    department_id: DepartmentFilter = None,
    title: Annotated[str | None, Parameter(max_length=32, description="当前职称")] = None,
    title_level: Annotated[str | None, Parameter(max_length=8, description="职称级别")] = None,
    specialty: Annotated[str | None, Parameter(max_length=64, description="专业")] = None,
    establishment: Annotated[str | None, Parameter(max_length=8, description="在编状态")] = None,
) -> PersonFilter:
    """A :class:`PersonFilter` from the request's query (blank values mean "any")."""
    return PersonFilter(
        status=status or None,
        q=(q or "").strip() or None,
        q_field=q_field,
        institution_id=institution_id,
        department_id=department_id,
        title=title or None,
        title_level=title_level or None,
        specialty=specialty or None,
        establishment=establishment or None,
    )
