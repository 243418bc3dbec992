"""A run's sessions (课程) as attendance sees them: the ``project`` session kind.

A session is open for attendance once its run is approved for hosting. Its codes are shown by the
project's owner, the department it is delegated to, or an on-site manager (会场负责人) of the project's
institution. Where a person's credit for a run stands is its attendee list's status.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cme_platform import clock
from cme_platform.attendance.sessions import CreditState, SessionFacts, register_session_kind
from cme_platform.identity.principal import Principal
from cme_platform.identity.roles import Role
from cme_platform.projects import access
from cme_platform.projects.runs import run_title
from cme_platform.projects.states import ListStatus, RunStatus
from cme_platform.projects.tables import AttendeeEntry, AttendeeList, Project, ProjectRun, ProjectSession
from cme_platform.tenancy.scope import current_tenant

KIND = "project"
"""The session kind of a run's sessions."""


MAX_FACTS = 1000
"""The most sessions one call reads (a page never shows more)."""

FACTS_SQL = """
SELECT s.id, s.title, s.starts_at, s.ends_at, s.hours, s.run, r.seq, r.venue, r.status AS run_status,
       r.codes_from, r.codes_until, p.name AS project_name, p.number AS project_number
  FROM projects_session s
  JOIN projects_run r ON r.id = s.run
  JOIN projects_project p ON p.id = r.project
 WHERE s.tenant = {{}} AND s.id IN ({ids})
"""
"""The facts of sessions by id, within the active tenant (a plain statement filters on ``tenant`` itself)."""


def aware(moment: datetime | str) -> datetime:
    """A timestamp as the engines return it from a plain statement (text on SQLite), in UTC."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class ProjectSessions:
    """The ``project`` session kind."""

    kind = KIND
    label = "项目课程"
    plugin = ""

    async def facts(self, session_ids: Sequence[int]) -> dict[int, SessionFacts]:
        """The sessions with their run's project, venue and approval, in one plain statement (every scan
        reads one: the ORM's join building cost more than the query itself)."""
        ids = list(dict.fromkeys(session_ids))[:MAX_FACTS] or [0]
        rows = await ProjectSession.raw(
            FACTS_SQL.format(ids=", ".join("{}" for _ in ids)),
            current_tenant().id,
            *ids,
        )
        return {
            r["id"]: SessionFacts(
                kind=KIND,
                id=r["id"],
                title=r["title"],
                activity=run_title(r),
                group_id=r["run"],
                starts_at=aware(r["starts_at"]),
                ends_at=aware(r["ends_at"]),
                hours=r["hours"],
                venue=r["venue"],
                open=r["run_status"] == RunStatus.APPROVED,
                link=f"/projects/runs/{r['run']}/attendance",
                codes_from=aware(r["codes_from"]) if r["codes_from"] else None,
                codes_until=aware(r["codes_until"]) if r["codes_until"] else None,
            )
            for r in rows
        }

    async def may_show_codes(self, principal: Principal, session: SessionFacts) -> bool:
        """The project's owner or delegated 科室, or an on-site manager of its institution."""
        return await may_follow_run(principal, session.group_id)

    async def may_view(self, principal: Principal, session: SessionFacts) -> bool:
        """Those who show its codes, and those who may open its project in full (its administrators)."""
        return await may_follow_run(principal, session.group_id) or bool(
            await ProjectRun.exists().where(
                (ProjectRun.id == session.group_id)
                & ProjectRun.project.is_in(Project.select(Project.id).where(access.visible(principal)))
            )
        )

    async def may_manage(self, principal: Principal, group_id: int) -> bool:
        """The project's owner or the 科室 it is delegated to."""
        row = await (
            ProjectRun.select(
                ProjectRun.project.owner.as_alias("owner"), ProjectRun.project.delegate.as_alias("delegate")
            )
            .where(ProjectRun.id == group_id)
            .first()
        )
        return row is not None and access.may_hold(principal, row["owner"], row["delegate"])

    async def credit_states(self, person_id: int, group_ids: Sequence[int]) -> dict[int, CreditState]:
        """The status of each run's attendee list as it concerns ``person_id``."""
        rows = await AttendeeList.select(
            AttendeeList.id, AttendeeList.run, AttendeeList.status, AttendeeList.review_comment
        ).where(AttendeeList.run.is_in(list(group_ids) or [0]))
        entries = {
            e["attendee_list"]: e
            for e in await AttendeeEntry.select(
                AttendeeEntry.attendee_list, AttendeeEntry.selected, AttendeeEntry.credit
            ).where(
                AttendeeEntry.attendee_list.is_in([r["id"] for r in rows] or [0])
                & (AttendeeEntry.person == person_id)
            )
        }
        out: dict[int, CreditState] = {}
        for r in rows:
            entry = entries.get(r["id"])
            if r["status"] == ListStatus.GRANTED:
                granted = entry is not None and entry["credit"] is not None
                out[r["run"]] = (
                    CreditState(state="granted", label="已授予学分")
                    if granted
                    else CreditState(state="refused", label="未授分", note="未达到规定学时或未被单位上报")
                )
            elif r["status"] == ListStatus.REJECTED:
                out[r["run"]] = CreditState(state="refused", label="未授分", note=r["review_comment"])
            elif r["status"] == ListStatus.SUBMITTED:
                out[r["run"]] = CreditState(state="pending", label="审核中")
        return out


async def followed_sessions(principal: Principal, *, limit: int = 50) -> list[SessionFacts]:
    """现场签到: the sessions of approved runs that ``principal`` shows codes for (his projects, those
    delegated to his 科室, his institution's as its on-site manager), from yesterday on, soonest first."""
    clauses: list[Any] = [Project.owner == principal.account_id] if access.is_owner(principal) else []
    departments = access.delegated_departments(principal)
    if departments:
        clauses.append(Project.delegate.is_in(departments))
    onsite = sorted({g.institution_id for g in principal.grants_for(Role.ONSITE_MANAGER) if g.institution_id})
    if onsite:
        clauses.append(Project.institution.is_in(onsite))
    if not clauses:
        return []
    clause = clauses[0]
    for more in clauses[1:]:
        clause = clause | more
    runs = ProjectRun.select(ProjectRun.id).where(
        (ProjectRun.status == RunStatus.APPROVED)
        & ProjectRun.project.is_in(Project.select(Project.id).where(clause))
    )
    rows = await (
        ProjectSession.select(ProjectSession.id)
        .where(ProjectSession.run.is_in(runs) & (ProjectSession.ends_at >= clock.now() - timedelta(days=1)))
        .order_by(ProjectSession.starts_at)
        .limit(limit)
    )
    facts = await ProjectSessions().facts([r["id"] for r in rows])
    return [facts[r["id"]] for r in rows if r["id"] in facts]


async def may_follow_run(principal: Principal, run_id: int) -> bool:
    """True when ``principal`` shows the codes and follows the attendance of the run: the project's owner
    or delegated 科室, or an on-site manager (会场负责人) of the project's institution."""
    row = await (
        ProjectRun.select(
            ProjectRun.project.owner.as_alias("owner"),
            ProjectRun.project.delegate.as_alias("delegate"),
            ProjectRun.project.institution.as_alias("institution"),
        )
        .where(ProjectRun.id == run_id)
        .first()
    )
    if row is None:
        return False
    if access.may_hold(principal, row["owner"], row["delegate"]):
        return True
    return any(
        grant.institution_id == row["institution"] for grant in principal.grants_for(Role.ONSITE_MANAGER)
    )


register_session_kind(ProjectSessions())
