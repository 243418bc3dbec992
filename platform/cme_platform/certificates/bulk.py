"""All certificates of a run as one PDF (批量打印证书), made in the background.

The run's owner (or 代办科室), its institution's administrators and the commission start it once the
run's credits are granted; the job lays the province's certificate template out in batches of
:data:`RENDER_BATCH` (progress between them), joins the pages into one PDF and keeps it as a document of
:mod:`cme_platform.documents` behind expiring links.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cme_platform.audit.service import record
from cme_platform.certificates.service import COLUMNS, EXTERNAL, certificate_out
from cme_platform.certificates.tables import Certificate
from cme_platform.credits.tables import CreditRecord
from cme_platform.documents.schemas import ExportOut
from cme_platform.documents.service import Made, Progress, document_kind, start
from cme_platform.errors import Conflict, NotFound
from cme_platform.identity.principal import Principal
from cme_platform.jobs.kinds import RunningJob
from cme_platform.pdf import joined_pdf, render_document
from cme_platform.projects.access import MANAGERS, OWNER_ROLES, held_or_managed
from cme_platform.projects.tables import AttendeeEntry, AttendeeList, Project, ProjectRun
from cme_platform.qr import qr_svg
from cme_platform.settings import Settings

KIND = "certificates.run"
RENDER_BATCH = 200
"""Certificates laid out per WeasyPrint pass (progress is reported after each)."""
TEMPLATE = "certificates/pdf.html"


def _of_run(run_id: int) -> Any:
    """A where-clause on :class:`Certificate`: the valid certificates of the run's granted credits and of
    its external attendees (现场登记, certified from their list entries)."""
    credits = CreditRecord.select(CreditRecord.id).where(
        (CreditRecord.source_type == "project_run") & (CreditRecord.source_id == run_id)
    )
    lists = AttendeeList.select(AttendeeList.id).where(AttendeeList.run == run_id)
    entries = AttendeeEntry.select(AttendeeEntry.id).where(AttendeeEntry.attendee_list.is_in(lists))
    externals = (Certificate.source_type == EXTERNAL) & Certificate.source_id.is_in(entries)
    return (Certificate.status == "valid") & (Certificate.credit.is_in(credits) | externals)


async def _printable_run(principal: Principal, run_id: int) -> dict[str, Any] | None:
    """The run (with its project's ``name``) when ``principal`` holds or administers its project."""
    if not principal.has_any(*MANAGERS, *OWNER_ROLES):
        return None
    held = Project.select(Project.id).where(held_or_managed(principal))
    return await (
        ProjectRun.select(ProjectRun.id, ProjectRun.project.name.as_alias("name"))
        .where((ProjectRun.id == run_id) & ProjectRun.project.is_in(held))
        .first()
    )


async def may_print(principal: Principal, run_id: int) -> bool:
    """Whether ``principal`` may print the run's certificates (whether it has any aside)."""
    return await _printable_run(principal, run_id) is not None


async def start_run_certificates(
    principal: Principal, run_id: int, *, site_url: str, settings: Settings
) -> ExportOut:
    """Queue the PDF of every valid certificate of the run (404 unless ``principal`` holds or administers
    its project; 409 while it has none); audited."""
    run = await _printable_run(principal, run_id)
    if run is None:
        raise NotFound("项目期数不存在")
    count = await Certificate.count().where(_of_run(run_id))
    if not count:
        raise Conflict("本期项目还没有已发放的学分证书：学员名单审核通过授予学分后才有证书")
    title = f"学分证书：{run['name']}（{count} 张）"
    export = await start(
        KIND,
        title=title,
        total=count,
        args={"run_id": run_id, "site_url": site_url},
        account_id=principal.account_id,
        settings=settings,
    )
    await record(
        "certificates.print_run", object_type="projects_run", object_id=run_id, summary=f"批量打印{title}"
    )
    return export


async def _make(job: RunningJob, progress: Progress, *, run_id: int, site_url: str) -> Made:
    """The job: the run's certificates, a page each, in number order, as one PDF."""
    rows = await (
        Certificate.select(*COLUMNS)
        .where(_of_run(run_id))
        .order_by(Certificate.number)
        .output(load_json=True)
    )
    if not rows:
        raise NotFound("本期项目的证书已全部撤销")
    certificates = [certificate_out(row) for row in rows]
    template = job.templates.get_template(TEMPLATE)
    documents = []
    for first in range(0, len(certificates), RENDER_BATCH):
        batch = certificates[first : first + RENDER_BATCH]
        html = template.render(pages=[(c, qr_svg(site_url + c.verify_path)) for c in batch])
        documents.append(await asyncio.to_thread(render_document, html))
        await progress(first + len(batch), len(certificates))
    pdf = await asyncio.to_thread(joined_pdf, documents)
    name = certificates[0].facts.project_number or str(run_id)
    return Made(
        content=pdf,
        filename=f"学分证书-{name}-{len(certificates)}张.pdf",
        message=f"已生成：{len(certificates)} 张证书",
    )


PRINT_RUN = document_kind(KIND, "批量打印证书", _make)
"""A run's certificates as one PDF, made in the background."""
