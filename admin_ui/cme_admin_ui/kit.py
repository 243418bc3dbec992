"""The UI kit: what a plugin's pages are built from, so that they look and behave like the core's.

- ``page_context(request)``: the shell's context (tenant, principal, menu, ``url()``, CSRF token) for a
  template that extends ``layout.html``;
- ``parse_form``, ``clean_form``, ``FormErrors``, ``domain_form_errors``: form values into a schema, with
  field errors in Chinese for the template;
- ``read_upload_form``, ``keep_upload``: a form with one file, streamed, size- and type-checked, kept
  through the files service (routes declare ``opt=UPLOAD_ROUTE_OPT`` and ``request_max_body_size=None``);
- ``back(request, path)``: a 303 redirect inside the tenant; ``flash(request, message)`` before it says on
  the next page what the action did; ``act(request, done, to, failed_to, action)`` runs a service call
  and does both (saying why not when it is refused);
- ``current_principal(request)``: the signed-in account of a guarded route;
- ``session_form_data(values, texts)`` and ``session_form_errors``: a session form's day and clock-time
  fields as China-time moments for the schema, and the service's errors under those fields' names
  (``china_moment(day, time)`` makes one such moment).

Templates of the kit (see docs/ui.md):

- ``<table class="list">`` with ``data-label``, ``card-title``, ``card-actions``, ``minor`` on its cells:
  a list that is a table on a desk and cards on a phone;
- ``kit/person_picker.html`` (``person_picker(name, label, values, errors)``): a field that finds people
  within the administrator's reach as he types and takes the person number of the one he picks;
- ``kit/person_select.html`` (``person_select(people)``) with ``PersonSelection``: 待选人员 / 已选人员,
  many people chosen at once;
- ``files/_evidence.html`` (``evidence_file(file_id, name, content_type)``): an attached file shown in
  the page (images), in the browser's viewer (PDF) or as a download.
"""

from __future__ import annotations

from cme_platform.files.intake import UPLOAD_ROUTE_OPT
from cme_platform.tenancy.urls import tenant_url

from cme_admin_ui.pages.credits import back, current_principal
from cme_admin_ui.pages.forms import (
    FormErrors,
    act,
    china_moment,
    clean_form,
    domain_form_errors,
    parse_form,
    session_form_data,
    session_form_errors,
)
from cme_admin_ui.person_selection import PersonSelection
from cme_admin_ui.shell import flash, page_context
from cme_admin_ui.uploads import keep_upload, read_upload_form

__all__ = [
    "UPLOAD_ROUTE_OPT",
    "FormErrors",
    "PersonSelection",
    "act",
    "back",
    "china_moment",
    "clean_form",
    "current_principal",
    "domain_form_errors",
    "flash",
    "keep_upload",
    "page_context",
    "parse_form",
    "read_upload_form",
    "session_form_data",
    "session_form_errors",
    "tenant_url",
]
