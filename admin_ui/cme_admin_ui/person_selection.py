"""The UI kit's multi-select person picker (seeds: 待选人员 / 已选人员, "点击向右箭头，将人员纳入已选人员"):
a page's form holds a filtered list of people to choose from and the list of people chosen, both within the
administrator's reach.

A page builds a :class:`PersonSelection` from its posted form, lets it :meth:`~PersonSelection.apply` the
picker's own actions (查询, 加入已选, 全部加入, 移出, 清空), and renders ``kit/person_select.html`` with
:meth:`~PersonSelection.view`; its own actions (export, grant…) read :attr:`PersonSelection.selected`.
The whole state travels in the form, so it works without script; with script (``data-person-select``)
adding and removing happen in the page and people are also found as one types, by name, person number,
IC card number or full ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cme_platform.api.params import row_id_or_none, row_ids
from cme_platform.db.paging import and_all
from cme_platform.personnel import schemas as person_schemas
from cme_platform.personnel.access import PersonAccess
from cme_platform.personnel.service import filter_clause
from cme_platform.personnel.tables import Person
from cme_platform.personnel.vocab import STATUSES
from litestar.datastructures import FormMultiDict

from cme_admin_ui.pages.personnel import org_choices

CANDIDATES_SHOWN = 200
"""The most people the 待选人员 list shows (more: narrow it, or add them all at once)."""

PEOPLE_COLUMNS = (
    Person.id,
    Person.person_number,
    Person.name,
    Person.status,
    Person.department.name.as_alias("department_name"),
)


@dataclass(frozen=True)
class SelectionView:
    """What ``kit/person_select.html`` shows: the filter, both lists and the choices of the filter bar."""

    selection: PersonSelection
    candidates: list[dict[str, Any]]
    selected: list[dict[str, Any]]
    more: bool
    institution_choices: list[Any]
    department_choices: list[Any]
    statuses: tuple[str, ...]


class PersonSelection:
    """The picker's state from a posted form (``None``: the page's first view): the 待选 filter (unit,
    department, keyword, status), the selected people's ids in the order they were added (at most
    ``limit``), and the people ticked in either list. ``status`` filters the first view (``正常``: people
    still at work)."""

    def __init__(
        self, values: FormMultiDict | None, access: PersonAccess, *, limit: int, status: str = ""
    ) -> None:
        form = values if values is not None else FormMultiDict()
        self.access = access
        self.limit = limit
        self.institution_id = row_id_or_none(form.get("institution_id"))
        self.department_id = row_id_or_none(form.get("department_id"))
        self.keyword = str(form.get("q") or "").strip()[:50]
        chosen = str(form.get("status") or "") if values is not None else status
        self.status = chosen if chosen in STATUSES else ""
        self.selected = list(dict.fromkeys(row_ids(form.getall("selected", []))))[:limit]
        self.picked = row_ids(form.getall("pick", []))
        self.dropped = set(row_ids(form.getall("drop", [])))

    def person_filter(self) -> person_schemas.PersonFilter:
        """The 待选人员 filter: a unit, a name's beginning or a person or card number, a status."""
        by_number = self.keyword.isascii() and self.keyword.isalnum()
        return person_schemas.PersonFilter(
            institution_id=self.institution_id,
            department_id=self.department_id,
            q=self.keyword or None,
            q_field="number" if by_number else "name",
            status=self.status or None,
        )

    async def matching_ids(self, limit: int) -> list[int]:
        """Ids of the people the filter matches within reach, by person number."""
        where = filter_clause(self.access, self.person_filter())
        query = Person.select(Person.id).order_by(Person.person_number).limit(limit)
        rows = await (query.where(where) if where is not None else query)
        return [int(r["id"]) for r in rows]

    async def apply(self, action: str) -> None:
        """Carry out one of the picker's actions: ``add``, ``add_all``, ``remove``, ``clear`` (``filter``
        and any other change nothing here)."""
        if action == "add":
            self._add(self.picked)
        elif action == "add_all":
            self._add(await self.matching_ids(self.limit))
        elif action == "remove":
            self.selected = [i for i in self.selected if i not in self.dropped]
        elif action == "clear":
            self.selected = []

    def _add(self, ids: list[int]) -> None:
        self.selected = list(dict.fromkeys([*self.selected, *ids]))[: self.limit]

    async def people(self, ids: list[int]) -> list[dict[str, Any]]:
        """``ids`` within reach as rows for the lists, in the order given."""
        if not ids:
            return []
        reached = and_all(Person.id.is_in(ids), self.access.person_filter())
        by_id = {int(r["id"]): r for r in await Person.select(*PEOPLE_COLUMNS).where(reached)}
        return [by_id[i] for i in ids if i in by_id]

    async def view(self) -> SelectionView:
        """The picker's lists for ``kit/person_select.html`` (the 待选 list without those selected)."""
        shown = set(self.selected)
        matching = await self.matching_ids(CANDIDATES_SHOWN + len(shown) + 1)
        candidates = [i for i in matching if i not in shown]
        choices = await org_choices(self.access, self.institution_id, every_department=False)
        return SelectionView(
            selection=self,
            candidates=await self.people(candidates[:CANDIDATES_SHOWN]),
            selected=await self.people(self.selected),
            more=len(candidates) > CANDIDATES_SHOWN,
            institution_choices=choices["institution_choices"],
            department_choices=choices["department_choices"],
            statuses=STATUSES,
        )
