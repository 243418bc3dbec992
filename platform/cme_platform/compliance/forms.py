"""The credit forms a learner prints (seed 002 §9, 003 §11): 学分登记表, one year's effective credits with
the year's totals and verdict, and 多年度学分验证表, the verdict and totals of several years in one
document. Both read a year as 达标情况查询 does (:func:`~cme_platform.compliance.service.person_year`)."""

from __future__ import annotations

from collections.abc import Sequence

import pluggy

from cme_platform.compliance import schemas as s
from cme_platform.compliance.evaluate import Selection
from cme_platform.compliance.schemas import FIRST_YEAR, LAST_YEAR
from cme_platform.compliance.service import person_year, year_rules
from cme_platform.errors import InvalidInput, NotFound
from cme_platform.tenancy.scope import current_tenant

MAX_YEARS = 10
"""The most years one 多年度学分验证表 covers."""


async def person_years(
    pm: pluggy.PluginManager, selection: Selection, person_id: int, years: Sequence[int]
) -> list[s.PersonCompliance]:
    """``person_id``'s years of ``years`` (newest first, each once) within ``selection``; a year in which
    he was not in the registry is left out (404 when none is left)."""
    chosen = sorted(set(years), reverse=True)
    if not chosen or len(chosen) > MAX_YEARS or not FIRST_YEAR <= chosen[-1] <= chosen[0] <= LAST_YEAR:
        raise InvalidInput(f"请选择 {FIRST_YEAR}–{LAST_YEAR} 年间的 1 至 {MAX_YEARS} 个年度")
    found = []
    for year in chosen:
        try:
            found.append(await person_year(year_rules(pm, current_tenant(), year), selection, person_id))
        except NotFound:
            continue
    if not found:
        raise NotFound("所选年度没有该人员的学分信息")
    return found
