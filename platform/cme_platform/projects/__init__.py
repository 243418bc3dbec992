"""CME projects (继续医学教育项目): projects, their runs (期数) and sessions, and hosting applications.

A project is declared and published by the commission, or entered by its owner when it was declared
outside the platform (national projects, 004 §1.2). Each run of a project is held at one venue between
two dates with a schedule of sessions; before it may be held its owner applies (举办申请) with the
materials the province asks for, and the application goes through the approvals domain (the owner's
institution confirms, the commission approves; the province's ``cme_approval_chain`` decides). Attendance
opens for approved runs only.

Projects of the levels a province declares in the platform are declared (新项目申报), reviewed and
published with a number; an institution may delegate a project's runs to one of its departments (代办).

Modules: ``tables``, ``policy`` (the province's vocabulary and rules, ``cme_project_policy``), ``states``
(statuses and their labels), ``access`` (who sees and changes what), ``service`` (projects, delegation
and the queries), ``declaration`` (submitting a declaration, its approval handler, numbering), ``runs``
(runs, sessions, materials), ``hosting`` (submitting an application and its approval handler),
``todos`` (what waits for an owner), ``export`` (Excel), ``demo`` (every tenant's demo projects),
``api`` (the JSON API).
"""

from __future__ import annotations

from typing import Final

FILE_PURPOSE: Final = "project_material"
"""The file purpose of a hosting application's materials (PDF or an image; 50 MB, checked by content)."""
