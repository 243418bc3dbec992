"""Query parameter types shared by list endpoints and pages (validated by Litestar)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

PageNumber = Annotated[int, QueryParameter(ge=1, le=100_000, description="页码，从 1 开始")]
PageSize = Annotated[int, QueryParameter(ge=1, le=200, description="每页条数（1–200）")]
Keyword = Annotated[str | None, QueryParameter(max_length=100, description="名称或编码关键字")]
OptionalId = Annotated[int | None, QueryParameter(ge=1)]
ActiveFilter = Annotated[bool | None, QueryParameter(description="true 只看启用，false 只看停用")]
