"""The web front end: the shell every role signs in to, and the server-rendered pages of the core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def ui_routes() -> list[Any]:
    """Route handlers of the core's pages."""
    from cme_admin_ui.pages import account, accounts, auth, home, orgs, platform, province, setup, sso, tokens
    from cme_admin_ui.pages import approvals as approval_pages
    from cme_admin_ui.pages import attendance as attendance_pages
    from cme_admin_ui.pages import attendee_lists as attendee_list_pages
    from cme_admin_ui.pages import audit as audit_pages
    from cme_admin_ui.pages import certificates as certificate_pages
    from cme_admin_ui.pages import compliance as compliance_pages
    from cme_admin_ui.pages import credit_forms as credit_form_pages
    from cme_admin_ui.pages import credits as credit_pages
    from cme_admin_ui.pages import exams as exam_pages
    from cme_admin_ui.pages import exports as export_pages
    from cme_admin_ui.pages import external_certificates as external_certificate_pages
    from cme_admin_ui.pages import files as file_pages
    from cme_admin_ui.pages import notifications as notification_pages
    from cme_admin_ui.pages import personnel as personnel_pages
    from cme_admin_ui.pages import personnel_import as personnel_import_pages
    from cme_admin_ui.pages import profile as profile_pages
    from cme_admin_ui.pages import project_imports as project_import_pages
    from cme_admin_ui.pages import project_reviews as project_review_pages
    from cme_admin_ui.pages import projects as project_pages
    from cme_admin_ui.pages import recognitions as recognition_pages
    from cme_admin_ui.pages import sms as sms_pages
    from cme_admin_ui.pages import standard_grants as standard_grant_pages
    from cme_admin_ui.pages import standards as standard_pages

    return [
        *home.routes,
        *auth.routes,
        *account.routes,
        *orgs.routes,
        *personnel_import_pages.routes,
        *personnel_pages.routes,
        *profile_pages.routes,
        *province.routes,
        *accounts.routes,
        *setup.routes,
        *platform.routes,
        *sso.routes,
        *tokens.routes,
        *file_pages.routes,
        *audit_pages.routes,
        *sms_pages.routes,
        *standard_pages.routes,
        *standard_grant_pages.routes,
        *credit_pages.routes(),
        *approval_pages.routes,
        *notification_pages.routes,
        *compliance_pages.routes,
        *credit_form_pages.routes,
        *project_pages.routes,
        *project_import_pages.routes,
        *project_review_pages.routes,
        *attendance_pages.routes,
        *attendee_list_pages.routes,
        *exam_pages.routes,
        *certificate_pages.routes,
        *export_pages.routes,
        *recognition_pages.routes,
        *external_certificate_pages.routes,
    ]
